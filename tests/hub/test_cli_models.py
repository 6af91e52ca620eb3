"""``desktop-llm models …`` in a subprocess, against the fake Hub."""

from __future__ import annotations

import functools
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_llm.bundled_model import DEFAULT_MODEL
from tests.fake_hub import FakeHub, Fault
from tests.gguf_files import truncated_copy
from tests.hub.sample_repos import GATED, GATED_FILE, QUANTS, SMOL, SMOL_FILE, SPLIT
from tests.test_cli import PYTHON_M, RUN_TIMEOUT, _env, assert_one_line_failure, run_cli, run_json

SMOL_SIZE = DEFAULT_MODEL.size_bytes


@pytest.fixture
def home(isolated_home: Path, fake_hub: FakeHub, model_path: Path) -> Path:
    config = isolated_home / "config"
    config.mkdir(parents=True)
    (config / "settings.json").write_text(json.dumps({"hub_endpoint": fake_hub.url}))
    return isolated_home


def test_search_sorts_and_filters(home: Path) -> None:
    found = run_json(home, "models", "search", "SmolLM2")
    assert [repo["repo"] for repo in found] == [SMOL]
    assert found[0]["downloads"] > 0 and "gated" in found[0]
    by_author = run_json(home, "models", "search", "", "--author", "test-org")
    assert {repo["repo"] for repo in by_author} == {QUANTS, SPLIT}


def test_files_lists_sizes_quantization_and_fit(home: Path) -> None:
    listing = run_json(home, "models", "files", SMOL)
    (model,) = listing["files"]
    assert model["name"] == SMOL_FILE
    assert model["quantization"] == "Q4_1"
    assert model["size_bytes"] == SMOL_SIZE
    assert model["parts"][0]["sha256"] == DEFAULT_MODEL.sha256
    fit = model["fit"]
    assert fit["verdict"] == "fits"
    assert fit["kv_cache_bytes"] == 2 * 30 * 4096 * 3 * 64 * 2
    assert fit["ram_needed_bytes"] > SMOL_SIZE + fit["kv_cache_bytes"]
    larger = run_json(home, "models", "files", SMOL, "--context", "8192")["files"][0]["fit"]
    assert larger["kv_cache_bytes"] == 2 * fit["kv_cache_bytes"]

    split = run_json(home, "models", "files", SPLIT)["files"]
    combined = [m for m in split if len(m["parts"]) > 1]
    assert combined and combined[0]["size_bytes"] == sum(
        p["size_bytes"] for p in combined[0]["parts"]
    )


def test_download_registers_the_model_and_it_chats(home: Path) -> None:
    done = run_json(home, "models", "download", SMOL, "Q4_1")
    assert done["size_bytes"] == SMOL_SIZE
    names = [m["name"] for m in run_json(home, "models", "list")]
    assert "SmolLM2-135M-Instruct.Q4_1" in names
    reply = run_json(
        home,
        "chat",
        "--model",
        "SmolLM2-135M-Instruct.Q4_1",
        "--max-tokens",
        "8",
        "--seed",
        "1",
        "Hello",
    )
    assert reply["model"] == "SmolLM2-135M-Instruct.Q4_1" and reply["reply"]


