"""Product images with Pillow: checking uploads, making thumbnails, drawing demo placeholders.

Uploads are opened and verified by Pillow, not trusted by name or first bytes:
the format must be JPEG, PNG or WebP, the real dimensions within limits, and
Pillow's decompression-bomb guard is an error, not a warning. Each stored
image gets WebP thumbnails beside it (``<name>.<width>w.webp``) in the widths
the pages ask for through ``srcset``.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MIN_SIDE = 100
MAX_SIDE = 6000
MAX_PIXELS = 25_000_000  # beyond this Pillow's bomb guard triggers too
THUMBNAIL_WIDTHS = (400, 800)  # product cards and the detail page (1x and 2x)
ASPECT = (4, 3)
_FORMATS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp"}


class ImageRefused(ValueError):
    """The upload is not an image we accept; the message says why, for the person uploading."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ImageInfo:
    kind: str
    width: int
    height: int


def image_inspect(upload) -> ImageInfo:
    """Open *upload* with Pillow and check it; leave the file at its start. Raise ImageRefused."""
    from PIL import Image, UnidentifiedImageError  # lazy: Pillow is paid for by the first image, not every cold start

    if upload.size > MAX_IMAGE_BYTES:
        raise ImageRefused("The image must be at most 5 MB.", "too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                kind = _FORMATS.get(image.format or "")
                width, height = image.size
                if kind is None:
                    raise ImageRefused("Upload a JPEG, PNG or WebP image; this file is not one.", "not_an_image")
                if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                    raise ImageRefused(f"The image may be at most {MAX_SIDE} pixels on its longer side.", "too_big")
                image.verify()
    except ImageRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, SyntaxError, ValueError):
        raise ImageRefused("Upload a JPEG, PNG or WebP image; this file is not one.", "not_an_image") from None
    finally:
        upload.seek(0)
    if min(width, height) < MIN_SIDE:
        raise ImageRefused(f"The image must be at least {MIN_SIDE} pixels on each side.", "too_small")
    return ImageInfo(kind=kind, width=width, height=height)


def thumbnail_path(path: str, width: int) -> str:
    """Where the *width*-pixel thumbnail of the stored image *path* lives."""
    stored = PurePosixPath(path)
    return str(stored.with_name(f"{stored.stem}.{width}w.webp"))


def thumbnails_make(data: bytes) -> dict[int, bytes]:
    """Return WebP thumbnails of *data*, cropped to 4:3, one per width in THUMBNAIL_WIDTHS."""
    from PIL import Image, ImageOps  # lazy: as above

    thumbnails = {}
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        for width in THUMBNAIL_WIDTHS:
            size = (width, width * ASPECT[1] // ASPECT[0])
            out = io.BytesIO()
            ImageOps.fit(image, size, Image.Resampling.LANCZOS).save(out, "WEBP", quality=82, method=4)
            thumbnails[width] = out.getvalue()
    return thumbnails


def placeholder_png(*, width: int, height: int, colour: tuple[int, int, int], seed: int) -> bytes:
    """Return a PNG: a soft diagonal gradient in *colour* with a lighter disc, varied by *seed*."""
    from PIL import Image, ImageDraw, ImageOps  # lazy: as above

    dark = tuple(int(c * 0.75) for c in colour)
    light = tuple(min(255, int(c * 1.15)) for c in colour)
    gradient = Image.linear_gradient("L").rotate(45, expand=True).resize((width, height))
    image = ImageOps.colorize(gradient, black=dark, white=colour)
    cx, cy = width * (0.3 + (seed % 5) * 0.1), height * (0.35 + (seed % 3) * 0.1)
    radius = min(width, height) * (0.18 + (seed % 4) * 0.04)
    ImageDraw.Draw(image).ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=light)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
