"""One HTTP/1.1 client connection, served by the loop (loop.py).

Requests that may wait run elsewhere: a GET of a resourceVersion the store
has not reached yet (api.wait_for waits up to 3 s) in a thread of its own;
the injected latency (/_admin/latency) is a timer. Everything else runs to
completion on the loop thread.

The protocol handling follows http.server.BaseHTTPRequestHandler, so that
clients see the same bytes: request line and header parsing with its
limits and error pages (414, 431, 400, 505, 501), HTTP/0.9 and 1.0,
Connection: close/keep-alive, Expect: 100-continue, and the headers of
every response (Server, Date).
"""
import html
import http
import http.client
import json
import selectors
import socket
import ssl
import threading
import time
import traceback
import urllib.parse

from . import errors, jsonutil
from .api import Request
from .http1 import (ERROR_CTYPE, ERROR_PAGE, HANDSHAKE_TIMEOUT, MAX_BODY, METHODS, PROTOCOL,
                    RESPONSES, SERVER, NeedMore, Reader, TooLarge, http_date, read_headers)

_WANT = (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError, InterruptedError)


class Conn:
    """One client connection. States: "hs" (TLS handshake), "idle"
    (reading a request), "body" (its body), "busy" (a request waiting for
    a timer or a thread), "stream" (a watch response), "closed"."""

    def __init__(self, listener, sock, addr):
        self.front = listener.front
        self.loop = self.front.loop
        self.authenticate = listener.authenticate
        self.client_address = addr
        self.inbuf = bytearray()
        self.eof = False
        self.out = []             # queued output (joined into one write)
        self.pending = None       # a write the socket did not take yet
        self.mask = 0
        self.closing = False      # close once the output is written
        self.state = "idle"
        self.head = None
        self.stream = None
        self._stimer = None
        self._stream_log = None
        self.close_connection = True
        self.request_version = "HTTP/0.9"
        self.command = None
        self.path = None
        self.timer = None
        self.tls = listener.tls_ctx is not None
        if self.tls:
            sock = listener.tls_ctx.wrap_socket(sock, server_side=True,
                                                do_handshake_on_connect=False)
            self.state = "hs"
            self.timer = self.loop.call_at(time.monotonic() + HANDSHAKE_TIMEOUT, self.close)
        self.sock = sock
        self._set_mask(selectors.EVENT_READ)
        self.front.track(self, True)
        if self.state == "hs":
            self._handshake()

    # --- socket plumbing ---

    def _set_mask(self, mask):
        if mask == self.mask or self.state == "closed":
            return
        if self.mask == 0:
            self.loop.sel.register(self.sock, mask, self._on_event)
        elif mask == 0:
            self.loop.sel.unregister(self.sock)
        else:
            self.loop.sel.modify(self.sock, mask, self._on_event)
        self.mask = mask

    def _want(self, read=None, write=None):
        mask = self.mask
        if read is not None:
            mask = (mask | selectors.EVENT_READ) if read else (mask & ~selectors.EVENT_READ)
        if write is not None:
            mask = (mask | selectors.EVENT_WRITE) if write else (mask & ~selectors.EVENT_WRITE)
        self._set_mask(mask)

    def shutdown_from_thread(self):
        """Cuts the TCP connection (any thread); the loop then closes it."""
        try:
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
        except (OSError, ValueError):
            pass

    def close(self):
        if self.state == "closed":
            return
        if self.stream is not None:
            self._end_stream()
        self.state = "closed"
        if self.timer is not None:
            self.timer[3] = False
        try:
            self.loop.sel.unregister(self.sock)
        except (KeyError, ValueError):
            pass
        self.mask = 0
        try:
            self.sock.close()
        except OSError:
            pass
        self.front.track(self, False)

    def _cut(self):
        """Ends the connection mid-response (what a dropped watch sees)."""
        self._flush()
        self.shutdown_from_thread()
        self.close()

    def _on_event(self, mask):
        if self.state == "closed":
            return
        if self.state == "hs":
            self._handshake()
            return
        if self.pending is not None or self.out:
            self._flush()
        if mask & selectors.EVENT_READ and self.state != "closed":
            self._read()

    def _handshake(self):
        try:
            self.sock.do_handshake()
        except ssl.SSLWantReadError:
            self._set_mask(selectors.EVENT_READ)
            return
        except ssl.SSLWantWriteError:
            self._set_mask(selectors.EVENT_WRITE)
            return
        except (OSError, ValueError):
            self.close()
            return
        self.timer[3] = False
        self.timer = None
        self.state = "idle"
        self._set_mask(selectors.EVENT_READ)
        self._read()

    def _read(self):
        got = False
        for _ in range(64):
            try:
                data = self.sock.recv(262144)
            except _WANT:
                break
            except (OSError, ValueError):
                data = b""
            if not data:
                self.eof = True
                break
            self.inbuf += data
            got = True
            if len(data) < 262144 and not (self.tls and self.sock.pending()):
                # Most likely all there is: epoll tells if more comes
                # (level-triggered), without a read that fails EAGAIN.
                break
        if self.state == "stream":
            if got or self.eof:
                # A watching client sends nothing: it hung up.
                self._end_stream()
                self.close_connection = True
                self._cut()
            return
        if self.eof:
            self._want(read=False)
        if self.state == "busy":
            if len(self.inbuf) > MAX_BODY:
                self._want(read=False)  # pipelined too much: read again when done
            return
        if got or self.eof:
            self._process()

    def write(self, data):
        """Queues data; written at the end of the loop iteration."""
        if self.state == "closed" or not data:
            return
        self.out.append(data)
        if self.pending is None and len(self.out) == 1:
            self.loop.flush_later(self)

    def flush(self):
        if self.pending is None:
            self._flush()

    def _flush(self):
        while self.state != "closed":
            if self.pending is None:
                if not self.out:
                    break
                self.pending = self.out[0] if len(self.out) == 1 else b"".join(self.out)
                self.out = []
            try:
                n = self.sock.send(self.pending)
            except ssl.SSLWantReadError:
                self._want(read=True)
                return
            except _WANT:
                self._want(write=True)
                return
            except (OSError, ValueError):
                self.close()
                return
            if n >= len(self.pending):
                self.pending = None
            else:
                self.pending = self.pending[n:]
        if self.mask & selectors.EVENT_WRITE:
            self._want(write=False)
        if self.closing and self.pending is None and not self.out:
            self.close()

    # --- requests ---

    def _process(self):
        """Serves the requests in the buffer, one at a time, as http.server's
        handle() loop: until the connection is to be closed."""
        while self.state in ("idle", "body") and not self.closing:
            if self.state == "idle":
                if not self.inbuf and not self.eof:
                    return
                try:
                    self._request_head()
                except NeedMore:
                    return
            else:
                try:
                    self._request_body()
                except NeedMore:
                    if self.eof:
                        self.close()
                    return
            if self.state == "idle" and self.close_connection:
                self.closing = True
                self._flush()

    def _request_head(self):
        """handle_one_request up to the method's call."""
        r = Reader(self.inbuf, self.eof)
        raw = r.readline(65537)
        if len(raw) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(http.HTTPStatus.REQUEST_URI_TOO_LONG)
            return
        if not raw:
            self.close_connection = True
            self.closing = True
            self._flush()
            return
        ok = self._parse_request(raw, r)
        del self.inbuf[:r.pos]
        if not ok:
            return
        if self.command not in METHODS:
            self.send_error(http.HTTPStatus.NOT_IMPLEMENTED,
                            "Unsupported method (%r)" % self.command)
            return
        try:
            url = urllib.parse.urlsplit(self.path)
        except Exception:
            # http.server: the exception ends the connection, no answer.
            self.close()
            return
        self.head = (url, time.monotonic())
        self.state = "body"

    def _parse_request(self, raw, r):
        """BaseHTTPRequestHandler.parse_request; False when it answered."""
        self.command = None
        self.request_version = version = "HTTP/0.9"
        self.close_connection = True
        requestline = str(raw, "iso-8859-1").rstrip("\r\n")
        self.requestline = requestline
        words = requestline.split()
        if len(words) == 0:
            return False
        if len(words) >= 3:
            version = words[-1]
            try:
                if not version.startswith("HTTP/"):
                    raise ValueError
                base_version_number = version.split("/", 1)[1]
                version_number = base_version_number.split(".")
                if len(version_number) != 2:
                    raise ValueError
                version_number = int(version_number[0]), int(version_number[1])
            except (ValueError, IndexError):
                self.send_error(http.HTTPStatus.BAD_REQUEST,
                                "Bad request version (%r)" % version)
                return False
            if version_number >= (1, 1):
                self.close_connection = False
            if version_number >= (2, 0):
                self.send_error(http.HTTPStatus.HTTP_VERSION_NOT_SUPPORTED,
                                "Invalid HTTP version (%s)" % base_version_number)
                return False
            self.request_version = version
        if not 2 <= len(words) <= 3:
            self.send_error(http.HTTPStatus.BAD_REQUEST,
                            "Bad request syntax (%r)" % requestline)
            return False
        command, path = words[:2]
        if len(words) == 2:
            self.close_connection = True
            if command != "GET":
                self.send_error(http.HTTPStatus.BAD_REQUEST,
                                "Bad HTTP/0.9 request type (%r)" % command)
                return False
        self.command, self.path = command, path
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")  # gh-87389, as http.server
        try:
            self.headers = read_headers(r)
        except http.client.LineTooLong as err:
            self.send_error(http.HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long",
                            str(err))
            return False
        except http.client.HTTPException as err:
            self.send_error(http.HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                            "Too many headers", str(err))
            return False
        conntype = self.headers.get("Connection", "").lower()
        if conntype == "close":
            self.close_connection = True
        elif conntype == "keep-alive":
            self.close_connection = False
        if self.headers.get("Expect", "").lower() == "100-continue" and \
                self.request_version >= "HTTP/1.1":
            buf = []
            self._status_line(buf, 100)
            buf.append(b"\r\n")
            self.write(b"".join(buf))
        return True

    def _read_body(self, r):
        """The request body, at most MAX_BODY bytes (the real server's
        default --max-request-bytes is 3 MiB)."""
        try:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                out = b""
                while True:
                    size = int(r.readline(64).split(b";")[0].strip() or b"0", 16)
                    if size < 0 or len(out) + size > MAX_BODY:
                        raise TooLarge
                    if size == 0:
                        r.readline(64)
                        return out
                    out += r.read(size)
                    r.readline(64)
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise errors.bad_request("malformed request body framing") from None
        if n > MAX_BODY:
            raise TooLarge
        return r.read(n) if n > 0 else b""

    def _request_body(self):
        r = Reader(self.inbuf, self.eof)
        err = None
        body = b""
        try:
            body = self._read_body(r)
        except TooLarge:
            self.close_connection = True
            err = errors.ApiError(413, "RequestEntityTooLarge",
                                  "Request entity too large: limit is 3145728", {})
        except errors.ApiError as e:
            err = e
        del self.inbuf[:r.pos]
        url, started = self.head
        self.head = None
        self.state = "busy"
        self._handle(url, started, body, err)

    def _handle(self, url, started, body, err):
        front = self.front
        code = 0
        later = False
        try:
            if err is not None:
                raise err
            path = urllib.parse.unquote(url.path)
            user = self.authenticate(self.headers.get("Authorization"), path)
            if user is None:
                raise errors.unauthorized()
            req = Request.from_parts(self.command, path, url.query,
                                     dict(self.headers.items()), body, user)
            if path.startswith("/_admin/"):
                code, obj = front.admin(req)
                code = self._send(code, _json(obj), "application/json", [])
                return
            delay = front.api.faults.latency_ms
            if delay:
                later = True
                when = time.monotonic() + delay / 1000.0
                self.loop.call_at(when, lambda: self._call_api(req, started))
                return
            if _may_wait(front.api, req):
                later = True
                self._call_api(req, started)
                return
            code = self._respond(front.api.handle(req))
        except errors.ApiError as e:
            code = self._send(e.code, e.body(), "application/json", list(e.headers.items()))
        except Exception as e:  # a bug: answer 500 like the real server's panic recovery
            front.log("internal error: " + traceback.format_exc())
            code = self._send(500, errors.internal(repr(e)).body(), "application/json", [])
        finally:
            if not later:
                self._done(started, code)

    def _call_api(self, req, started):
        """api.handle for a request that waited or may wait: in a thread
        when it may block, the answer back on the loop."""
        api = self.front.api

        def run():
            try:
                resp, exc = api.handle(req), None
            except Exception as e:
                resp, exc = None, (e, traceback.format_exc())
            self.loop.call_soon(lambda: self._complete(started, resp, exc))
        if _may_wait(api, req):
            threading.Thread(target=run, daemon=True, name="api-wait").start()
        else:
            run()

    def _complete(self, started, resp, exc):
        code = 0
        try:
            if exc is not None:
                self.front.log("internal error: " + exc[1])
                code = self._send(500, errors.internal(repr(exc[0])).body(),
                                  "application/json", [])
            else:
                code = self._respond(resp)
        finally:
            self._done(started, code)
        if self.state == "idle":
            if self.close_connection:
                self.closing = True
                self._flush()
            else:
                self._want(read=not self.eof)
                self._process()

    def _done(self, started, code):
        line = (self.command, self.path, code, started)
        if self.state == "stream":
            self._stream_log = line   # logged when the watch ends, as before
        else:
            self._log(line)
        if self.state == "busy":
            self.state = "idle"

    def _log(self, line):
        command, path, code, started = line
        self.front.log(f"{self.client_address[0]} {command} {path} {code} "
                       f"{(time.monotonic() - started) * 1000:.1f}ms")

    def _respond(self, resp):
        if resp.stream is not None:
            if self.state == "closed":   # the client left while it waited
                resp.stream.close()
            else:
                self._start_stream(resp)
            return 200
        return self._send(resp.code, resp.body, resp.content_type, resp.headers)

    # --- responses (BaseHTTPRequestHandler's send_response & co) ---

    def _status_line(self, buf, code, message=None):
        if self.request_version != "HTTP/0.9":
            if message is None:
                message = RESPONSES[code][0] if code in RESPONSES else ""
            buf.append(("%s %d %s\r\n" % (PROTOCOL, code, message)).encode("latin-1", "strict"))

    def _header(self, buf, keyword, value):
        if self.request_version != "HTTP/0.9":
            buf.append(("%s: %s\r\n" % (keyword, value)).encode("latin-1", "strict"))
        if keyword.lower() == "connection":
            if value.lower() == "close":
                self.close_connection = True
            elif value.lower() == "keep-alive":
                self.close_connection = False

    def _response_head(self, code, ctype, message=None):
        buf = []
        self._status_line(buf, code, message)
        self._header(buf, "Server", SERVER)
        self._header(buf, "Date", http_date())
        if ctype is not None:
            self._header(buf, "Content-Type", ctype)
            self._header(buf, "Cache-Control", "no-cache, private")
            self._header(buf, "Audit-Id", self.front.next_audit_id())
        return buf

    def _end_head(self, buf):
        if self.request_version != "HTTP/0.9":
            buf.append(b"\r\n")

    def _send(self, code, body, ctype, headers):
        if self.request_version == "HTTP/1.1":
            # The bytes of _response_head & co, made at once.
            extra = ""
            for k, v in headers:
                extra += "%s: %s\r\n" % (k, v)
                if k.lower() == "connection":
                    self._header([], k, v)
            head = ("%s %d %s\r\nServer: %s\r\nDate: %s\r\nContent-Type: %s\r\n"
                    "Cache-Control: no-cache, private\r\nAudit-Id: %s\r\n%s"
                    "Content-Length: %d\r\n\r\n" % (
                        PROTOCOL, code, RESPONSES[code][0] if code in RESPONSES else "",
                        SERVER, http_date(), ctype, self.front.next_audit_id(), extra,
                        len(body))).encode("latin-1", "strict")
            self.write(head + body if self.command != "HEAD" else head)
            return code
        buf = self._response_head(code, ctype)
        for k, v in headers:
            self._header(buf, k, v)
        self._header(buf, "Content-Length", str(len(body)))
        self._end_head(buf)
        if self.command != "HEAD":
            buf.append(body)
        self.write(b"".join(buf))   # head and body in one write: one TLS record
        return code

    def send_error(self, code, message=None, explain=None):
        """BaseHTTPRequestHandler.send_error; the connection closes after."""
        try:
            shortmsg, longmsg = RESPONSES[code]
        except KeyError:
            shortmsg, longmsg = "???", "???"
        if message is None:
            message = shortmsg
        if explain is None:
            explain = longmsg
        buf = self._response_head(code, None, message)
        self._header(buf, "Connection", "close")
        body = None
        if code >= 200 and code not in (http.HTTPStatus.NO_CONTENT, http.HTTPStatus.RESET_CONTENT,
                                        http.HTTPStatus.NOT_MODIFIED):
            content = ERROR_PAGE % {"code": code, "message": html.escape(message, quote=False),
                                     "explain": html.escape(explain, quote=False)}
            body = content.encode("UTF-8", "replace")
            self._header(buf, "Content-Type", ERROR_CTYPE)
            self._header(buf, "Content-Length", str(len(body)))
        self._end_head(buf)
        if self.command != "HEAD" and body:
            buf.append(body)
        self.write(b"".join(buf))
        self.closing = True
        self._flush()

    # --- watch streams ---

    def _start_stream(self, resp):
        stream = self.stream = resp.stream
        self.state = "stream"
        buf = self._response_head(200, resp.content_type)
        self._header(buf, "Transfer-Encoding", "chunked")
        self._end_head(buf)
        self.write(b"".join(buf))
        stream.w.on_wake = lambda: self.loop.mark_dirty(self)
        for batch in stream.opening():
            self._chunks(batch)
        self._want(read=True)   # a hang-up ends the stream
        self.pump()

    def _chunks(self, lines):
        # One chunk per event, as the real server flushes them; all the
        # events found at once go out in one write.
        self.write(b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in lines))

    def pump(self):
        """Writes what the watch has now; ends the response when it is over."""
        if self.state != "stream":
            return
        lines, end = self.stream.poll()
        if lines:
            self._chunks(lines)
        if end == "abort":
            self._end_stream()
            self.close_connection = True
            self._cut()
        elif end:
            self._end_stream()
            self.write(b"0\r\n\r\n")
            self.state = "idle"
            if self.close_connection:
                self.closing = True
                self._flush()
            else:
                # Pipelined requests next; not from here: pump() may run
                # inside the request that started the watch.
                self.loop.call_soon(self._process)
        else:
            wake = self.stream.next_wake()
            t = self._stimer
            if t is None or t[0] != wake or not t[3]:
                if t is not None:
                    t[3] = False
                self._stimer = self.loop.call_at(wake, self.pump)

    def _end_stream(self):
        if self._stream_log is not None:
            line, self._stream_log = self._stream_log, None
            self._log(line)
        stream, self.stream = self.stream, None
        if self._stimer is not None:
            self._stimer[3] = False
            self._stimer = None
        if stream is not None:
            stream.w.on_wake = None
            stream.close()


def _may_wait(api, req):
    """Whether api.handle may block: a read of a resourceVersion newer than
    the store's (api.wait_for)."""
    if req.method not in ("GET", "HEAD"):
        return False
    rv = req.query.get("resourceVersion")
    if rv in (None, "", "0"):
        return False
    try:
        return int(rv) > api.store.rv
    except ValueError:
        return False


def _json(obj):
    return jsonutil.dumps(obj).encode()