def test_an_interrupted_download_resumes_where_it_stopped(home: Path, fake_hub: FakeHub) -> None:
    stop_at = 40 * 1024 * 1024
    fake_hub.inject(SMOL, SMOL_FILE, Fault(stall_after=stop_at, stall_seconds=120))
    child = subprocess.Popen(
        [*PYTHON_M, "models", "download", SMOL, SMOL_FILE],
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    partial_dir = home / "models" / ".partial"
    deadline = time.monotonic() + RUN_TIMEOUT
    try:
        while time.monotonic() < deadline:
            parts = list(partial_dir.glob("*.part")) if partial_dir.exists() else []
            if parts and parts[0].stat().st_size >= stop_at:
                break
            assert child.poll() is None, "the download ended before the stall"
            time.sleep(0.1)
        else:
            pytest.fail("the partial file never reached the stall point")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)

    first_run_bytes = fake_hub.bytes_served(SMOL, SMOL_FILE)
    done = run_json(home, "models", "download", SMOL, SMOL_FILE)
    assert done["size_bytes"] == SMOL_SIZE
    resumed = [r for r in fake_hub.requests if r.range and r.path.endswith(SMOL_FILE)]
    assert resumed, "the second run did not ask for a range"
    start = int(resumed[-1].range.split("=")[1].split("-")[0])
    assert start >= stop_at - 2 * 1024 * 1024  # at most the last unsaved chunk again
    fetched_again = fake_hub.bytes_served(SMOL, SMOL_FILE) - first_run_bytes
    assert fetched_again <= SMOL_SIZE - start
    path = Path(done["path"])
    assert path.stat().st_size == SMOL_SIZE


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT semantics differ on Windows")
def test_ctrl_c_pauses_and_says_how_to_resume(home: Path, fake_hub: FakeHub) -> None:
    fake_hub.inject(SMOL, SMOL_FILE, Fault(stall_after=8 * 1024 * 1024, stall_seconds=120))
    child = subprocess.Popen(
        [*PYTHON_M, "models", "download", SMOL, SMOL_FILE],
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    partial_dir = home / "models" / ".partial"
    deadline = time.monotonic() + RUN_TIMEOUT
    while not (partial_dir.exists() and list(partial_dir.glob("*.part"))):
        assert time.monotonic() < deadline and child.poll() is None
        time.sleep(0.1)
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    _out, err = child.communicate(timeout=RUN_TIMEOUT)
    assert child.returncode == 130
    assert "run the same command again to resume" in err
    assert list(partial_dir.glob("*.part")), "the partial file must survive a pause"


def test_failures_are_one_line(
    home: Path, fake_hub: FakeHub, model_path: Path, tmp_path: Path
) -> None:
    gated = assert_one_line_failure(run_cli(home, "models", "download", GATED, GATED_FILE))
    assert "token" in gated.lower()
    missing = assert_one_line_failure(run_cli(home, "models", "files", "nobody/nothing"))
    assert "nobody/nothing" in missing
    wrong = assert_one_line_failure(run_cli(home, "models", "download", SMOL, "Q8_0"))
    assert SMOL_FILE in wrong
    cut = truncated_copy(model_path, tmp_path / "cut.gguf", 0.5)
    refused = assert_one_line_failure(run_cli(home, "models", "import", str(cut)))
    assert "truncated" in refused
    gone = assert_one_line_failure(run_cli(home, "models", "remove", "No such model"))
    assert "No such model" in gone


def test_import_scan_and_remove(home: Path, model_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "collection"
    folder.mkdir()
    (folder / "good.gguf").write_bytes(model_path.read_bytes())
    truncated_copy(model_path, folder / "bad.gguf", 0.3)
    report = run_json(home, "models", "import", str(folder))
    assert [m["name"] for m in report["imported"]] == ["good"]
    assert report["imported"][0]["architecture"] == "llama"
    assert report["refused"][0]["path"].endswith("bad.gguf")
    assert "truncated" in report["refused"][0]["reason"]
    assert run_cli(home, "models", "remove", "good").returncode == 0
    assert "good" not in [m["name"] for m in run_json(home, "models", "list")]
    assert (folder / "good.gguf").exists()  # imported from elsewhere: the file stays


# -- killed, rerun, run twice at once ---------------------------------------------------------

SMOL_NAME = "SmolLM2-135M-Instruct.Q4_1"


def _smol_target(home: Path) -> Path:
    return home / "models" / Path(SMOL) / SMOL_FILE


def _partial_size(home: Path) -> int:
    parts = list((home / "models" / ".partial").glob("*.part"))
    try:
        return parts[0].stat().st_size if parts else 0
    except FileNotFoundError:  # renamed into place meanwhile
        return 0


def _has_reached(home: Path, size: int) -> bool:
    return _partial_size(home) >= size


def _start_download(home: Path, *, output: int | None = subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen(
        [*PYTHON_M, "models", "download", SMOL, SMOL_FILE],
        env=_env(home),
        stdout=output,
        stderr=output,
        text=True,
    )


def _wait_for(child: subprocess.Popen, ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT
    while not ready():
        # ready() once more: it may have got there just before it ended (a busy machine).
        if child.poll() is not None and not ready():
            pytest.fail(f"the download ended before {what}")
        assert time.monotonic() < deadline, f"never got to {what}"
        time.sleep(0.02)


def _unfinished(home: Path) -> list[str]:
    """What an unfinished download leaves: partial files, sidecars, locks, job manifests
    (a temporary manifest of a write cut by the kill may stay; it is swept after an hour)."""
    folder = home / "models" / ".partial"
    return sorted(p.name for p in folder.glob("*") if not p.name.endswith(".tmp"))


def _assert_no_system_error(*texts: str) -> None:
    for text in texts:
        assert "Errno" not in text and "No such file or directory" not in text, text


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


# Fractions of the 98 MB file at which the command is killed; the last is one chunk short of
# the end, the moment the reported failure needed (the file about to be renamed into place).
KILL_POINTS = [0.2, 0.6, 0.95, 0.9999]


@pytest.mark.parametrize("fraction", KILL_POINTS, ids=lambda f: f"{f:.2%}")
def test_a_download_killed_at_any_point_finishes_on_the_next_run(
    home: Path, fake_hub: FakeHub, fraction: float
) -> None:
    stop_at = int(SMOL_SIZE * fraction)
    fake_hub.inject(SMOL, SMOL_FILE, Fault(stall_after=stop_at, stall_seconds=120))
    killed = _start_download(home)
    try:
        _wait_for(killed, lambda: _partial_size(home) >= stop_at, f"{fraction:.2%}")
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait(30)

    rerun = run_cli(home, "models", "download", SMOL, SMOL_FILE, "--json")

    _assert_no_system_error(rerun.stdout, rerun.stderr)
    assert rerun.returncode == 0, rerun.stderr
    done = json.loads(rerun.stdout)
    assert done["already_installed"] is False
    assert _sha256(Path(done["path"])) == DEFAULT_MODEL.sha256
    assert fake_hub.bytes_served(SMOL, SMOL_FILE) <= SMOL_SIZE + 2 * 1024 * 1024  # resumed
    assert _unfinished(home) == []

    served = fake_hub.bytes_served(SMOL, SMOL_FILE)
    again = run_cli(home, "models", "download", SMOL, SMOL_FILE)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == (
        f"{SMOL_NAME} is already installed at {_smol_target(home).resolve()}."
    )
    assert fake_hub.bytes_served(SMOL, SMOL_FILE) == served  # nothing fetched again


def test_killed_repeatedly_near_the_end_and_right_after_the_rename(
    home: Path, fake_hub: FakeHub
) -> None:
    """Kill, rerun, kill the rerun: every run continues the one job, none fails."""
    target = _smol_target(home)
    for fraction in (0.5, 0.98, 0.9999):
        stop_at = int(SMOL_SIZE * fraction)
        # The rerun asks for the rest (a Range request): the stall counts from there.
        already = _partial_size(home)
        fake_hub.inject(SMOL, SMOL_FILE, Fault(stall_after=stop_at - already, stall_seconds=120))
        killed = _start_download(home)
        try:
            _wait_for(killed, functools.partial(_has_reached, home, stop_at), f"{fraction:.2%}")
        finally:
            killed.send_signal(signal.SIGKILL)
            killed.wait(30)
        assert len(list((home / "models" / ".partial").glob("*.job.json"))) == 1  # one job

    # The last one is killed as soon as the file is in place (before it is registered).
    killed = _start_download(home)
    try:
        _wait_for(killed, target.exists, "the final rename")
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait(30)

    rerun = run_cli(home, "models", "download", SMOL, SMOL_FILE)
    _assert_no_system_error(rerun.stdout, rerun.stderr)
    assert rerun.returncode == 0, rerun.stderr
    assert _sha256(target) == DEFAULT_MODEL.sha256
    assert SMOL_NAME in [m["name"] for m in run_json(home, "models", "list")]
    assert _unfinished(home) == []


def test_two_commands_for_one_model_at_once_fetch_it_once(
    home: Path, fake_hub: FakeHub
) -> None:
    """The reported failure: a second run restored the running one's job from the partial
    state and both finished the file; the loser's rename found no partial file."""
    stop_at = 30 * 1024 * 1024
    fake_hub.inject(SMOL, SMOL_FILE, Fault(stall_after=stop_at, stall_seconds=120))
    first = _start_download(home, output=subprocess.PIPE)
    try:
        _wait_for(first, lambda: _partial_size(home) >= stop_at, "the stall")

        second = run_cli(home, "models", "download", SMOL, SMOL_FILE)

        line = assert_one_line_failure(second)
        assert "is being downloaded by another desktop-llm" in line
        _assert_no_system_error(line)
        fake_hub.release_stalls()  # the first one's connection drops; it resumes and finishes
        out, err = first.communicate(timeout=RUN_TIMEOUT)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(30)
    _assert_no_system_error(out, err)
    assert first.returncode == 0, err
    assert out.startswith(f"Installed {SMOL_NAME}")
    assert _sha256(_smol_target(home)) == DEFAULT_MODEL.sha256

    third = run_cli(home, "models", "download", SMOL, SMOL_FILE)
    assert third.returncode == 0 and "is already installed at" in third.stdout
