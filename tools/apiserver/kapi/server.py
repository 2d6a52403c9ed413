"""HTTPS (and optional loopback HTTP) front end: TLS, bearer-token
authentication, the /_admin test controls, and restart/drop/latency/fault
injection. The HTTP serving itself (one event loop) is in loop.py."""
import collections
import itertools
import json
import os
import threading
import time

from . import errors
from .loop import Listener, Loop

PUBLIC_PATHS = ("/healthz", "/livez", "/readyz", "/version")


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
        self.audit = itertools.count(1)
        self._logq = collections.deque()
        self._log_lock = threading.Lock()
        self._log_due = False
        self._log_clock = (0, "")     # (second, its "%H:%M:%S " stamp)
        self.restarts = 0
        self.stopped = threading.Event()
        self.loop = None

    def _start_loop(self):
        self.loop = Loop(on_error=lambda tb: self.log("internal error: " + tb))
        if os.environ.get("KAPI_PROFILE"):
            # KAPI_PROFILE=FILE: cProfile of the loop thread (where requests
            # run), written to FILE (pstats format) at stop. A development aid.
            import cProfile
            self.loop.profile = cProfile.Profile()
        self.loop.start()

    def _dump_profile(self):
        prof = self.loop.profile if self.loop else None
        if prof is not None:
            self.loop.call_sync(prof.disable)
            prof.dump_stats(os.environ["KAPI_PROFILE"])

    def log(self, line):
        """Appends a line to the access log: written by the loop 5 ms later,
        with the lines that came meanwhile (one write for a burst, and no
        thread of its own to wake), and at stop."""
        if self.logf:
            now, clock = int(time.time()), self._log_clock
            if now != clock[0]:
                clock = self._log_clock = (now, time.strftime("%H:%M:%S ", time.localtime(now)))
            self._logq.append(clock[1] + line + "\n")
            if not self._log_due and self.loop is not None:
                self._log_due = True
                if self.loop.in_loop():
                    self.loop.call_at(time.monotonic() + 0.005, self.flush_log)
                else:
                    self.loop.call_soon(self.flush_log)

    def flush_log(self):
        if not self.logf:
            return
        with self._log_lock:
            self._log_due = False
            q, lines = self._logq, []
            while q:
                lines.append(q.popleft())
            if lines:
                try:
                    self.logf.write("".join(lines))
                    self.logf.flush()
                except (OSError, ValueError):
                    pass

    def next_audit_id(self):
        return f"00000000-0000-4000-8000-{next(self.audit):012d}"

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
        if self.loop is None:
            self._start_loop()
        servers = [Listener(self, self.bind, self.port, self.tls_ctx, self.authenticate)]
        self.port = servers[0].port
        if self.insecure_port is not None:
            try:
                ins = Listener(self, "127.0.0.1", self.insecure_port, None,
                               lambda h, p: "insecure")
            except OSError:
                servers[0].sock.close()
                raise
            self.insecure_port = ins.port
            servers.append(ins)
        self.servers = servers
        self.loop.call_sync(lambda: [s.register(self.loop) for s in servers])

    def close_listeners(self):
        servers, self.servers = self.servers, []
        if servers:
            self.loop.call_sync(lambda: [s.close(self.loop) for s in servers])

    def drop_connections(self):
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            c.shutdown_from_thread()
        return len(conns)

    def stop(self):
        self.api.store.close_watchers(reason="abort")
        self.close_listeners()
        if self.loop is not None:
            self.loop.call_sync(self.loop.pump_dirty)  # the watches end (and are logged)
        self.drop_connections()
        self.save_state()
        self._dump_profile()
        self.flush_log()
        self.stopped.set()

    def save_state(self):
        if self.state_file:
            tmp = self.state_file + ".tmp"
            with open(tmp, "w") as f:
                json.dump(self.api.store.dump(), f)
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
                f.reason = req.q("reason") or None
            return 200, {"count": f.count, "code": f.code}
        if op == "runtime-config":
            # What restarting kube-apiserver with another --runtime-config
            # shows clients: the group/versions turned off answer 404 and
            # their watches end.
            spec = ",".join(f"{k}={v}" if v else k for k, v in req.query.items())
            err = api.registry.runtime_config(spec)
            if err:
                return 400, {"error": err}
            for t in api.registry.static:
                if any((t.group, v) in api.registry.disabled for v in t.versions):
                    store.close_watchers(t.gr, "dropped")
            return 200, {"disabled": sorted(f"{g}/{v}" for g, v in api.registry.disabled)}
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
