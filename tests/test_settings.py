"""Settings updates from several threads at once: each is one operation, none is lost."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from desktop_llm.chat.service import ChatService
from desktop_llm.paths import AppPaths
from desktop_llm.settings import Settings, load_settings, save_settings


def test_concurrent_updates_of_different_fields_all_land(paths: AppPaths) -> None:
    with ChatService.open(paths) as service:
        start = threading.Barrier(3)

        def repeat(change: object) -> None:
            start.wait()
            for _ in range(50):
                service.update_settings(change)  # type: ignore[arg-type]

        workers = [
            threading.Thread(target=repeat, args=(lambda s: s.with_default_model("model-a"),)),
            threading.Thread(
                target=repeat, args=(lambda s: replace(s, hub_endpoint="http://mirror.test"),)
            ),
            threading.Thread(
                target=repeat,
                args=(lambda s: replace(s, load=replace(s.load, n_ctx=s.load.n_ctx + 1)),),
            ),
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        expected_ctx = Settings().load.n_ctx + 50
        assert service.settings.default_model == "model-a"
        assert service.settings.hub_endpoint == "http://mirror.test"
        assert service.settings.load.n_ctx == expected_ctx  # no increment undone by another
    saved = load_settings(paths.settings_file)
    assert (saved.default_model, saved.hub_endpoint, saved.load.n_ctx) == (
        "model-a", "http://mirror.test", expected_ctx
    )
    assert not list(paths.settings_file.parent.glob("*.tmp"))


def test_writers_never_share_a_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            for _ in range(30):
                save_settings(Settings(default_model=f"model-{index}"), target)
        except BaseException as error:  # a shared temporary file fails with FileNotFoundError
            errors.append(error)

    threads = [threading.Thread(target=write, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert load_settings(target).default_model in {f"model-{i}" for i in range(4)}
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]
