"""The fake Hub answers huggingface_hub's own calls as the real Hub does, and its faults work.

These tests use huggingface_hub and httpx2 directly, to pin down the protocol the app's
downloader and client rely on.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import (
    HfApi,
    get_hf_file_metadata,
    hf_hub_download,
    hf_hub_url,
)
from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

from tests.fake_hub import FakeFile, FakeHub, FakeRepo, Fault
from tests.hub.sample_repos import (
    BY_DOWNLOADS,
    GATED,
    GATED_FILE,
    NOT_GGUF,
    PRIVATE,
    SMOL,
    SMOL_FILE,
    SPLIT,
)

REPO = "fault-org/Small-GGUF"
FILE = "small-Q4_0.gguf"
CONTENT = bytes(range(256)) * 4096  # 1 MiB, every offset distinguishable


@pytest.fixture
def small_hub() -> Iterator[FakeHub]:
    with FakeHub([FakeRepo(REPO, [FakeFile(FILE, CONTENT)])]) as hub:
        yield hub


def _api(hub: FakeHub, token: str | bool = False) -> HfApi:
    return HfApi(endpoint=hub.url, token=token)


def _get(hub: FakeHub, path: str, **headers: str) -> httpx2.Response:
    url = hf_hub_url(REPO, path, endpoint=hub.url)
    return httpx2.get(url, headers=headers, timeout=5)


# -- the Hub API -------------------------------------------------------------------------------


def test_list_models_follows_pagination(fake_hub: FakeHub) -> None:
    fake_hub.page_size = 2
    models = list(_api(fake_hub).list_models(filter="gguf", sort="downloads"))
    assert [m.id for m in models] == BY_DOWNLOADS
    pages = [r for r in fake_hub.requests if r.path == "/api/models"]
    assert len(pages) == 2
    assert "cursor=2" in pages[1].query


def test_list_models_full_gives_commit_and_files(fake_hub: FakeHub) -> None:
    (model,) = _api(fake_hub).list_models(search="SmolLM2", full=True)
    assert model.sha == fake_hub.repo(SMOL).sha
    assert {s.rfilename for s in model.siblings or ()} == {SMOL_FILE, "README.md", "config.json"}
    assert model.gated is False


def test_model_info_has_card_gguf_gate_and_blobs(fake_hub: FakeHub, smol_model: FakeFile) -> None:
    info = _api(fake_hub).model_info(SMOL, files_metadata=True)
    assert info.card_data is not None and info.card_data.license == "apache-2.0"
    assert info.gguf == {"total": 134_515_008, "architecture": "llama", "context_length": 8192}
    siblings = {s.rfilename: s for s in info.siblings or ()}
    model = siblings[SMOL_FILE]
    assert model.size == smol_model.size
    assert model.lfs is not None and model.lfs.sha256 == smol_model.sha256
    readme = siblings["README.md"]
    assert readme.lfs is None and readme.size == len(b"# A model card\n")
    assert _api(fake_hub).model_info(GATED).gated == "auto"


def test_model_info_expand_selects_fields(fake_hub: FakeHub) -> None:
    info = _api(fake_hub).model_info(SMOL, expand=["downloads", "gguf"])
    assert info.downloads == 12_000 and info.gguf is not None
    assert info.likes is None and info.siblings is None


def test_list_repo_tree_recursive_with_lfs_and_pagination(fake_hub: FakeHub) -> None:
    fake_hub.page_size = 2
    entries = list(_api(fake_hub).list_repo_tree(SPLIT, recursive=True))
    repo = fake_hub.repo(SPLIT)
    files = {e.path: e for e in entries if hasattr(e, "size")}
    assert set(files) == {f.path for f in repo.files}
    assert {e.path for e in entries if not hasattr(e, "size")} == {"Q4_K_M", "Q8_0"}
    for served in repo.files:
        entry = files[served.path]
        assert entry.size == served.size
        if served.lfs:
            assert entry.lfs is not None and entry.lfs.sha256 == served.sha256
        else:
            assert entry.lfs is None


def test_list_repo_tree_of_a_folder_and_expanded(fake_hub: FakeHub) -> None:
    entries = list(_api(fake_hub).list_repo_tree(SPLIT, "Q4_K_M", expand=True))
    assert [e.path for e in entries] == [
        f"Q4_K_M/Big-70B-Q4_K_M-0000{i}-of-00003.gguf" for i in (1, 2, 3)
    ]
    assert all(e.last_commit is not None for e in entries)
    top = list(_api(fake_hub).list_repo_tree(SPLIT))
    assert "Q4_K_M/Big-70B-Q4_K_M-00001-of-00003.gguf" not in {e.path for e in top}


def test_get_paths_info(fake_hub: FakeHub) -> None:
    found = _api(fake_hub).get_paths_info(SPLIT, ["Big-70B-Q2_K.gguf", "Q8_0", "absent.gguf"])
    assert sorted(e.path for e in found) == ["Big-70B-Q2_K.gguf", "Q8_0"]


# -- access, as the real Hub answers -----------------------------------------------------------


def test_private_and_unknown_repositories_are_not_found(fake_hub: FakeHub) -> None:
    with pytest.raises(RepositoryNotFoundError) as anonymous:
        _api(fake_hub).model_info(PRIVATE)
    assert anonymous.value.response.status_code == 401
    with pytest.raises(RepositoryNotFoundError) as authorised:
        _api(fake_hub, fake_hub.token).model_info("nobody/nothing")
    assert authorised.value.response.status_code == 404
    assert _api(fake_hub, fake_hub.token).model_info(PRIVATE).private is True


def test_gated_files_need_the_token_but_the_listing_is_public(fake_hub: FakeHub) -> None:
    url = hf_hub_url(GATED, GATED_FILE, endpoint=fake_hub.url)
    with pytest.raises(GatedRepoError):
        get_hf_file_metadata(url, token=False)
    assert get_hf_file_metadata(url, token=fake_hub.token).size == 8192
    assert [s.rfilename for s in _api(fake_hub).model_info(GATED).siblings or ()] == [
        GATED_FILE,
        "README.md",
    ]


def test_a_wrong_token_is_refused_everywhere(fake_hub: FakeHub) -> None:
    with pytest.raises(HfHubHTTPError) as caught:
        list(_api(fake_hub, "hf_wrong").list_models(limit=1))
    assert caught.value.response.status_code == 401
    assert not isinstance(caught.value, RepositoryNotFoundError)


# -- files ---------------------------------------------------------------------------------------


def test_file_metadata_headers(fake_hub: FakeHub, smol_model: FakeFile) -> None:
    lfs = get_hf_file_metadata(hf_hub_url(SMOL, SMOL_FILE, endpoint=fake_hub.url), token=False)
    assert lfs.etag == smol_model.sha256
    assert lfs.size == 98_362_432
    assert lfs.commit_hash == fake_hub.repo(SMOL).sha
    readme = get_hf_file_metadata(hf_hub_url(SMOL, "README.md", endpoint=fake_hub.url))
    blob = b"# A model card\n"
    assert readme.etag == hashlib.sha1(b"blob %d\0" % len(blob) + blob).hexdigest()
    assert readme.size == len(blob)


@pytest.mark.parametrize("lfs_redirect", [False, True], ids=["direct", "cdn-redirect"])
def test_hf_hub_download_gets_the_exact_bytes(tmp_path: Path, lfs_redirect: bool) -> None:
    repos = [
        FakeRepo(REPO, [FakeFile(FILE, CONTENT)]),
        FakeRepo(GATED, [FakeFile(GATED_FILE, CONTENT[:5000])], gated=True),
    ]
    with FakeHub(repos, lfs_redirect=lfs_redirect) as hub:
        path = hf_hub_download(REPO, FILE, local_dir=tmp_path / "a", endpoint=hub.url, token=False)
        assert Path(path).read_bytes() == CONTENT
        gated = hf_hub_download(
            GATED, GATED_FILE, local_dir=tmp_path / "b", endpoint=hub.url, token=hub.token
        )
        assert Path(gated).read_bytes() == CONTENT[:5000]
        requests = hub.file_requests(GATED, GATED_FILE)
    if lfs_redirect:
        # HEAD on the Hub answers 302 with the metadata; the bytes come from the "CDN".
        resolve, cdn = requests
        assert (resolve.method, resolve.status) == ("HEAD", 302)
        assert (cdn.method, cdn.status) == ("GET", 200)
        assert resolve.authorization == f"Bearer {hub.token}"
        assert cdn.path.startswith("/_cdn/")
        assert cdn.authorization is None  # another origin: the token stays with the Hub
    else:
        assert [(r.method, r.status) for r in requests] == [("HEAD", 200), ("GET", 200)]


def test_range_requests(small_hub: FakeHub) -> None:
    middle = _get(small_hub, FILE, Range="bytes=1000-1999")
    assert middle.status_code == 206
    assert middle.headers["Content-Range"] == f"bytes 1000-1999/{len(CONTENT)}"
    assert middle.content == CONTENT[1000:2000]
    rest = _get(small_hub, FILE, Range=f"bytes={len(CONTENT) - 10}-")
    assert rest.content == CONTENT[-10:]
    suffix = _get(small_hub, FILE, Range="bytes=-3")
    assert suffix.content == CONTENT[-3:]
    past = _get(small_hub, FILE, Range="bytes=5-99999999")
    assert past.headers["Content-Range"] == f"bytes 5-{len(CONTENT) - 1}/{len(CONTENT)}"
    beyond = _get(small_hub, FILE, Range=f"bytes={len(CONTENT)}-")
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(CONTENT)}"
    whole = _get(small_hub, FILE)
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["X-Linked-Size"] == str(len(CONTENT))
    assert [r.range for r in small_hub.requests] == [
        "bytes=1000-1999",
        f"bytes={len(CONTENT) - 10}-",
        "bytes=-3",
        "bytes=5-99999999",
        f"bytes={len(CONTENT)}-",
        None,
    ]


def test_missing_files_are_entry_not_found(small_hub: FakeHub) -> None:
    response = _get(small_hub, "nope.gguf")
    assert response.status_code == 404
    assert response.headers["X-Error-Code"] == "EntryNotFound"
    assert response.headers["X-Repo-Commit"] == small_hub.repo(REPO).sha


def test_bytes_served_counts_body_bytes(small_hub: FakeHub) -> None:
    _get(small_hub, FILE, Range="bytes=0-99")
    _get(small_hub, FILE)
    assert small_hub.bytes_served(REPO, FILE) == 100 + len(CONTENT)
    assert [r.body_bytes for r in small_hub.requests] == [100, len(CONTENT)]


# -- faults --------------------------------------------------------------------------------------


def test_a_dropped_connection_cuts_the_body_once(small_hub: FakeHub) -> None:
    small_hub.inject(REPO, FILE, Fault(drop_after=300_000))
    with pytest.raises(httpx2.RemoteProtocolError):
        _get(small_hub, FILE)
    assert small_hub.bytes_served(REPO, FILE) == 300_000
    assert _get(small_hub, FILE).content == CONTENT  # times=1: served normally afterwards


def test_corrupt_bytes_keep_the_length_but_not_the_checksum(small_hub: FakeHub) -> None:
    small_hub.inject(REPO, FILE, Fault(corrupt=True, times=2))
    for _ in range(2):
        body = _get(small_hub, FILE).content
        assert len(body) == len(CONTENT) and body != CONTENT
    assert _get(small_hub, FILE).content == CONTENT


def test_a_status_fault_answers_that_status_the_given_number_of_times(small_hub: FakeHub) -> None:
    small_hub.inject(REPO, FILE, Fault(status=503, times=2))
    statuses = [_get(small_hub, FILE).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert small_hub.requests[0].status == 503


def test_a_stall_holds_the_connection_until_stop(small_hub: FakeHub) -> None:
    small_hub.inject(REPO, FILE, Fault(stall_after=1000, stall_seconds=60))
    received: list[int] = []
    failure: list[BaseException] = []

    def read() -> None:
        url = hf_hub_url(REPO, FILE, endpoint=small_hub.url)
        try:
            with httpx2.stream("GET", url, timeout=30) as response:
                for chunk in response.iter_bytes():
                    received.append(len(chunk))
        except httpx2.HTTPError as error:
            failure.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    deadline = time.monotonic() + 5
    while sum(received) < 1000 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    assert sum(received) == 1000 and reader.is_alive()  # stalled, connection open
    started = time.monotonic()
    small_hub.stop()
    reader.join(timeout=5)
    assert not reader.is_alive()
    assert time.monotonic() - started < 3
    assert failure  # the body ended short: the client sees an error, not a complete file


def test_faults_on_other_files_do_not_interfere(fake_hub: FakeHub) -> None:
    fake_hub.inject(NOT_GGUF, "model.safetensors", Fault(status=500))
    url = hf_hub_url(SMOL, "README.md", endpoint=fake_hub.url)
    assert httpx2.get(url, timeout=5).status_code == 200
