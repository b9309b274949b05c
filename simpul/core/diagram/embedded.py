"""Diagrams embedded in pictures: ``.drawio.png`` and ``.drawio.svg`` (diagrams.net, VS Code extension).

- a PNG holds the ``<mxfile>`` in a ``tEXt`` (or ``zTXt``/``iTXt``) chunk with the keyword ``mxfile``,
  URL-encoded (``%3Cmxfile...``), the ``zTXt`` kind zlib-deflated too;
- an SVG holds it in the ``content`` attribute of its root ``<svg>`` (older versions: compressed
  like a compressed page, raw deflate + base64).

Examples:
    >>> import struct, zlib
    >>> def chunk(kind, data):
    ...     body = kind + data
    ...     return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    >>> png = PNG_SIGNATURE + chunk(b"tEXt", b"mxfile\\x00%3Cmxfile%3E%3C%2Fmxfile%3E") + chunk(b"IEND", b"")
    >>> png_mxfile(png, source="lan.drawio.png")
    '<mxfile></mxfile>'
    >>> png_mxfile(PNG_SIGNATURE + chunk(b"IEND", b""), source="x.png")
    Traceback (most recent call last):
    ...
    simpul.errors.InputError: the PNG holds no draw.io diagram
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib
from urllib.parse import unquote

from simpul.errors import InputError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_NO_COPY_HINT = (
    "in diagrams.net use File > Export as > PNG/SVG with 'Include a copy of my diagram' ticked "
    "(or save as .drawio.png / .drawio.svg), or give the .drawio file"
)


def is_png(data: bytes) -> bool:
    """
    >>> is_png(PNG_SIGNATURE + b"rest"), is_png(b"<mxfile/>")
    (True, False)
    """
    return data.startswith(PNG_SIGNATURE)


def decode_payload(text: str) -> str:
    """The diagram XML from an embedded payload: URL-encoded XML, or deflate + base64 (+ URL-encoding).

    >>> decode_payload("%3Cmxfile%2F%3E"), decode_payload("<mxfile/>")
    ('<mxfile/>', '<mxfile/>')
    """
    text = text.strip()
    if text.startswith("<"):
        return text
    if text[:3].upper() == "%3C":
        return unquote(text)
    try:
        inflated = zlib.decompress(base64.b64decode(text, validate=False), -15).decode("utf-8")
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError):
        return text  # the XML parser names what is wrong with it
    return unquote(inflated) if inflated[:3].upper() == "%3C" else inflated


def _chunks(data: bytes, source: str) -> list[tuple[bytes, bytes]]:
    out = []
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if len(body) != length:
            raise InputError(
                "the PNG is cut short (a chunk runs past the end of the file)",
                source=source,
                hint="export the picture again from diagrams.net",
            )
        out.append((kind, body))
        pos += 12 + length
        if kind == b"IEND":
            break
    return out


def _chunk_text(kind: bytes, body: bytes) -> tuple[str, str] | None:
    """(keyword, text) of a PNG text chunk, or None for another chunk."""
    keyword, _, rest = body.partition(b"\x00")
    try:
        if kind == b"tEXt":
            return keyword.decode("latin-1"), rest.decode("latin-1")
        if kind == b"zTXt":  # compression method byte, then zlib data
            return keyword.decode("latin-1"), zlib.decompress(rest[1:]).decode("latin-1")
        if kind == b"iTXt":  # flag, method, language\0, translated keyword\0, text
            flag, rest = rest[0], rest[2:]
            _, _, rest = rest.partition(b"\x00")
            _, _, rest = rest.partition(b"\x00")
            return keyword.decode("latin-1"), (zlib.decompress(rest) if flag else rest).decode("utf-8")
    except (zlib.error, UnicodeDecodeError, IndexError):
        return None
    return None


def png_mxfile(data: bytes, *, source: str) -> str:
    """The draw.io XML embedded in a ``.drawio.png``; InputError when the PNG holds none."""
    for kind, body in _chunks(data, source):
        found = _chunk_text(kind, body)
        if found and found[0] == "mxfile":
            return decode_payload(found[1])
    raise InputError("the PNG holds no draw.io diagram", source=source, hint=_NO_COPY_HINT)


def svg_mxfile(content: str | None, *, source: str) -> str:
    """The draw.io XML from an SVG root's ``content`` attribute; InputError when there is none.

    >>> svg_mxfile(None, source="x.svg")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    simpul.errors.InputError: not a draw.io file: an SVG picture without a copy of the diagram ...
    """
    if not content or not content.strip():
        raise InputError(
            "not a draw.io file: an SVG picture without a copy of the diagram "
            "(no 'content' attribute on <svg>)",
            source=source,
            line=1,
            hint=_NO_COPY_HINT,
        )
    return decode_payload(content)
