"""Checking uploaded product images by their content, and making placeholder PNGs."""
import struct
import zlib

MAX_IMAGE_BYTES = 5 * 1024 * 1024


def image_type(head: bytes) -> str | None:
    """Return 'jpeg', 'png' or 'webp' from a file's first bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP" and head[12:15] == b"VP8":
        return "webp"
    return None


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def placeholder_png(*, width: int, height: int, colour: tuple[int, int, int], seed: int) -> bytes:
    """Return a PNG: a soft diagonal gradient in *colour* with a lighter disc, varied by *seed*."""
    r, g, b = colour
    cx, cy = width * (0.3 + (seed % 5) * 0.1), height * (0.35 + (seed % 3) * 0.1)
    radius2 = (min(width, height) * (0.18 + (seed % 4) * 0.04)) ** 2
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        dy2 = (y - cy) ** 2
        for x in range(width):
            shade = 0.75 + 0.25 * (x + y) / (width + height)
            if (x - cx) ** 2 + dy2 < radius2:
                shade = 1.15
            row += bytes((min(255, int(r * shade)), min(255, int(g * shade)), min(255, int(b * shade))))
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + _chunk(b"IEND", b"")
