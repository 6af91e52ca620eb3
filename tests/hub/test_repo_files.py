"""A repository's GGUF files: grouped by quantization, split parts joined, checksums per part."""

from __future__ import annotations

import hashlib

from desktop_llm.hub import HubClient
from tests.fake_hub import FakeFile, FakeHub
from tests.hub.sample_repos import (
    GATED,
    GATED_FILE,
    QUANT_NAMES_IN_ORDER,
    QUANTS,
    SMOL,
    SMOL_FILE,
    SPLIT,
)


def test_every_quantization_is_listed_smallest_first(client: HubClient) -> None:
    listing = client.repo_files(QUANTS)
    models = [f for f in listing.files if not f.is_projector]
    assert [f.quantization for f in models] == QUANT_NAMES_IN_ORDER
    assert [f.size_bytes for f in models] == sorted(f.size_bytes for f in models)
    assert "README.md" not in {p for f in listing.files for p in f.paths}


def test_files_are_grouped_by_quantization(client: HubClient) -> None:
    groups = client.repo_files(QUANTS).by_quantization()
    assert list(groups) == QUANT_NAMES_IN_ORDER
    # The vision projector is F16 too, and is marked as what it is.
    assert {(f.name, f.is_projector) for f in groups["F16"]} == {
        ("Quants-1B-F16.gguf", False),
        ("mmproj-Quants-1B-f16.gguf", True),
    }


def test_sizes_and_checksums_are_the_hubs(client: HubClient, smol_model: FakeFile) -> None:
    listing = client.repo_files(SMOL)
    (model,) = listing.files
    assert model.name == SMOL_FILE
    assert model.quantization == "Q4_1"
    assert model.size_bytes == smol_model.size == 98_362_432
    (part,) = model.parts
    # The bundled model's published sha256: the LFS oid is the content's sha256.
    assert part.sha256 == "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


def test_split_parts_become_one_model_with_the_total_size(
    client: HubClient, fake_hub: FakeHub
) -> None:
    listing = client.repo_files(SPLIT)
    by_name = {f.name: f for f in listing.files}
    assert list(by_name) == [
        "Big-70B-Q2_K.gguf",
        "Q4_K_M/Big-70B-Q4_K_M.gguf",
        "Q8_0/Big-70B-Q8_0.gguf",
    ]
    split = by_name["Q4_K_M/Big-70B-Q4_K_M.gguf"]
    served = [fake_hub.repo(SPLIT).file(path) for path in split.paths]
    assert split.paths == tuple(f"Q4_K_M/Big-70B-Q4_K_M-0000{i}-of-00003.gguf" for i in (1, 2, 3))
    assert split.complete and split.split_count == 3
    assert split.size_bytes == sum(f.size for f in served if f is not None)
    assert [p.sha256 for p in split.parts] == [
        hashlib.sha256(f.content).hexdigest() for f in served if f is not None
    ]
    assert listing.find("Q4_K_M/Big-70B-Q4_K_M-00002-of-00003.gguf") is split


def test_an_incomplete_split_is_listed_but_flagged(client: HubClient) -> None:
    incomplete = client.repo_files(SPLIT).find("Q8_0/Big-70B-Q8_0.gguf")
    assert incomplete is not None
    assert incomplete.quantization == "Q8_0"
    assert not incomplete.complete
    assert incomplete.missing_parts == (2,)


def test_the_listing_names_the_commit_it_describes(client: HubClient, fake_hub: FakeHub) -> None:
    listing = client.repo_files(SPLIT)
    assert listing.commit_sha == fake_hub.repo(SPLIT).sha
    assert len(listing.commit_sha) == 40
    by_commit = client.repo_files(SPLIT, revision=listing.commit_sha)
    assert by_commit.files == listing.files
    assert by_commit.revision == listing.commit_sha


def test_a_gated_repository_lists_its_files_without_a_token(client: HubClient) -> None:
    # As on the real Hub: the file list is public, only the files' contents are gated.
    listing = client.repo_files(GATED)
    assert listing.gated is True
    assert [f.name for f in listing.files] == [GATED_FILE]
