"""Prompt templates in the window: a dialog to write, rename and delete them, and a menu at
the message box (Ctrl+/) that puts one in, with what was typed where ``{{input}}`` stands."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_llm.chat.presets import INPUT_PLACEHOLDER, PromptTemplate
from desktop_llm.ui.dialog_parts import ok_cancel_buttons, problem_label
from desktop_llm.ui.message_input import MessageInput

TEMPLATE_SHORTCUT = "Ctrl+/"
_TEXT_ROLE = Qt.ItemDataRole.UserRole


class PromptTemplatesDialog(QDialog):
    """Edits a copy of the templates; ``templates()`` is the list to save after OK."""

    def __init__(
        self, templates: Sequence[PromptTemplate], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("promptTemplatesDialog")
        self.setWindowTitle(self.tr("Prompt templates"))
        self.setMinimumSize(640, 380)

        self.list = QListWidget()
        self.list.setObjectName("templateList")
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.add_button = QPushButton(self.tr("New template"))
        self.add_button.setObjectName("addTemplate")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self._on_add)
        self.delete_button = QPushButton(self.tr("Delete"))
        self.delete_button.setObjectName("deleteTemplate")
        self.delete_button.setAutoDefault(False)
        self.delete_button.clicked.connect(self._on_delete)

        self.name = QLineEdit()
        self.name.setObjectName("templateName")
        self.name.textEdited.connect(self._on_name_edited)
        self.text = QPlainTextEdit()
        self.text.setObjectName("templateText")
        self.text.setTabChangesFocus(True)
        self.text.textChanged.connect(self._on_text_edited)
        hint = QLabel(self.tr(
            "{0} marks where the text of the message box goes when the template is put in "
            "(with {1} at the message box); without it, the template goes before that text."
        ).format(INPUT_PLACEHOLDER, TEMPLATE_SHORTCUT))
        hint.setWordWrap(True)
        self.problem = problem_label("templateProblem")
        self.buttons = ok_cancel_buttons(self)

        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.delete_button)
        left.addLayout(row)
        self.editor = QWidget()
        form = QFormLayout(self.editor)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("Name:"), self.name)
        form.addRow(self.tr("Text:"), self.text)
        form.addRow(hint)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addWidget(self.editor, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

        for template in templates:
            self._append(template.name, template.text)
        self.list.setCurrentRow(0)
        self._on_current_changed(self.list.currentItem(), None)

    def templates(self) -> tuple[PromptTemplate, ...]:
        return tuple(
            PromptTemplate(item.text().strip(), item.data(_TEXT_ROLE))
            for item in (self.list.item(row) for row in range(self.list.count()))
        )

    def _append(self, name: str, text: str) -> QListWidgetItem:
        item = QListWidgetItem(name)
        item.setData(_TEXT_ROLE, text)
        self.list.addItem(item)
        return item

    @Slot(object, object)
    def _on_current_changed(
        self, item: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        self.editor.setEnabled(item is not None)
        self.delete_button.setEnabled(item is not None)
        self.name.setText(item.text() if item else "")
        # Filling the editor is not an edit of the template.
        self.text.blockSignals(True)
        self.text.setPlainText(item.data(_TEXT_ROLE) if item else "")
        self.text.blockSignals(False)
        self._check()

    @Slot()
    def _on_add(self) -> None:
        item = self._append(self._unused_name(), f"{INPUT_PLACEHOLDER}")
        self.list.setCurrentItem(item)
        self.name.setFocus()
        self.name.selectAll()

    @Slot()
    def _on_delete(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
            self._check()

    @Slot(str)
    def _on_name_edited(self, name: str) -> None:
        item = self.list.currentItem()
        if item is not None:
            item.setText(name)
            self._check()

    @Slot()
    def _on_text_edited(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            item.setData(_TEXT_ROLE, self.text.toPlainText())

    def _unused_name(self) -> str:
        names = {template.name for template in self.templates()}
        base = self.tr("New template")
        number = 1
        name = base
        while name in names:
            number += 1
            name = f"{base} {number}"
        return name

    def _check(self) -> None:
        names = [template.name for template in self.templates()]
        problem = ""
        if any(not name for name in names):
            problem = self.tr("Every template needs a name.")
        else:
            twice = next((name for name in names if names.count(name) > 1), None)
            if twice is not None:
                problem = self.tr("Two templates are called “{0}”: rename one.").format(twice)
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)


class TemplateMenu(QMenu):
    """The templates, offered at the message box with Ctrl+/ (or from a button that shows
    this menu); the one chosen replaces the box's text, filled with it."""

    manageRequested = Signal()  # "Edit templates…" was chosen

    def __init__(self, message_input: MessageInput, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Templates"), parent)
        self.setObjectName("templateMenu")
        self._input = message_input
        self._templates: tuple[PromptTemplate, ...] = ()
        self.shortcut = QShortcut(QKeySequence(TEMPLATE_SHORTCUT), message_input)
        self.shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        self.shortcut.activated.connect(self.popup_at_input)
        self.set_templates(())

    def set_templates(self, templates: Sequence[PromptTemplate]) -> None:
        self._templates = tuple(templates)
        self.clear()
        for template in self._templates:
            action = self.addAction(template.name)
            action.setToolTip(template.text)
            action.triggered.connect(
                lambda _checked=False, text=template.text: self._input.insert_template(text)
            )
        if not self._templates:
            self.addAction(self.tr("No templates yet")).setEnabled(False)
        self.addSeparator()
        manage = self.addAction(self.tr("Edit templates…"))
        manage.setObjectName("editTemplatesAction")
        manage.triggered.connect(self.manageRequested)

    def templates(self) -> tuple[PromptTemplate, ...]:
        return self._templates

    @Slot()
    def popup_at_input(self) -> None:
        """Opens under the text cursor of the message box, without blocking."""
        area = self._input.viewport()
        spot = self._input.cursorRect().bottomLeft()
        self.popup(area.mapToGlobal(QPoint(spot.x(), spot.y())))
