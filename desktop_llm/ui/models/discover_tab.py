"""Discover: the curated catalog first, then a search of the Hub; a repository's files with
their quantization, size and whether they fit this machine."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_llm.chat import ModelFile, RepoFiles, RepoSummary
from desktop_llm.chat.catalog import CatalogEntry
from desktop_llm.chat.model_manager import FitEstimate
from desktop_llm.ui.locale_format import size
from desktop_llm.ui.models.formatting import (
    count,
    day,
    tokens,
    verdict_colour,
    verdict_details,
    verdict_text,
)
from desktop_llm.ui.models.table import RowTable
from desktop_llm.ui.models_bridge import HubState, ModelsBridge

SORTS = ("downloads", "likes", "updated")


class DiscoverTab(QWidget):
    downloadRequested = Signal(str, object)  # repo id, ModelFile

    def __init__(self, bridge: ModelsBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._repo: RepoFiles | None = None

        self.search_box = QLineEdit()
        self.search_box.setObjectName("hubSearch")
        self.search_box.setPlaceholderText(self.tr("Search the Hugging Face Hub for GGUF models"))
        self.sort = QComboBox()
        self.sort.setObjectName("hubSort")
        labels = {
            "downloads": self.tr("Most downloaded"),
            "likes": self.tr("Most liked"),
            "updated": self.tr("Recently updated"),
        }
        for key in SORTS:
            self.sort.addItem(labels[key], key)
        self.author = QLineEdit()
        self.author.setObjectName("hubAuthor")
        self.author.setPlaceholderText(self.tr("Author (optional)"))
        self.search_button = QPushButton(self.tr("Search"))
        self.search_button.setObjectName("hubSearchButton")
        self.status = QLabel()
        self.status.setObjectName("discoverStatus")
        self.status.setWordWrap(True)
        self.repos = RowTable(
            "repoList",
            [
                self.tr("Repository"),
                self.tr("Downloads"),
                self.tr("Likes"),
                self.tr("Updated"),
                self.tr("License"),
                self.tr("Parameters"),
                self.tr("Architecture"),
                self.tr("Context"),
                self.tr("Access"),
            ],
        )
        self.context = QSpinBox()
        self.context.setObjectName("fitContext")
        self.context.setRange(512, 1 << 20)
        self.context.setSingleStep(2048)
        self.context.setValue(bridge.context_length)
        self.context.setSuffix(self.tr(" tokens"))
        self.files = RowTable(
            "fileList",
            [self.tr("File"), self.tr("Quantization"), self.tr("Size"), self.tr("Fit")],
        )
        self.download_button = QPushButton(self.tr("Download"))
        self.download_button.setObjectName("downloadButton")
        self.download_button.setEnabled(False)
        self._lay_out()

        self.search_button.clicked.connect(self.search)
        self.search_box.returnPressed.connect(self.search)
        self.repos.itemSelectionChanged.connect(self._on_repo_selected)
        self.files.itemSelectionChanged.connect(
            lambda: self.download_button.setEnabled(self.files.selected_data() is not None)
        )
        self.download_button.clicked.connect(self._on_download_clicked)
        self.context.editingFinished.connect(self._refresh_fits)
        self._offline = False
        # Even a small file is read off the GUI thread.
        bridge.catalog(self.show_catalog)
        bridge.hub_state(self._on_hub_state)

    @property
    def offline(self) -> bool:
        """True when HF_HUB_OFFLINE keeps the browser off the Hub."""
        return self._offline

    def _offline_notice(self) -> str:
        return self.tr(
            "HF_HUB_OFFLINE is set, so the Hugging Face Hub is not contacted: searching and "
            "downloading are off. Models already on this computer work as usual; unset "
            "HF_HUB_OFFLINE and reopen this window to search."
        )

    def _on_hub_state(self, state: HubState) -> None:
        self._offline = state.sources.offline
        if not self._offline:
            return
        # Said before anyone types a search that could only fail.
        self.status.setText(self._offline_notice())
        for widget in (self.search_box, self.author, self.sort, self.search_button):
            widget.setEnabled(False)

    def _lay_out(self) -> None:
        search_row = QHBoxLayout()
        search_row.addWidget(self.search_box, 3)
        search_row.addWidget(self.author, 1)
        search_row.addWidget(self.sort)
        search_row.addWidget(self.search_button)
        files_box = QWidget()
        files_column = QVBoxLayout(files_box)
        files_column.setContentsMargins(0, 0, 0, 0)
        fit_row = QHBoxLayout()
        fit_row.addWidget(QLabel(self.tr("Fit at a context of")))
        fit_row.addWidget(self.context)
        fit_row.addStretch(1)
        fit_row.addWidget(self.download_button)
        files_column.addLayout(fit_row)
        files_column.addWidget(self.files)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.repos)
        splitter.addWidget(files_box)
        column = QVBoxLayout(self)
        column.addLayout(search_row)
        column.addWidget(self.status)
        column.addWidget(splitter, 1)

    # Repositories ---------------------------------------------------------------------------

    def show_catalog(self, catalog: list[CatalogEntry]) -> None:
        self.repos.setRowCount(0)
        recommended = [entry for entry in catalog if not entry.bundled]
        for row, entry in enumerate(recommended):
            self.repos.set_row(
                row,
                entry,
                [
                    entry.repo,
                    "",
                    "",
                    "",
                    entry.license,
                    entry.parameters,
                    "",
                    tokens(entry.context_length),
                    self.tr("recommended"),
                ],
                tooltip=entry.description,
            )
        self.status.setText(
            self._offline_notice() if self._offline
            else self.tr("Recommended models. Search to see everything on the Hub.")
        )

    @Slot()
    def search(self) -> None:
        query, author = self.search_box.text().strip(), self.author.text().strip() or None
        sort = self.sort.currentData()
        self.status.setText(self.tr("Searching…"))
        self.search_button.setEnabled(False)
        self._bridge.search(
            query, sort=sort, author=author, on_done=self._show_results,
            on_error=self._show_problem,
        )

    def _show_results(self, repos: list[RepoSummary]) -> None:
        self.search_button.setEnabled(True)
        self.repos.setRowCount(0)
        for row, repo in enumerate(repos):
            self.repos.set_row(
                row,
                repo,
                [
                    repo.repo_id,
                    count(repo.downloads),
                    count(repo.likes),
                    day(repo.last_modified),
                    repo.license or "",
                    count(repo.parameter_count),
                    repo.architecture or "",
                    tokens(repo.context_length),
                    self.tr("gated") if repo.gated else self.tr("open"),
                ],
            )
        self.status.setText(
            self.tr("{0} repositories found.").format(len(repos)) if repos
            else self.tr("Nothing found.")
        )

    def _show_problem(self, message: str) -> None:
        self.search_button.setEnabled(True)
        self.status.setText(message)

    # Files ----------------------------------------------------------------------------------

    @Slot()
    def _on_repo_selected(self) -> None:
        chosen: Any = self.repos.selected_data()
        if chosen is None:
            return
        repo_id = chosen.repo if isinstance(chosen, CatalogEntry) else chosen.repo_id
        self.files.setRowCount(0)
        self.download_button.setEnabled(False)
        self.status.setText(self.tr("Reading the files of {0}…").format(repo_id))
        self._bridge.repo_files(repo_id, self._show_files, self._show_problem)

    def _show_files(self, repo: RepoFiles) -> None:
        self._repo = repo
        self.files.setRowCount(0)
        for row, model in enumerate(repo.files):
            self._set_file_row(row, model, None)
        gated = self.tr(" This repository is gated: a Hugging Face token is needed (Settings tab).")
        self.status.setText(
            self.tr("{0}: {1} GGUF files.").format(repo.repo_id, len(repo.files))
            + (gated if repo.gated else "")
        )
        self._refresh_fits()

    def _set_file_row(self, row: int, model: ModelFile, fit: FitEstimate | None) -> None:
        name = model.name
        if model.is_split:
            name += self.tr(" ({0} parts)").format(len(model.parts))
        if not model.complete:
            name += self.tr(" — incomplete on the Hub")
        fit_cell = verdict_text(fit) if fit else self.tr("estimating…")
        self.files.set_row(
            row,
            model,
            [name, model.quantization or "?", size(model.size_bytes), fit_cell],
            tooltip=verdict_details(fit) if fit else "",
            colours={3: verdict_colour(fit)},
        )

    @Slot()
    def _refresh_fits(self) -> None:
        repo = self._repo
        if repo is None:
            return
        n_ctx = self.context.value()

        def show(fits: dict[str, FitEstimate]) -> None:
            if self._repo is not repo:
                return
            for row, model in enumerate(repo.files):
                self._set_file_row(row, model, fits.get(model.name))

        self._bridge.repo_fits(repo.repo_id, repo, n_ctx, show, self._show_problem)

    @Slot()
    def _on_download_clicked(self) -> None:
        model = self.files.selected_data()
        if self._repo is not None and model is not None:
            self.downloadRequested.emit(self._repo.repo_id, model)
