"""Repair of UTF-8 text that was once decoded as Windows-1252 (or Latin-1) and encoded again.

A file valid in its own encoding is decoded strictly, so the reader never makes mojibake itself;
this repairs what a source already holds (the US 2025 inventory has one ``donâ€™t``). Only the
common shapes are repaired, each only when its bytes form valid UTF-8:

- ``Â``/``Ã``/``Ä``/``Å`` and one continuation character: Latin letters (``Ã©`` -> ``é``);
- ``â`` and two continuation characters: punctuation, quotes, dashes, ``€``, ``™``
  (``â€™`` -> ``’``);
- ``ï»¿``: a byte-order mark read as text;
- ``ðŸ`` and two continuation characters: emoji.

Other two-byte leads (``ß“`` in German text, say) are left alone: they are real text far more
often than mojibake. A small, tested subset of what ftfy does, without the dependency.
"""

import contextlib
import re

# Characters that stand for bytes 0x80-0xBF once UTF-8 bytes were decoded as Windows-1252; the
# five bytes Windows-1252 leaves undefined, and a Latin-1 decoding, give C1 control characters.
_BYTE_OF: dict[str, int] = {}
for _byte in range(0x80, 0x100):
    _BYTE_OF.setdefault(bytes([_byte]).decode("latin-1"), _byte)
    with contextlib.suppress(UnicodeDecodeError):
        _BYTE_OF[bytes([_byte]).decode("cp1252")] = _byte
_CONTINUATION = "".join(re.escape(char) for char, byte in _BYTE_OF.items() if 0x80 <= byte <= 0xBF)
_C = f"[{_CONTINUATION}]"
_PATTERN = re.compile(f"[ÂÃÄÅ]{_C}|â{_C}{_C}|ï»¿|ðŸ{_C}{_C}")


def _repair(match: re.Match) -> str:
    text = match.group()
    try:
        return bytes(_BYTE_OF[char] for char in text).decode("utf-8")
    except UnicodeDecodeError:
        return text


def fix_mojibake(text: str) -> tuple[str, int]:
    """The text with the common double-encoded sequences repaired, and how many were."""
    repaired = 0

    def repair(match: re.Match) -> str:
        nonlocal repaired
        fixed = _repair(match)
        repaired += fixed != match.group()
        return fixed

    return _PATTERN.sub(repair, text), repaired


def has_mojibake(text: str) -> bool:
    """Whether the text still holds a sequence :func:`fix_mojibake` would repair."""
    return any(_repair(match) != match.group() for match in _PATTERN.finditer(text))


# U+FFFD stands where an earlier program could not decode a character and gave up: the character
# is lost. In registers it was nearly always a no-break space or an apostrophe (``Insight�s``,
# ``human�review``): a letter, the mark and ``s`` or ``t`` then a word's end is an apostrophe; any
# other run of marks is a space. Nothing stores the mark itself.
_LOST_APOSTROPHE = re.compile(r"(?<=[A-Za-z])\ufffd(?=[st](?:\b|$))")
_LOST = re.compile(r" ?\ufffd+ ?")


def replace_lost(text: str) -> tuple[str, int]:
    """The text with every U+FFFD replaced (an apostrophe or a space), and how many were."""
    count = text.count("\ufffd")
    if not count:
        return text, 0
    text = _LOST_APOSTROPHE.sub("\u2019", text)
    return _LOST.sub(" ", text), count
