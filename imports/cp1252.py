"""Windows-1252 as browsers read it (the WHATWG "windows-1252"): the 27 characters Windows-1252
puts at bytes 0x80-0x9F (€, “ ”, –, ™, ...), and the five bytes it leaves undefined (0x81, 0x8D,
0x8F, 0x90, 0x9D) read as the control characters Latin-1 reads them as. Python's ``cp1252``
refuses those five, and a whole file read as Latin-1 for one of them turned every € and curly
quote into a control character. Registered as the codec :data:`NAME` on import.
"""

import codecs

NAME = "cp1252-lenient"
_DECODING = "".join(
    bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in range(256)
)
_ENCODING = codecs.charmap_build(_DECODING)


def _encode(text, errors="strict"):
    return codecs.charmap_encode(text, errors, _ENCODING)


def _decode(data, errors="strict"):
    return codecs.charmap_decode(data, errors, _DECODING)


class _IncrementalEncoder(codecs.IncrementalEncoder):
    def encode(self, text, final=False):
        return _encode(text, self.errors)[0]


class _IncrementalDecoder(codecs.IncrementalDecoder):
    def decode(self, data, final=False):  # one byte is one character: nothing waits
        return _decode(data, self.errors)[0]


def _search(name: str):
    if name != NAME.replace("-", "_"):
        return None
    return codecs.CodecInfo(
        name=NAME,
        encode=_encode,
        decode=_decode,
        incrementalencoder=_IncrementalEncoder,
        incrementaldecoder=_IncrementalDecoder,
    )


codecs.register(_search)
