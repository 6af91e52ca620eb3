"""Import (a file, or a folder scan) refuses every malformed GGUF of the corpus with its reason
and registers nothing; good files are registered with what their header says."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_llm.chat.library import ModelLibrary
from desktop_llm.model_files import GGUFError
from desktop_llm.storage import HistoryStore
from tests.model_files.corpus import CASES, Case


@pytest.fixture
def library(tmp_path: Path) -> ModelLibrary:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    yield ModelLibrary(store.models)
    store.close()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_import_refuses_each_malformed_file(
    case: Case, library: ModelLibrary, tmp_path: Path
) -> None:
    path = tmp_path / f"{case.id}.gguf"
    path.write_bytes(case.make())
    with pytest.raises(GGUFError) as refused:
        library.import_file(path)
    assert refused.value.reason == case.reason
    assert case.fragment in str(refused.value)
    assert library.models() == []


def test_a_folder_scan_reports_every_refusal_and_keeps_the_good_model(
    library: ModelLibrary, model_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    for case in CASES:
        (folder / f"{case.id}.gguf").write_bytes(case.make())
    good = folder / "nested" / "good.gguf"
    good.parent.mkdir()
    good.symlink_to(model_path)
    report = library.scan_folder(folder)
    assert [model.name for model in report.imported] == ["good"]
    assert report.imported[0].metadata["architecture"] == "llama"
    assert report.imported[0].metadata["chat_template_present"] is True
    refused = {path.stem: reason for path, reason in report.refused}
    assert set(refused) == {case.id for case in CASES}
    for case in CASES:
        assert case.fragment in refused[case.id]
    assert [model.name for model in library.models()] == ["good"]
