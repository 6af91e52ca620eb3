"""Whether the engine loads in safe mode on this machine, and why: the user's choice, or a
crash that proved this CPU needs it (remembered with the CPU it was about)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from desktop_llm.engine.machine import cpu_fingerprint
from desktop_llm.engine.types import SafeModeChoice
from desktop_llm.settings import Settings


@dataclass(frozen=True)
class SafeModeStatus:
    on: bool
    choice: SafeModeChoice
    reason: str | None
    # "auto" and not yet on: a crash at the first decode is retried in safe mode.
    retry_on_crash: bool

    def to_dict(self) -> dict[str, object]:
        return {"on": self.on, "setting": self.choice, "reason": self.reason}


def safe_mode_status(settings: Settings) -> SafeModeStatus:
    choice = settings.load.safe_mode
    if choice == "on":
        return SafeModeStatus(True, choice, "turned on in the model settings", False)
    if choice == "off":
        return SafeModeStatus(False, choice, None, False)
    detected = settings.safe_mode_detected
    if detected and detected.get("cpu") == cpu_fingerprint():
        return SafeModeStatus(True, choice, detected.get("reason"), False)
    return SafeModeStatus(False, choice, None, True)


def remember_safe_mode(settings: Settings, reason: str) -> Settings:
    return replace(settings, safe_mode_detected={"cpu": cpu_fingerprint(), "reason": reason})
