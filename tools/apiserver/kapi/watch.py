"""Watch streams: newline-delimited JSON events over a chunked response.

Semantics (Kubernetes API concepts, "Efficient detection of changes"):
- resourceVersion unset or "0": synthetic ADDED events for the current
  state, then changes; resourceVersion=N: every change after N, or one
  ERROR event with a 410 Expired Status when N is older than the history.
- allowWatchBookmarks=true: BOOKMARK events every bookmark interval.
- sendInitialEvents=true (with resourceVersionMatch=NotOlderThan): the
  initial ADDED events end with a BOOKMARK annotated
  k8s.io/initial-events-end=true.
- timeoutSeconds ends the stream; without it, a random time between the
  min request timeout and twice that, as the real server does.
- An object that stops matching the selectors is reported as DELETED and
  one that starts matching as ADDED (the watch cache's filtering).
"""
import json
import random
import time

from . import errors, tables, jsonutil
from .store import Watcher


def start(api, req, t):
    ls, fs = api.selectors(req, t)
    table = tables.choose(req.headers.get("accept"), False) == "table"
    rv_s = req.q("resourceVersion")
    bookmarks = req.flag("allowWatchBookmarks")
    sie = req.q("sendInitialEvents")
    match = req.q("resourceVersionMatch")
    if sie is not None and sie.lower() in ("true", "1"):
        if match != "NotOlderThan":
            raise errors.invalid("ListOptions", "meta.k8s.io", "", [(
                "FieldValueForbidden", "resourceVersionMatch",
                "Forbidden: sendInitialEvents requires setting resourceVersionMatch to "
                "NotOlderThan")])
        initial, initial_end = True, bookmarks
    elif match:
        raise errors.invalid("ListOptions", "meta.k8s.io", "", [(
            "FieldValueForbidden", "resourceVersionMatch",
            "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents "
            "is provided")])
    else:
        initial, initial_end = rv_s in (None, "", "0"), False
    since = None
    if rv_s not in (None, "", "0"):
        from .api import _parse_rv
        since = _parse_rv(rv_s)
        api.wait_for(since)
    try:
        timeout = float(req.q("timeoutSeconds")) if req.q("timeoutSeconds") else None
    except ValueError:
        raise errors.bad_request("timeoutSeconds must be a number") from None
    if timeout is None:
        m = api.config.min_request_timeout
        timeout = random.uniform(m, 2 * m)
    w = Watcher(t.rtype.gr)
    store = api.store
    with store.lock:
        first = []
        expired_msg = None
        if initial:
            # The current state is at least as new as any requested version
            # (api.wait_for above), which is all NotOlderThan asks.
            items, start_rv = store.list(t.rtype.gr, t.namespace)
            first = [("ADDED", o) for o in items if api.matches(o, t, ls, fs)]
        else:
            evs = store.events_since(t.rtype.gr, since if since is not None else store.rv)
            if evs is None:
                expired_msg = _too_old(since, store.compacted)
            else:
                w.queue.extend(evs)
            start_rv = store.rv
        if expired_msg is None:
            store.add_watcher(w)
    stream = Stream(api, t, w, ls, fs, table, bookmarks, timeout, first, initial_end, start_rv,
                    expired_msg, req.q("includeObject", "Metadata"))
    from .api import Response
    return Response(200, stream=stream, content_type="application/json")


def _too_old(rv, oldest):
    return f"too old resource version: {rv} ({oldest})"


