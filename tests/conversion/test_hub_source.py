"""A Hub repo id as the source: its weights come from the (fake) Hub, then convert as a folder."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from desktop_llm.chat import ConversionRequest, JobProgress
from desktop_llm.chat.service import ChatService
from desktop_llm.errors import ConversionCancelled, ConversionError
from tests.fake_hub import FakeFile, FakeHub, FakeRepo

REPO = "test-org/Tiny-Llama-HF"


@pytest.fixture(autouse=True)
def isolated_keyring(tmp_path: Path) -> Iterator[None]:
    """No token from the user's real keyring reaches the fake Hub."""
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring" / "keyring_pass.cfg")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield
    keyring.set_keyring(previous)


def test_a_repo_id_is_downloaded_then_converted(
    service: ChatService, tiny_hf_model: Path
) -> None:
    files = [
        FakeFile(p.name, p.read_bytes(), lfs=p.suffix == ".safetensors")
        for p in sorted(tiny_hf_model.iterdir())
    ]
    files.append(FakeFile("README.md", b"# A tiny model\n", lfs=False))
    repo = FakeRepo(REPO, files, tags=["safetensors"])
    with FakeHub([repo]) as hub:
        service.settings = replace(service.settings, hub_endpoint=hub.url)
        seen: list[JobProgress] = []
        job = service.models.convert(ConversionRequest(REPO))
        job.subscribe(seen.append)
        (model,) = job.future.result(timeout=180).models
    assert model.name == "Tiny-Llama-HF-F16"
    assert model.metadata["repo"] == REPO
    assert model.metadata["revision"] == repo.sha
    assert model.metadata["converted_from"] == REPO
    assert seen[0].stage == "download"
    assert not hub.file_requests(REPO, "README.md"), "only what conversion needs is fetched"
    sources = service.models.models_dir / "converted" / ".sources"
    assert not (sources / "test-org--Tiny-Llama-HF").exists(), "the download is removed after"


def test_cancel_during_the_download(service: ChatService, tmp_path: Path) -> None:
    weights = FakeFile("model.safetensors", os.urandom(30 * 1024 * 1024))
    config = FakeFile("config.json", b'{"architectures": ["LlamaForCausalLM"]}', lfs=False)
    with FakeHub([FakeRepo("test-org/Big-HF", [config, weights])]) as hub:
        service.settings = replace(service.settings, hub_endpoint=hub.url)
        job = service.models.convert(ConversionRequest("test-org/Big-HF"))
        downloading = threading.Event()
        job.subscribe(
            lambda p: downloading.set() if p.stage == "download" and p.fraction else None
        )
        assert downloading.wait(60)
        job.cancel()
        with pytest.raises(ConversionCancelled):
            job.future.result(timeout=60)
    converted = service.models.models_dir / "converted"
    assert not (converted / "Big-HF").exists()
    # Stopped midway: the weights never arrived whole (their partial stays for a retry).
    assert not (converted / ".sources" / "test-org--Big-HF" / "model.safetensors").exists()


def test_an_unsupported_repo_is_refused_before_its_weights_are_fetched(
    service: ChatService,
) -> None:
    weights = FakeFile("model.safetensors", os.urandom(1024 * 1024))
    config = FakeFile("config.json", b'{"architectures": ["MadeUpForCausalLM"]}', lfs=False)
    with FakeHub([FakeRepo("test-org/MadeUp", [config, weights])]) as hub:
        service.settings = replace(service.settings, hub_endpoint=hub.url)
        job = service.models.convert(ConversionRequest("test-org/MadeUp"))
        with pytest.raises(ConversionError, match="MadeUpForCausalLM is not an architecture"):
            job.future.result(timeout=60)
        assert hub.bytes_served("test-org/MadeUp", "model.safetensors") == 0
