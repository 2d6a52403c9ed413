"""HTTP/1.1 as http.server.BaseHTTPRequestHandler speaks it, on bytes:
reading a request head from a buffer (the same limits, errors and header
values as http.client.parse_headers), and the constants of its responses.
The connection state machine that uses them is conn.py."""
import email.parser
import email.utils
import http.client
import http.server
import re
import time

MAX_BODY = 3 * 1024 * 1024
HANDSHAKE_TIMEOUT = 10.0
_MAXLINE = http.client._MAXLINE          # http.server's limits
_MAXHEADERS = http.client._MAXHEADERS
RESPONSES = http.server.BaseHTTPRequestHandler.responses
ERROR_PAGE = http.server.DEFAULT_ERROR_MESSAGE
ERROR_CTYPE = http.server.DEFAULT_ERROR_CONTENT_TYPE
PROTOCOL = "HTTP/1.1"
SERVER = "berth-apiserver "    # http.server's version_string(): server and sys version
METHODS = frozenset(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"))
# A header line the email parser reads as plain "name: value" (its
# headerRE name characters; no continuation; no bare CR, which it splits on).
_SIMPLE_HEADER = re.compile(rb"[\x21-\x39\x3b-\x7e]+:[^\r\n]*\r?\n")
_SIMPLE_BLOCK = re.compile(rb"(?:[\x21-\x39\x3b-\x7e]+:[^\r\n]*\r\n)+")


class NeedMore(Exception):
    """The buffer does not hold the whole thing yet."""


class TooLarge(Exception):
    pass


class Reader:
    """readline(limit) and read(n) of a buffered socket file, over the bytes
    received so far: NeedMore when they are not there yet (unless at EOF,
    where a file returns what it has)."""

    def __init__(self, buf, eof):
        self.buf, self.pos, self.eof = buf, 0, eof

    def readline(self, limit):
        buf, pos = self.buf, self.pos
        end = buf.find(b"\n", pos, pos + limit)
        if end >= 0:
            end += 1
        elif len(buf) - pos >= limit:
            end = pos + limit
        elif self.eof:
            end = len(buf)
        else:
            raise NeedMore
        self.pos = end
        return bytes(buf[pos:end])

    def read(self, n):
        buf, pos = self.buf, self.pos
        if len(buf) - pos < n and not self.eof:
            raise NeedMore
        end = min(pos + n, len(buf))
        self.pos = end
        return bytes(buf[pos:end])


class Headers:
    """The part of http.client.HTTPMessage's interface used here, for
    requests whose header lines are all simple (the email parser costs more
    than the rest of a typical request)."""

    __slots__ = ("_items", "_first")

    def __init__(self, items):
        self._items = items
        first = {}
        for k, v in items:
            first.setdefault(k.lower(), v)
        self._first = first

    def get(self, name, failobj=None):
        return self._first.get(name.lower(), failobj)

    def items(self):
        return list(self._items)


def read_headers(r):
    """http.client.parse_headers on a Reader: the same limits, errors and
    values; the email parser only when a line is not simple."""
    buf, pos = r.buf, r.pos
    if buf.startswith(b"\r\n", pos):
        r.pos = pos + 2
        return Headers([])
    end = buf.find(b"\r\n\r\n", pos, pos + _MAXLINE)
    if end >= 0:
        # The usual case at once: CRLF lines, all simple, within the limits.
        block = bytes(buf[pos:end + 2])
        if block.count(b"\n") < _MAXHEADERS and _SIMPLE_BLOCK.fullmatch(block):
            r.pos = end + 4
            items = []
            for line in block[:-2].decode("iso-8859-1").split("\r\n"):
                name, _, value = line.partition(":")
                items.append((name, value.lstrip(" \t")))
            return Headers(items)
    lines = []
    simple = True
    match = _SIMPLE_HEADER.fullmatch
    while True:
        line = r.readline(_MAXLINE + 1)
        if len(line) > _MAXLINE:
            raise http.client.LineTooLong("header line")
        lines.append(line)
        if len(lines) > _MAXHEADERS:
            raise http.client.HTTPException("got more than %d headers" % _MAXHEADERS)
        if line in (b"\r\n", b"\n", b""):
            break
        if simple and not match(line):
            simple = False
    if not simple:
        return email.parser.Parser(_class=http.client.HTTPMessage).parsestr(
            b"".join(lines).decode("iso-8859-1"))
    items = []
    for line in lines[:-1]:
        name, _, value = line.decode("iso-8859-1").partition(":")
        items.append((name, value.lstrip(" \t").rstrip("\r\n")))
    return Headers(items)


_date = [0, ""]


def http_date():
    now = int(time.time())
    if _date[0] != now:
        _date[1] = email.utils.formatdate(now, usegmt=True)
        _date[0] = now
    return _date[1]


