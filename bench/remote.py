"""Remote replies through the app against the openai client talking to the same server.

A real OpenAI-compatible server (llama-cpp-python's ``llama_cpp.server``, on the bundled
model, started here on a free loopback port) answers both sides: the app (a ChatService with
the server added as a remote, a reply sent with ``send`` and saved in a temporary history:
RemoteEngine's SSE reader, ReplyWriter, the history) and the official ``openai`` client
(``chat.completions.create(stream=True)`` in a plain loop). Same prompt, seed, sampling and
max tokens; runs alternate app, direct, app, direct after one warm-up of each. The rate is
tokens per second between the first and the last text the consumer received; it prints every
run, the medians and ``remote ratio (app/direct, ...)`` (goal >= 0.97).

    .venv/bin/python bench/remote.py [--pairs 5] [--max-tokens 200] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2
from common import LONG_PROMPT, BenchError, run_in_temporary_home  # bench/common.py

from desktop_llm.bundled_model import default_model_path

ALIAS = "smol"


@dataclass(frozen=True)
class Run:
    side: str
    pieces: int
    rate: float
    ttft: float
    text: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(threads: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(default_model_path()),
             "--model_alias", ALIAS, "--host", "127.0.0.1", "--port", str(port),
             "--n_ctx", "2048", "--n_threads", str(threads), "--verbose", "False"],
            stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"llama_cpp.server ended at start: {log.read_text()[-500:]}")
        try:
            if httpx2.get(f"{url}/models", timeout=1).status_code == 200:
                return server, url
        except httpx2.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise BenchError("llama_cpp.server did not answer in 120 s")


def rate(times: list[float], tokens: int, side: str) -> float:
    if len(times) < 2 or times[-1] <= times[0]:
        raise BenchError(f"the {side} reply was too short to measure ({len(times)} pieces)")
    return (tokens - 1) / (times[-1] - times[0])


def app_run(service: object, max_tokens: int) -> Run:
    from desktop_llm.engine.types import GenerationParams

    params = GenerationParams(temperature=0.0, seed=1, max_tokens=max_tokens)
    times: list[float] = []
    pieces: list[str] = []

    def on_text(text: str) -> None:
        times.append(time.perf_counter())
        pieces.append(text)

    started = time.perf_counter()
    reply = service.send(  # type: ignore[attr-defined]
        None, LONG_PROMPT, params=params, on_text=on_text
    )
    record = reply.done.result(timeout=600)
    if record.finish_reason not in ("stop", "length"):
        raise BenchError(f"the app's reply ended with {record.finish_reason}: {record.error}")
    wait_until_idle(service)
    return Run("app", len(pieces), rate(times, len(pieces), "app"), times[0] - started,
               "".join(pieces))


def wait_until_idle(service: object, timeout: float = 60.0) -> None:
    """After a reply the app counts the new messages' tokens on the server; llama_cpp.server
    cuts a stream it is writing when another request arrives, so the direct side starts only
    once the app's requests are over."""
    engine = service._remote[1]  # type: ignore[attr-defined]  # the bench's one remote engine
    deadline = time.monotonic() + timeout
    while engine.busy:
        if time.monotonic() > deadline:
            raise BenchError("the app's remote engine stayed busy after its reply")
        time.sleep(0.01)


def direct_run(url: str, max_tokens: int) -> Run:
    import openai

    client = openai.OpenAI(base_url=url, api_key="none")
    times: list[float] = []
    pieces: list[str] = []
    started = time.perf_counter()
    stream = client.chat.completions.create(
        model=ALIAS,
        messages=[{"role": "system", "content": "You are a helpful assistant."},
                  {"role": "user", "content": LONG_PROMPT}],
        stream=True, temperature=0.0, seed=1, max_tokens=max_tokens, top_p=0.95,
        presence_penalty=0.0, frequency_penalty=0.0,
        extra_body={"top_k": 40, "min_p": 0.05, "repeat_penalty": 1.1},
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            times.append(time.perf_counter())
            pieces.append(chunk.choices[0].delta.content)
    client.close()
    return Run("direct", len(pieces), rate(times, len(pieces), "direct"), times[0] - started,
               "".join(pieces))


def bench(args: argparse.Namespace) -> int:
    from desktop_llm.chat.service import ChatService
    from desktop_llm.paths import app_paths

    with tempfile.TemporaryDirectory(prefix="bench-remote-log-") as logs:
        server, url = start_server(args.threads, Path(logs) / "server.log")
        try:
            with ChatService.open(app_paths().ensure()) as service:
                service.remotes.add("bench", url)
                service.load_model(f"bench/{ALIAS}").result(timeout=60)
                app_run(service, args.max_tokens)  # warm-ups
                direct_run(url, args.max_tokens)
                runs: list[Run] = []
                for _ in range(args.pairs):
                    for run in (app_run(service, args.max_tokens),
                                direct_run(url, args.max_tokens)):
                        runs.append(run)
                        print(f"{run.side:6} {run.pieces:4} pieces  {run.rate:7.1f} tok/s  "
                              f"ttft {run.ttft * 1000:6.1f} ms", flush=True)
        finally:
            server.kill()
            server.wait()
    app = [r for r in runs if r.side == "app"]
    direct = [r for r in runs if r.side == "direct"]
    if {r.text for r in app} != {r.text for r in direct}:
        print("warning: the two sides wrote different texts", file=sys.stderr)
    app_rate = statistics.median(r.rate for r in app)
    direct_rate = statistics.median(r.rate for r in direct)
    print(f"median app {app_rate:.1f} tok/s, direct {direct_rate:.1f} tok/s; ttft app "
          f"{statistics.median(r.ttft for r in app) * 1000:.1f} ms, direct "
          f"{statistics.median(r.ttft for r in direct) * 1000:.1f} ms")
    print(f"remote ratio (app/direct, {args.pairs} pairs, {args.max_tokens} tokens): "
          f"{app_rate / direct_rate:.3f}  (goal >= 0.97)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    return run_in_temporary_home("bench-remote-", lambda: bench(args))


if __name__ == "__main__":
    sys.exit(main())
