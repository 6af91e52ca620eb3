"""Decode throughput of a reply served by ``desktop-llm serve`` and read by the official
``openai`` client, against bare llama-cpp-python in this process (issue 12, point 5).

The served side is the real path a program takes: ``desktop-llm serve`` runs as a process of
its own (as a user starts it), its engine process holds the model; the ``openai`` client in
this process asks ``POST /v1/chat/completions`` with ``stream=True`` and the pieces are timed
where the client yields them (server-sent events parsed by the client). The bare side is
``Llama.create_chat_completion(stream=True)`` in a plain loop in this process
(``throughput.run_bare``: a fresh ``Llama`` on a thread that ends with the run). Both get the
same model, context, threads, messages, seed and sampling, so they should write the same text.

Runs alternate (served, bare, served, bare, ...) after one warm-up of each, so the machine's
other load falls on both sides alike; the figure is the median of the per-pair ratios. The
served side's tokens are the server's ``usage`` (``stream_options.include_usage``); the bare
side's, its text tokenized again.

    .venv/bin/python bench/serve.py [--pairs 5] [--max-tokens 256] [--model PATH]
        [--threads 1] [--n-ctx 4096] [--seed 1234]

The exit status is 0 whatever the ratio, and non-zero only when something broke.
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import openai
from common import LONG_PROMPT, BenchError, run_in_temporary_home  # bench/common.py
from throughput import (  # bench/throughput.py: the bare side and the table, shared
    COLUMNS,
    Run,
    Setup,
    _fmt,
    _header,
    _median,
    _PieceClock,
    _print_run,
    _ratio,
    _same_text,
    run_bare,
)

from desktop_llm.bundled_model import default_model_path
from desktop_llm.engine.types import GenerationParams, LoadSettings
from desktop_llm.paths import app_paths
from desktop_llm.settings import Settings, save_settings

GOAL = 0.95
START_TIMEOUT_S = 120.0
REPLY_TIMEOUT_S = 300.0


class _Server:
    """``desktop-llm serve`` on a free port, in this benchmark's data folder."""

    def __init__(self, setup: Setup) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "desktop_llm", "serve", "--port", "0",
             "--model", str(setup.model)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8",
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(
            target=lambda: lines.put(self.process.stdout.readline()),  # type: ignore[union-attr]
            name="serve-address", daemon=True,
        ).start()
        try:
            line = lines.get(timeout=START_TIMEOUT_S)
        except queue.Empty:
            line = ""
        if not line.startswith("Serving "):
            self.stop()
            raise BenchError(f"desktop-llm serve did not start: {self.process.stderr.read()}")
        self.model, _, rest = line.removeprefix("Serving ").rpartition(" at ")
        self.base_url = rest.split()[0]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def run_served(setup: Setup, server: _Server, client: openai.OpenAI) -> Run:
    params = setup.params
    clock = _PieceClock()
    finish, tokens = "?", 0
    started = time.perf_counter()
    stream = client.chat.completions.create(
        model=server.model,
        messages=[{"role": "user", "content": LONG_PROMPT}],
        stream=True,
        stream_options={"include_usage": True},
        temperature=params.temperature,
        top_p=params.top_p,
        seed=params.seed,
        max_tokens=params.max_tokens,
        extra_body={"top_k": params.top_k, "min_p": params.min_p,
                    "repeat_penalty": params.repeat_penalty},
    )
    for chunk in stream:
        if chunk.usage is not None:
            tokens = chunk.usage.completion_tokens
        if not chunk.choices:
            continue
        piece = chunk.choices[0].delta.content
        if piece:
            clock.receive(piece)
        if chunk.choices[0].finish_reason:
            finish = chunk.choices[0].finish_reason
    first_token_s = clock.stamps[0] - started if clock.stamps else None
    return clock.run("served", finish, tokens, first_token_s=first_token_s)


def bench(args: argparse.Namespace) -> int:
    setup = Setup(
        model=args.model.expanduser().resolve(),
        load=LoadSettings(n_ctx=args.n_ctx, n_gpu_layers=0, n_threads=args.threads),
        params=replace(GenerationParams(), seed=args.seed, max_tokens=args.max_tokens),
        bare_niceness=0,
    )
    if not setup.model.is_file():
        raise BenchError(f"no model at {setup.model}")
    # The server loads with the saved load settings (safe mode off, as the bare side).
    paths = app_paths().ensure()
    save_settings(
        Settings(load=replace(setup.load, safe_mode="off"), generation=setup.params,
                 system_prompt=""),
        paths.settings_file,
    )
    _header(setup, "desktop-llm serve read by the openai client against bare llama-cpp-python")
    print(
        "\ntok/s: (tokens - 1) / (last - first text), timed where the consumer received it;"
        "\nttft: time to the first text from the call, prompt evaluation included (the served"
        " side\nkeeps its model loaded and may reuse the prompt's cache);"
        " ratio: served/bare tok/s\n\n" + COLUMNS,
        flush=True,
    )
    server = _Server(setup)
    try:
        with openai.OpenAI(base_url=server.base_url, api_key="-", max_retries=0,
                           timeout=REPLY_TIMEOUT_S) as client:

            def served_then_bare(label: str) -> tuple[Run, Run]:
                served_run, bare_run = run_served(setup, server, client), run_bare(setup)
                _print_run(label, served_run)
                _print_run(label, bare_run, _ratio(served_run.rate, bare_run.rate))
                _same_text(served_run, bare_run, label)
                return served_run, bare_run

            served_then_bare("warm-up")
            pairs = [served_then_bare(f"pair {index}") for index in range(1, args.pairs + 1)]
    finally:
        server.stop()
    if server.process.returncode not in (0, 130):
        raise BenchError(f"desktop-llm serve ended with {server.process.returncode}")
    ratios = [r for served, bare in pairs if (r := _ratio(served.rate, bare.rate))]
    if not ratios:
        raise BenchError("no pair produced a decode rate on both sides (replies too short?)")
    identical = sum(served.text == bare.text for served, bare in pairs)
    print(
        f"\nmedian tok/s: served {_fmt(_median(s.rate for s, _ in pairs))},"
        f" bare {_fmt(_median(b.rate for _, b in pairs))}; identical text in"
        f" {identical}/{len(pairs)} pairs\n"
        f"per-pair ratios from {min(ratios):.3f} to {max(ratios):.3f}\n"
        "load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
    )
    print(
        f"serve throughput ratio (served/bare, median of {len(ratios)} pairs): "
        f"{statistics.median(ratios):.2f}  (goal >= {GOAL})",
        flush=True,
    )
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=5, help="measured pairs (5)")
    parser.add_argument("--max-tokens", type=int, default=256, help="reply length cap (256)")
    parser.add_argument(
        "--model", type=Path, default=default_model_path(), help="GGUF file (the bundled model)"
    )
    parser.add_argument("--threads", type=int, default=1,
                        help="llama.cpp n_threads for both sides (1, as throughput.py)")
    parser.add_argument("--n-ctx", type=int, default=LoadSettings().n_ctx, help="context size")
    parser.add_argument("--seed", type=int, default=1234, help="sampling seed for both sides")
    args = parser.parse_args(argv)
    if args.pairs < 1 or args.max_tokens < 2:
        parser.error("--pairs must be at least 1 and --max-tokens at least 2")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_in_temporary_home("desktop-llm-bench-serve-", lambda: bench(args))


if __name__ == "__main__":
    sys.exit(main())
