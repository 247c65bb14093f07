"""What an uploaded file is, told from its bytes: its size against the limit, its kind (CSV, XLSX
or JSON) and, for text, its encoding. The file's name is only a hint and names it in messages.

Encoding: a byte-order mark decides (UTF-8 or UTF-16); otherwise the whole file is scanned with
a strict incremental UTF-8 decoder in chunks (memory stays flat), and UTF-8 wins whenever it
decodes. A file that is not UTF-8 is checked by charset-normalizer, asked only about the
single-byte encodings registers come in, to refuse bytes that are no text at all; it is then read
as Windows-1252 (the superset of Latin-1's printable characters): ``cp1252`` when every byte is
defined there, else :data:`imports.cp1252.NAME`, which reads the five bytes Windows-1252 leaves
undefined as Latin-1 does and every other byte as Windows-1252 (a whole file read as Latin-1
turned each € and curly quote into a control character). Decoding is strict, so reading never
puts U+FFFD or mojibake into a value.
"""

import codecs
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

import charset_normalizer
from django.conf import settings

from imports import cp1252
from imports.errors import ReadError

CHUNK = 1 << 16
SAMPLE = 1 << 18
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# An XLSX is a zip archive; its unpacked parts may be this many times the size limit.
EXPANSION = 10
# A JSON register is parsed whole; this caps what that may hold in memory.
DEFAULT_MAX_JSON_BYTES = 20 * 1024 * 1024

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel (.xls) or Office file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)
_ZIP = b"PK\x03\x04"
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
SUPPORTED = "CSV (comma, semicolon or tab separated), XLSX or JSON"


@dataclass(frozen=True)
class Sniffed:
    kind: str  # "csv", "xlsx" or "json"
    encoding: str | None  # None for XLSX
    size: int


def max_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_json_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_JSON_BYTES", DEFAULT_MAX_JSON_BYTES)


def _megabytes(size: int) -> str:
    """A size as people read it: whole megabytes, or kilobytes below one megabyte."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.0f} MB"


def sniff(stream: BinaryIO, name: str) -> Sniffed:
    """The file's kind and encoding, or a :class:`ReadError` saying why it cannot be read."""
    size = stream.seek(0, 2)
    stream.seek(0)
    shown = PurePath(name).name or "The file"
    if size == 0:
        raise ReadError(f"{shown} is empty (0 bytes). Upload the register file itself.")
    if size > max_bytes():
        raise ReadError(
            f"{shown} is {_megabytes(size)}; files up to {_megabytes(max_bytes())} can be imported. "
            "Split the register into smaller files."
        )
    head = stream.read(SAMPLE)
    stream.seek(0)
    extension = PurePath(name).suffix.lower().lstrip(".")
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            raise ReadError(f"{shown} is {what}, not a register. Upload {SUPPORTED}.")
    if head.startswith(_ZIP):
        _check_archive(stream, shown)
        return Sniffed("xlsx", None, size)
    if extension in {"xlsx", "xlsm"}:
        raise ReadError(f"{shown} is named .{extension} but is not an Excel workbook (XLSX).")
    encoding = _encoding(stream, head, shown)
    text_head = head[:4096].decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n")
    if text_head.strip() == "":
        raise ReadError(f"{shown} holds no data, only white space.")
    looks_json = text_head[:1] in {"[", "{"}
    if extension == "json" or (looks_json and extension not in {"csv", "tsv", "txt"}):
        if size > max_json_bytes():
            raise ReadError(
                f"{shown} is {_megabytes(size)}; JSON registers are read whole, up to "
                f"{_megabytes(max_json_bytes())}. Export it as CSV, or split it."
            )
        return Sniffed("json", encoding, size)
    return Sniffed("csv", encoding, size)


def _check_archive(stream: BinaryIO, shown: str) -> None:
    """A workbook is a zip archive: refuse a damaged one, and one that expands past
    :data:`EXPANSION` times the size limit (a "zip bomb")."""
    try:
        with zipfile.ZipFile(stream) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ReadError(f"{shown} is a damaged zip archive, not a readable workbook.") from error
    finally:
        stream.seek(0)
    if expanded > EXPANSION * max_bytes():
        raise ReadError(
            f"{shown} expands to {_megabytes(expanded)} when unpacked, more than a register "
            f"workbook holds (up to {_megabytes(EXPANSION * max_bytes())}); it is not imported."
        )


def _encoding(stream: BinaryIO, head: bytes, shown: str) -> str:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    if b"\x00" in head:
        raise ReadError(f"{shown} is not a text file (it holds binary data). Upload {SUPPORTED}.")
    if _is_utf8(stream):
        return "utf-8"
    if charset_normalizer.from_bytes(head, cp_isolation=["cp1252", "latin_1"]).best() is None:
        raise ReadError(
            f"{shown} is not text in a supported encoding (UTF-8, Windows-1252 or Latin-1)."
        )
    return cp1252.NAME if _has_cp1252_undefined(stream) else "cp1252"


def _chunks(stream: BinaryIO):
    stream.seek(0)
    while chunk := stream.read(CHUNK):
        yield chunk
    stream.seek(0)


def _is_utf8(stream: BinaryIO) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        for chunk in _chunks(stream):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        stream.seek(0)
        return False
    return True


def _has_cp1252_undefined(stream: BinaryIO) -> bool:
    found = any(_CP1252_UNDEFINED.intersection(chunk) for chunk in _chunks(stream))
    stream.seek(0)
    return found
