"""A Hugging Face repository fetched for conversion: only the files the converter reads."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from desktop_llm.errors import HubNotFoundError
from desktop_llm.hub import HubConfig
from desktop_llm.hub.model_folder import (
    FolderDownloadStopped,
    download_model_folder,
    looks_like_repo_id,
)
from tests.fake_hub import FakeFile, FakeHub
from tests.fake_hub.server import FakeRepo
from tests.hub.conftest import TEST_TIMEOUT

REPO = "test-org/Tiny-HF"
NEEDED = {
    "config.json",
    "model-00001-of-00002.safetensors",
    "model-00002-of-00002.safetensors",
    "model.safetensors.index.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
}
NOT_NEEDED = {"README.md", "onnx/model.onnx", "Tiny-HF.Q4_K_M.gguf", "images/logo.png"}


@pytest.fixture
def hf_repo(fake_hub: FakeHub) -> FakeRepo:
    files = [
        FakeFile(path, json.dumps({"file": path}).encode(), lfs=path.endswith(".safetensors"))
        for path in sorted(NEEDED | NOT_NEEDED)
    ]
    repo = FakeRepo(REPO, files, tags=["safetensors"])
    fake_hub.add_repo(repo)
    return repo


def test_only_the_files_conversion_needs_are_fetched(
    fake_hub: FakeHub, hf_repo: FakeRepo, tmp_path: Path
) -> None:
    config = HubConfig(endpoint=fake_hub.url, timeout=TEST_TIMEOUT)
    target = tmp_path / "source"
    commit = download_model_folder(config, REPO, target)
    assert commit == hf_repo.sha
    fetched = {
        str(p.relative_to(target)).replace("\\", "/")
        for p in target.rglob("*")
        if p.is_file() and ".cache" not in p.parts
    }
    assert fetched == NEEDED
    assert json.loads((target / "config.json").read_text()) == {"file": "config.json"}


def test_a_missing_repository_is_a_hub_error(fake_hub: FakeHub, tmp_path: Path) -> None:
    config = HubConfig(endpoint=fake_hub.url, timeout=TEST_TIMEOUT)
    with pytest.raises(HubNotFoundError):
        download_model_folder(config, "nobody/nothing", tmp_path / "x")


def test_repo_ids_are_told_from_paths() -> None:
    assert looks_like_repo_id("HuggingFaceTB/SmolLM2-135M-Instruct")
    assert not looks_like_repo_id("/home/me/models/smol")
    assert not looks_like_repo_id("models/smol/extra")
    assert not looks_like_repo_id("smol")


def test_the_space_check_sees_the_bytes_still_to_fetch(
    fake_hub: FakeHub, hf_repo: FakeRepo, tmp_path: Path
) -> None:
    config = HubConfig(endpoint=fake_hub.url, timeout=TEST_TIMEOUT)
    wanted = sum(f.size for f in hf_repo.files if f.path in NEEDED)
    asked: list[int] = []

    def refuse(needed: int) -> None:
        asked.append(needed)
        raise RuntimeError("no space")

    with pytest.raises(RuntimeError):
        download_model_folder(config, REPO, tmp_path / "source", check_space=refuse)
    assert asked == [wanted]
    assert not (tmp_path / "source").exists(), "nothing is fetched after a refusal"
    download_model_folder(config, REPO, tmp_path / "source", check_space=asked.append)
    assert asked[-1] == wanted
    download_model_folder(config, REPO, tmp_path / "source", check_space=asked.append)
    assert asked[-1] == 0, "files already there are not counted again"


def test_progress_is_reported_and_a_stop_ends_the_download(
    fake_hub: FakeHub, tmp_path: Path
) -> None:
    big = FakeFile("model.safetensors", os.urandom(25 * 1024 * 1024))
    fake_hub.add_repo(FakeRepo("test-org/Big-HF", [FakeFile("config.json", b"{}", lfs=False), big]))
    config = HubConfig(endpoint=fake_hub.url, timeout=TEST_TIMEOUT)
    reports: list[tuple[int, int]] = []
    download_model_folder(
        config, "test-org/Big-HF", tmp_path / "whole", on_progress=lambda *r: reports.append(r)
    )
    assert reports and reports[-1] == (big.size + 2, big.size + 2)
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)

    stop = [False]

    def first_piece(done: int, total: int) -> None:
        stop[0] = True

    with pytest.raises(FolderDownloadStopped):
        download_model_folder(
            config,
            "test-org/Big-HF",
            tmp_path / "stopped",
            on_progress=first_piece,
            should_stop=lambda: stop[0],
        )
    assert not (tmp_path / "stopped" / "model.safetensors").exists()
