"""A fake Hugging Face Hub over real HTTP on 127.0.0.1, for tests and benchmarks (no internet)."""

from __future__ import annotations

from tests.fake_hub.server import FakeFile, FakeHub, FakeRepo, Fault, RequestRecord

__all__ = ["FakeFile", "FakeHub", "FakeRepo", "Fault", "RequestRecord"]
