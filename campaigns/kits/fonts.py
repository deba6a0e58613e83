"""The one font family of kits: DejaVu Sans (Debian's fonts-dejavu-core), for ą ę ł ż å ä ö ß.

`make` installs fonts-dejavu-core as root. Without it the flyer falls back to Helvetica (whose
standard encoding has no Polish letters) and the banner to Pillow's built-in font, with a
warning logged once per process.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger(__name__)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"


@lru_cache(maxsize=1)
def dejavu_available() -> bool:
    if REGULAR.is_file() and BOLD.is_file():
        return True
    log.warning("kit fonts: %s not found; install fonts-dejavu-core for Polish and Swedish letters", REGULAR)
    return False


@lru_cache(maxsize=16)
def banner_font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if dejavu_available():
        return ImageFont.truetype(str(BOLD if bold else REGULAR), size)
    return ImageFont.load_default(size)
