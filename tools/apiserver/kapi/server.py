"""HTTPS (and optional loopback HTTP) front end: TLS, bearer-token
authentication, chunked watch streams, the /_admin test controls, and
restart/drop/latency/fault injection."""
import http.server
import json
import select
import socket
import socketserver
import ssl
import threading
import time
import urllib.parse

from . import errors
from .api import Request

PUBLIC_PATHS = ("/healthz", "/livez", "/readyz", "/version")
MAX_BODY = 3 * 1024 * 1024


class _TooLarge(Exception):
    pass


class _HTTPServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, front, tls_ctx, authenticate):
        self.front, self.tls_ctx, self.authenticate = front, tls_ctx, authenticate
        self.address_family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        super().__init__(addr, handler)

    def finish_request(self, request, client_address):
        conn = request
        try:
            if self.tls_ctx is not None:
                request.settimeout(10)
                conn = self.tls_ctx.wrap_socket(request, server_side=True)
                conn.settimeout(None)
        except (OSError, ssl.SSLError):
            request.close()
            return
        self.front.track(conn, True)
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            self.front.track(conn, False)

    def handle_error(self, request, client_address):
        pass  # client went away mid-request: nothing to report


class Handler(http.server.BaseHTTPRequestHandler):
    # One segment per response: without this the header and the body go out
    # as two writes and Nagle + delayed ACK add ~40 ms to every round trip.
    disable_nagle_algorithm = True

    protocol_version = "HTTP/1.1"
    server_version = "berth-apiserver"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _body(self):
        """The request body, at most MAX_BODY bytes (the real server's
        default --max-request-bytes is 3 MiB)."""
        try:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                out = b""
                while True:
                    size = int(self.rfile.readline(64).split(b";")[0].strip() or b"0", 16)
                    if size < 0 or len(out) + size > MAX_BODY:
                        raise _TooLarge
                    if size == 0:
                        self.rfile.readline(64)
                        return out
                    out += self.rfile.read(size)
                    self.rfile.readline(64)
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise errors.bad_request("malformed request body framing") from None
        if n > MAX_BODY:
            raise _TooLarge
        return self.rfile.read(n) if n > 0 else b""

    def _handle(self):
        started = time.monotonic()
        front = self.server.front
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        code = 0
        try:
            try:
                body = self._body()
            except _TooLarge:
                self.close_connection = True
                raise errors.ApiError(413, "RequestEntityTooLarge",
                                      "Request entity too large: limit is 3145728", {}) from None
            user = self.server.authenticate(self.headers.get("Authorization"), path)
            if user is None:
                raise errors.unauthorized()
            req = Request.from_target(self.command, self.path, dict(self.headers.items()), body,
                                      user)
            if path.startswith("/_admin/"):
                code = self._send_json(*front.admin(req))
                return
            delay = front.api.faults.latency_ms
            if delay:
                time.sleep(delay / 1000.0)
            resp = front.api.handle(req)
            if resp.stream is not None:
                code = 200
                self._stream(resp)
                return
            code = self._send(resp.code, resp.body, resp.content_type, resp.headers)
        except errors.ApiError as e:
            code = self._send(e.code, e.body(), "application/json", list(e.headers.items()))
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True
        except Exception as e:  # a bug: answer 500 like the real server's panic recovery
            import traceback
            front.log("internal error: " + traceback.format_exc())
            code = self._send(500, errors.internal(repr(e)).body(), "application/json", [])
        finally:
            front.log(f"{self.client_address[0]} {self.command} {self.path} {code} "
                      f"{(time.monotonic() - started) * 1000:.1f}ms")

    def _common_headers(self, ctype):
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", self.server.front.next_audit_id())

    def _send(self, code, body, ctype, headers):
        self.send_response(code)
        self._common_headers(ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()
        return code

    def _send_json(self, code, obj):
        return self._send(code, json.dumps(obj).encode(), "application/json", [])

    def _stream(self, resp):
        stream = resp.stream
        conn = self.connection

        def alive():
            # A watching client sends nothing; readable means it hung up.
            try:
                r, _, _ = select.select([conn], [], [], 0)
                return not r
            except (OSError, ValueError):
                return False

        stream.alive = alive
        self.send_response(200)
        self._common_headers(resp.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        it = iter(stream)
        try:
            for chunk in it:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            if stream.aborted or not alive():
                raise BrokenPipeError
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        finally:
            if hasattr(it, "close"):
                it.close()


class Front:
    """Owns the listeners; survives restarts (which replace them)."""

    def __init__(self, api, bind, port, tls_ctx, tokens, insecure_port=None, log=None,
                 state_file=None):
        self.api, self.bind, self.port, self.tls_ctx = api, bind, port, tls_ctx
        self.tokens = tokens
        self.insecure_port = insecure_port
        self.logf = log
        self.state_file = state_file
        self.conns = set()
        self.lock = threading.Lock()
        self.servers = []
        self.audit = 0
        self.restarts = 0
        self.stopped = threading.Event()

    def log(self, line):
        if self.logf:
            with self.lock:
                self.logf.write(time.strftime("%H:%M:%S ") + line + "\n")
                self.logf.flush()

    def next_audit_id(self):
        with self.lock:
            self.audit += 1
            return f"00000000-0000-4000-8000-{self.audit:012d}"

    def track(self, conn, add):
        with self.lock:
            (self.conns.add if add else self.conns.discard)(conn)

    def authenticate(self, header, path):
        if header is None:
            return "system:anonymous" if path in PUBLIC_PATHS else None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.tokens.get(token.strip())

    def start(self):
        srv = _HTTPServer((self.bind, self.port), Handler, self, self.tls_ctx, self.authenticate)
        self.port = srv.server_address[1]
        self.servers = [srv]
        if self.insecure_port is not None:
            ins = _HTTPServer(("127.0.0.1", self.insecure_port), Handler, self, None,
                              lambda h, p: "insecure")
            self.insecure_port = ins.server_address[1]
            self.servers.append(ins)
        for s in self.servers:
            threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2},
                             daemon=True).start()

    def close_listeners(self):
        for s in self.servers:
            s.shutdown()
            s.server_close()
        self.servers = []

    def drop_connections(self):
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return len(conns)

    def stop(self):
        self.api.store.close_watchers(reason="abort")
        self.close_listeners()
        self.drop_connections()
        self.save_state()
        self.stopped.set()

    def save_state(self):
        if self.state_file:
            tmp = self.state_file + ".tmp"
            with open(tmp, "w") as f:
                json.dump(self.api.store.dump(), f)
            import os
            os.replace(tmp, self.state_file)

    def restart(self, downtime=0.0, keep_history=False):
        """What clients see of an apiserver restart: every connection and
        watch cut, the port refusing connections for `downtime` seconds;
        unless keep_history, the new watch cache starts at the current
        revision, so watches resumed from older versions get 410 Gone."""
        self.restarts += 1
        self.api.store.close_watchers(reason="abort")
        self.close_listeners()
        self.drop_connections()
        if not keep_history:
            self.api.store.compact()
        time.sleep(downtime)
        if not self.stopped.is_set():
            self.start()

    # --- /_admin ---

    def admin(self, req):
        op = req.path[len("/_admin/"):].strip("/")
        api, store = self.api, self.api.store
        num = _num(req)
        if op == "state" and req.method == "GET":
            return 200, store.dump()
        if req.method not in ("POST", "PUT"):
            return 405, {"error": "use POST"}
        if op == "compact":
            rv = num("rv", None, int)
            return 200, {"compacted": store.compact(rv)}
        if op == "drop-watches":
            n = store.close_watchers(req.q("resource") or None,
                                     "abort" if req.flag("abrupt") else "dropped")
            return 200, {"dropped": n}
        if op == "restart":
            downtime = num("downtime_ms", 0, float) / 1000.0
            keep = req.flag("keep_history")

            def later():
                time.sleep(0.1)  # let this response go out first
                self.restart(downtime, keep)
            threading.Thread(target=later, daemon=True).start()
            return 200, {"restarting": True, "downtime_ms": downtime * 1000,
                         "keep_history": keep}
        if op == "latency":
            api.faults.latency_ms = num("ms", 0, float)
            return 200, {"latency_ms": api.faults.latency_ms}
        if op == "fail":
            f = api.faults
            with f.lock:
                f.count = num("count", 1, int)
                f.code = num("code", 500, int)
                verbs = req.q("verbs")
                f.verbs = set(verbs.split(",")) if verbs else None
                f.resource = req.q("resource") or None
            return 200, {"count": f.count, "code": f.code}
        if op == "bookmark-interval":
            api.config.bookmark_interval = num("seconds", 60, float)
            return 200, {"bookmark_interval": api.config.bookmark_interval}
        if op == "save":
            self.save_state()
            return 200, {"saved": self.state_file}
        return 404, {"error": f"unknown admin operation {op!r}"}


def _num(req):
    def get(name, default, conv):
        v = req.q(name)
        if v in (None, ""):
            return default
        try:
            return conv(v)
        except ValueError:
            raise errors.bad_request(f"{name}: not a number: {v!r}") from None
    return get