class Stream:
    def __init__(self, api, t, watcher, ls, fs, table, bookmarks, timeout, first, initial_end,
                 start_rv, expired_msg, include):
        self.api, self.t, self.w = api, t, watcher
        self.ls, self.fs, self.table, self.bookmarks = ls, fs, table, bookmarks
        self.deadline = time.monotonic() + timeout
        self.first, self.initial_end, self.start_rv = first, initial_end, start_rv
        self.expired_msg = expired_msg
        self.include = include
        self.alive = None        # for __iter__: False once the client hung up
        self.next_bm = 0.0

    @property
    def aborted(self):
        return self.w.reason == "abort"

    def close(self):
        self.api.store.remove_watcher(self.w)

    def _line(self, type_, obj):
        if type_ in ("ADDED", "MODIFIED", "DELETED"):
            out = self.api.output(obj, self.t)
            if not self.table:
                # Event objects are never mutated: their encoding is shared
                # with the write's response and the other watchers. The
                # bytes are those of jsonutil.dumps({"type": ..., "object": ...}).
                body = self.api.store.encoded(out) if out is obj else jsonutil.dumps(out).encode()
                return b'{"type":"%s","object":%s}\n' % (type_.encode(), body)
            obj = tables.table(self.t.rtype, self.t.version, [out], {
                "resourceVersion": out["metadata"].get("resourceVersion", "")},
                self.include, headers=True)
        return (jsonutil.dumps({"type": type_, "object": obj}) + "\n").encode()

    def _bookmark(self, rv, annotations=None):
        md = {"resourceVersion": str(rv), "creationTimestamp": None}
        if annotations:
            md["annotations"] = annotations
        obj = {"kind": self.t.rtype.kind, "apiVersion": self.t.rtype.api_version(self.t.version),
               "metadata": md}
        return self._line("BOOKMARK", obj)

    def _filter(self, ev):
        """The event this watcher sees for a store event, or None."""
        if ev.type == "DELETED":
            return ("DELETED", ev.obj) if self._match(ev.obj) else None
        cur = self._match(ev.obj)
        prev = ev.prev is not None and self._match(ev.prev)
        if ev.type == "ADDED" or (cur and not prev):
            return ("ADDED", ev.obj) if cur else None
        if cur:
            return ("MODIFIED", ev.obj)
        if prev:
            # The previous state at the new revision: the client's cache drops it.
            gone = dict(ev.prev)
            gone["metadata"] = dict(ev.prev["metadata"], resourceVersion=str(ev.rv))
            return ("DELETED", gone)
        return None

    def _match(self, obj):
        return self.api.matches(obj, self.t, self.ls, self.fs)

    # --- driving the stream: opening() once, then poll() whenever the
    # watcher wakes (Watcher.on_wake) or next_wake() is reached.

    def opening(self):
        """The first batches of lines: the ERROR for a too old version, or
        the initial ADDED events (and the initial-events-end bookmark)."""
        self.next_bm = time.monotonic() + self.api.config.bookmark_interval
        if self.expired_msg is not None:
            err = errors.expired(self.expired_msg)
            return [[(jsonutil.dumps({"type": "ERROR", "object": err.status()}) + "\n").encode()]]
        first, self.first = self.first, []
        out = [[self._line(type_, obj) for type_, obj in first[i:i + 256]]
               for i in range(0, len(first), 256)]
        if self.initial_end:
            out.append([self._bookmark(self.start_rv, {"k8s.io/initial-events-end": "true"})])
        return out

    def poll(self):
        """(lines, end): the lines to send now, and None while the stream
        goes on, "end" when the response ends, "abort" when the connection
        is to be cut (drop-watches abrupt, restart, stop)."""
        if self.expired_msg is not None:
            return [], "end"
        store = self.api.store
        w = self.w
        with store.lock:
            events = list(w.queue)
            w.queue.clear()
            closed = w.closed
            bm_rv = store.rv
        if closed:
            return [], "abort" if self.aborted else "end"
        out = []
        for ev in events:
            seen = self._filter(ev)
            if seen:
                out.append(self._line(*seen))
        now = time.monotonic()
        if self.bookmarks and now >= self.next_bm and not events:
            out.append(self._bookmark(bm_rv))
            self.next_bm = now + self.api.config.bookmark_interval
        return out, ("end" if now >= self.deadline else None)

    def next_wake(self):
        """When poll() has something to do without a new event."""
        return min(self.deadline, self.next_bm) if self.bookmarks else self.deadline

    def __iter__(self):
        """The lines, blocking (the loop in loop.py does not use this)."""
        store = self.api.store
        try:
            for batch in self.opening():
                yield from batch
            while True:
                with store.lock:
                    if not self.w.queue and not self.w.closed and self.expired_msg is None:
                        wait = self.next_wake() - time.monotonic()
                        if wait > 0:
                            # Wake at least once a second to notice a client that left.
                            (self.w.cond or store.changed).wait(min(wait, 1.0))
                    idle = not self.w.queue and not self.w.closed
                if idle and self.alive is not None and not self.alive():
                    return
                lines, end = self.poll()
                yield from lines
                if end:
                    return
        finally:
            self.close()
