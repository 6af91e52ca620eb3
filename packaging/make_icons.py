"""Render the application icon from its SVG: the PNG sizes, a Windows .ico and a macOS .icns.

    .venv/bin/python packaging/make_icons.py

The outputs are committed (the build needs no extra step): the PNGs the app loads at run time
go to ``desktop_llm/resources/icons/``, the platform files beside the SVG in
``resources/icons/``. Qt draws the SVG (QtSvg) and encodes each size as PNG; the .ico and
.icns containers hold those PNGs (both formats allow it: Windows Vista and later, macOS 10.7
and later), written here because Qt's ico and icns writers store one image per file. Each
container is read back through Qt's own ico/icns readers before the script ends.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageReader, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "icons" / "desktop-llm.svg"
RUNTIME_DIR = ROOT / "desktop_llm" / "resources" / "icons"
PLATFORM_DIR = ROOT / "resources" / "icons"
NAME = "desktop-llm"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# The icns element types that hold PNG data, by pixel size (the @2x types reuse a size).
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
    (b"ic09", 512), (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256),
    (b"ic14", 512),
)


def render(renderer: QSvgRenderer, size: int) -> bytes:
    """The icon drawn at ``size`` pixels square, as PNG bytes."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit(f"Qt could not encode the {size} px icon as PNG.")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """ICONDIR, one ICONDIRENTRY per size, then the PNG images."""
    header = struct.pack("<HHH", 0, 1, len(ICO_SIZES))
    offset = len(header) + 16 * len(ICO_SIZES)
    entries, images = b"", b""
    for size in ICO_SIZES:
        png = pngs[size]
        side = size if size < 256 else 0  # 0 means 256 in the directory
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        images += png
        offset += len(png)
    return header + entries + images


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def check_readable(path: Path, expected_images: int) -> None:
    reader = QImageReader(str(path))
    count = reader.imageCount()
    image = reader.read()
    if image.isNull() or count < expected_images:
        raise SystemExit(
            f"Qt reads {path.name} back as {count} image(s) ({reader.errorString()}); "
            f"{expected_images} were written."
        )


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"{SOURCE} is not an SVG Qt can draw.")
    pngs = {size: render(renderer, size) for size in PNG_SIZES}
    RUNTIME_DIR.mkdir(parents=True, exist_ok=True)
    for size, png in pngs.items():
        (RUNTIME_DIR / f"{NAME}-{size}.png").write_bytes(png)
    ico = PLATFORM_DIR / f"{NAME}.ico"
    ico.write_bytes(ico_bytes(pngs))
    icns = PLATFORM_DIR / f"{NAME}.icns"
    icns.write_bytes(icns_bytes(pngs))
    check_readable(ico, len(ICO_SIZES))
    check_readable(icns, 1)
    print(f"{len(pngs)} PNGs in {RUNTIME_DIR.relative_to(ROOT)}, "
          f"{ico.relative_to(ROOT)} and {icns.relative_to(ROOT)}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
