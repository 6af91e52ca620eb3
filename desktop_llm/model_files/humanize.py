"""Sizes and counts written the way people read them in messages and the model manager."""

from __future__ import annotations

_SIZE_UNITS = ("KB", "MB", "GB", "TB", "PB")


def human_size(n_bytes: int | float) -> str:
    """Decimal units, as download pages and file managers show them: 98362432 -> '98.4 MB'."""
    value, unit = size_in_units(n_bytes)
    return f"{int(value)} bytes" if unit is None else f"{value:.1f} {unit}"


def size_in_units(n_bytes: int | float) -> tuple[float, str | None]:
    """98362432 -> (98.362432, 'MB'), shown with one decimal; under 1000, (bytes, None)."""
    if n_bytes < 1000:
        return float(int(n_bytes)), None
    value = float(n_bytes)
    for unit in _SIZE_UNITS:
        value /= 1000
        # Compare the rounded value, so 999.96 MB reads "1.0 GB", not "1000.0 MB".
        if round(value, 1) < 1000 or unit == _SIZE_UNITS[-1]:
            return value, unit
    raise AssertionError("unreachable")


def human_parameters(count: int) -> str:
    """How model cards name sizes: 134515008 -> '135M', 7241732096 -> '7.2B', 405e9 -> '405B'."""
    if count >= 99_950_000_000:
        return f"{count / 1e9:.0f}B"
    if count >= 999_500_000:
        return f"{count / 1e9:.1f}B"
    if count >= 999_500:
        return f"{count / 1e6:.0f}M"
    if count >= 1_000:
        return f"{count / 1e3:.0f}K"
    return str(count)


def human_duration(seconds: float) -> str:
    """A time left as a download bar shows it: '4:05', or '1:02:03' past an hour."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
