"""The event loop that serves HTTP: one thread (selectors) for every
connection, TLS handshake, request, response and watch stream (conn.py).

Why not a thread per connection (http.server's ThreadingMixIn, as before):
under load the threads cost more than the work. Each request and each
watch event meant a thread wake-up and a GIL hand-off, and a third of the
CPU went to context switches. Here a request runs to completion on the
loop thread; a commit marks its watch streams dirty and the loop writes
each stream once per iteration with every event it gathered; the answers
of an iteration are written after all its requests ran.
"""
import collections
import heapq
import itertools
import selectors
import socket
import threading
import time
import traceback

from .conn import Conn

class Loop:
    """selectors loop with timers and calls from other threads."""

    def __init__(self, on_error=None):
        self.sel = selectors.DefaultSelector()
        self._rsock, self._wsock = socket.socketpair()
        self._rsock.setblocking(False)
        self._wsock.setblocking(False)
        self.sel.register(self._rsock, selectors.EVENT_READ, self._drain_wakeup)
        self._calls = collections.deque()
        self._signaled = False
        self._timers = []
        self._seq = itertools.count()
        self._dirty = {}
        self._unflushed = {}
        self.ident = None
        self.on_error = on_error
        self.profile = None

    def start(self):
        t = threading.Thread(target=self.run, daemon=True, name="http-loop")
        t.start()
        while self.ident is None:
            time.sleep(0.001)

    def in_loop(self):
        return threading.get_ident() == self.ident

    def call_soon(self, fn):
        """Runs fn on the loop thread (from any thread)."""
        self._calls.append(fn)
        if not self._signaled and threading.get_ident() != self.ident:
            self._signaled = True
            try:
                self._wsock.send(b"\0")
            except OSError:
                pass

    def call_sync(self, fn, timeout=30.0):
        """Runs fn on the loop thread and waits for it."""
        if self.in_loop():
            return fn()
        done, box = threading.Event(), []

        def run():
            try:
                box.append(fn())
            finally:
                done.set()
        self.call_soon(run)
        done.wait(timeout)
        return box[0] if box else None

    def call_at(self, when, fn):
        """A timer (loop thread only); cancel by setting handle[3] = False."""
        t = [when, next(self._seq), fn, True]
        heapq.heappush(self._timers, t)
        return t

    def mark_dirty(self, conn):
        """conn._pump() at the end of this loop iteration (from any thread)."""
        if threading.get_ident() == self.ident:
            self._dirty[conn] = True
        else:
            self.call_soon(lambda: self._dirty.__setitem__(conn, True))

    def flush_later(self, conn):
        """conn._flush() once this loop iteration has served every ready
        connection (loop thread only): the answers go out together, after
        the work, and a connection's pipelined answers in one write."""
        self._unflushed[conn] = True

    def pump_dirty(self):
        """Writes the watch streams that have news (loop thread)."""
        dirty = self._dirty
        while dirty:
            conns = list(dirty)
            dirty.clear()
            for c in conns:
                self._safe(c.pump)

    def _drain_wakeup(self, mask):
        self._signaled = False
        try:
            while self._rsock.recv(4096):
                pass
        except OSError:
            pass

    def _safe(self, fn, *args):
        try:
            fn(*args)
        except Exception:
            if self.on_error:
                self.on_error(traceback.format_exc())

    def run(self):
        self.ident = threading.get_ident()
        if self.profile is not None:
            self.profile.enable()
        sel, timers, calls, dirty = self.sel, self._timers, self._calls, self._dirty
        unflushed = self._unflushed
        while True:
            if calls or dirty or unflushed:
                timeout = 0
            elif timers:
                timeout = max(0.0, timers[0][0] - time.monotonic())
            else:
                timeout = None
            try:
                ready = sel.select(timeout)
            except (OSError, ValueError):
                if self.on_error:
                    self.on_error(traceback.format_exc())
                time.sleep(0.01)
                continue
            for key, mask in ready:
                self._safe(key.data, mask)
            if timers:
                now = time.monotonic()
                while timers and timers[0][0] <= now:
                    t = heapq.heappop(timers)
                    if t[3]:
                        self._safe(t[2])
            while calls:
                self._safe(calls.popleft())
            self.pump_dirty()
            while unflushed:
                conns = list(unflushed)
                unflushed.clear()
                for c in conns:
                    self._safe(c.flush)


class Listener:
    """A listening socket and how its connections are served."""

    def __init__(self, front, addr, port, tls_ctx, authenticate):
        self.front, self.tls_ctx, self.authenticate = front, tls_ctx, authenticate
        family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((addr, port))
            sock.listen(128)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self.sock = sock
        self.port = sock.getsockname()[1]

    def register(self, loop):
        loop.sel.register(self.sock, selectors.EVENT_READ, self._accept)

    def close(self, loop):
        try:
            loop.sel.unregister(self.sock)
        except (KeyError, ValueError):
            pass
        self.sock.close()

    def _accept(self, mask):
        for _ in range(64):
            try:
                sock, addr = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            sock.setblocking(False)
            try:
                # One segment per response: no Nagle + delayed ACK stalls.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
            try:
                Conn(self, sock, addr)
            except OSError:
                sock.close()
