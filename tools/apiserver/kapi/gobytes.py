"""[]byte fields as the real server decodes them from JSON: Go's
encoding/json reads a string with base64.StdEncoding (RFC 4648 section 4,
padding required, '\\r' and '\\n' skipped anywhere, non-zero trailing bits
accepted), and a bad one fails the whole request with Go's
"illegal base64 data at input byte N". Answers carry the canonical
encoding of the decoded bytes, as the server re-encodes them."""
import base64
import binascii

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_VALUE = {c: i for i, c in enumerate(_ALPHABET)}
_NL = (ord("\r"), ord("\n"))


class CorruptInput(ValueError):
    """Go's base64.CorruptInputError: offset is the byte Go reports."""

    def __init__(self, offset):
        super().__init__(f"illegal base64 data at input byte {offset}")
        self.offset = offset


def _quantum(src, si, out):
    """One step of Go's decodeQuantum; returns (next index, done)."""
    dbuf = [0, 0, 0, 0]
    dlen = 4
    j = 0
    while j < 4:
        if si == len(src):
            if j == 0:
                return si, True
            raise CorruptInput(si - j)   # padding is required
        c = src[si]
        si += 1
        if c in _VALUE:
            dbuf[j] = _VALUE[c]
            j += 1
            continue
        if c in _NL:
            continue
        if c != ord("="):
            raise CorruptInput(si - 1)
        if j < 2:
            raise CorruptInput(si - 1)
        if j == 2:   # "==" is expected: the second one, after any newlines
            while si < len(src) and src[si] in _NL:
                si += 1
            if si == len(src):
                raise CorruptInput(len(src))
            if src[si] != ord("="):
                raise CorruptInput(si - 1)
            si += 1
        while si < len(src) and src[si] in _NL:
            si += 1
        if si < len(src):
            raise CorruptInput(si)   # trailing garbage after the padding
        dlen = j
        break
    val = dbuf[0] << 18 | dbuf[1] << 12 | dbuf[2] << 6 | dbuf[3]
    out += val.to_bytes(3, "big")[:dlen - 1]
    return si, dlen < 4


def decode(s):
    """The bytes of a JSON string decoded as Go decodes a []byte field;
    raises CorruptInput."""
    src = s.encode("utf-8")
    try:
        raw = base64.b64decode(src, validate=True)
        if base64.b64encode(raw) == src:
            return raw   # canonical input: Go reads it the same way
    except binascii.Error:
        pass
    out = bytearray()
    si, done = 0, False
    while not done:
        si, done = _quantum(src, si, out)
    return bytes(out)


def encode(b):
    return base64.b64encode(b).decode("ascii")
