"""PNG bytes from an RGBA array: the last step of every explorer and playground redraw."""

import struct
import zlib

import numpy as np
import PIL.Image


def png_bytes(rgba):
    """A (height, width, 4) uint8 RGBA array as PNG bytes (RGB, no filter, fastest zlib level).

    Most of a redraw used to be PIL's PNG encoder (its per-row filtering alone cost twice the
    drawing); without filters zlib level 1 makes files as small, 2 to 3 times faster.
    """
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
        raise ValueError(f"png_bytes: expected a (height, width, 4) uint8 RGBA array, got "
                         f"shape {rgba.shape} of {rgba.dtype}")
    height, width, _ = rgba.shape
    # RGBA to RGB by PIL: about 3 times faster than numpy's copy of 3 bytes out of every 4
    rgb = np.asarray(PIL.Image.fromarray(rgba).convert("RGB")).reshape(height, -1)
    rows = np.empty((height, 1 + 3 * width), np.uint8)
    rows[:, 0] = 0  # each row starts with its filter type: 0, none
    rows[:, 1:] = rgb  # whole rows: a plain copy of memory

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + chunk(b"IEND", b""))
