"""The object store: one global resourceVersion counter (etcd's revision),
the current objects, and a bounded history of changes that serves watches,
exact-version lists and consistent pagination.

Invariant: a stored object is never mutated after commit(); writers build
a new dict. That lets watch streams and lists share the stored dicts.
"""
import collections
import threading


class Event:
    __slots__ = ("rv", "gr", "type", "obj", "prev")

    def __init__(self, rv, gr, type_, obj, prev):
        self.rv, self.gr, self.type, self.obj, self.prev = rv, gr, type_, obj, prev


class Watcher:
    """Receives the events of one resource; the HTTP thread drains `queue`."""

    def __init__(self, gr):
        self.gr = gr
        self.queue = collections.deque()
        self.closed = False
        self.reason = None


class Store:
    def __init__(self, history_limit=10000):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.rv = 1
        self.objects = {}            # gr -> {(namespace, name): obj}
        self.history = collections.deque()
        self.compacted = 1           # history holds every event with rv > compacted
        self.history_limit = history_limit
        self.watchers = set()

    # --- reads ---

    def get(self, gr, ns, name):
        with self.lock:
            return self.objects.get(gr, {}).get((ns or "", name))

    def list(self, gr, ns=None):
        """Current objects (sorted like etcd keys) and the current rv."""
        with self.lock:
            items = self.objects.get(gr, {})
            keys = sorted(k for k in items if ns is None or k[0] == ns)
            return [items[k] for k in keys], self.rv

    def list_at(self, gr, rv, ns=None):
        """Objects as they were at revision rv; None when compacted away."""
        with self.lock:
            if rv < self.compacted:
                return None
            state = dict(self.objects.get(gr, {}))
            for ev in reversed(self.history):
                if ev.rv <= rv:
                    break
                if ev.gr != gr:
                    continue
                key = _key(ev.obj if ev.obj is not None else ev.prev)
                if ev.prev is None:
                    state.pop(key, None)
                else:
                    state[key] = ev.prev
            keys = sorted(k for k in state if ns is None or k[0] == ns)
            return [state[k] for k in keys]

    # --- writes (callers hold self.lock across read-modify-commit) ---

    def commit(self, gr, type_, obj, prev):
        """Records a change: ADDED (prev None), MODIFIED, or DELETED (obj is
        the final state). Returns the stored object with its new rv."""
        with self.lock:
            self.rv += 1
            stored = _with_rv(obj, self.rv)
            key = _key(stored)
            bucket = self.objects.setdefault(gr, {})
            if type_ == "DELETED":
                bucket.pop(key, None)
                ev = Event(self.rv, gr, "DELETED", None, prev)
                # The DELETED event carries the last state at the delete's revision.
                notify = Event(self.rv, gr, "DELETED", stored, prev)
            else:
                bucket[key] = stored
                ev = Event(self.rv, gr, type_, stored, prev)
                notify = ev
            self.history.append(ev)
            while len(self.history) > self.history_limit:
                self.compacted = self.history.popleft().rv
            for w in list(self.watchers):
                if w.gr == gr and not w.closed:
                    w.queue.append(notify)
            self.changed.notify_all()
            return stored

    def events_since(self, gr, rv):
        """Events for gr after rv, or None when rv is older than the history."""
        with self.lock:
            if rv < self.compacted:
                return None
            out = []
            for ev in self.history:
                if ev.rv > rv and ev.gr == gr:
                    out.append(ev if ev.type != "DELETED" else
                               Event(ev.rv, gr, "DELETED", _with_rv(ev.prev, ev.rv), ev.prev))
            return out

    def compact(self, rv=None):
        """Forgets history up to rv (default: now), like an etcd compaction:
        watches and exact lists from older revisions then get 410 Gone."""
        with self.lock:
            rv = self.rv if rv is None else min(rv, self.rv)
            while self.history and self.history[0].rv <= rv:
                self.history.popleft()
            self.compacted = max(self.compacted, rv)
            return self.compacted

    def drop_resource(self, gr):
        with self.lock:
            self.objects.pop(gr, None)

    # --- watchers ---

    def add_watcher(self, w):
        with self.lock:
            self.watchers.add(w)

    def remove_watcher(self, w):
        with self.lock:
            self.watchers.discard(w)

    def close_watchers(self, gr=None, reason="closed"):
        with self.lock:
            n = 0
            for w in list(self.watchers):
                if gr is None or w.gr == gr:
                    w.closed, w.reason = True, reason
                    n += 1
            self.changed.notify_all()
            return n

    # --- persistence ---

    def dump(self):
        with self.lock:
            return {"resourceVersion": self.rv,
                    "objects": {gr: [o for _, o in sorted(b.items())]
                                for gr, b in self.objects.items()}}

    def load(self, state):
        with self.lock:
            self.rv = int(state["resourceVersion"])
            self.objects = {gr: {_key(o): o for o in objs}
                            for gr, objs in state["objects"].items()}
            self.history.clear()
            self.compacted = self.rv


def _key(obj):
    md = obj["metadata"]
    return (md.get("namespace", ""), md["name"])


def _with_rv(obj, rv):
    out = dict(obj)
    out["metadata"] = dict(obj["metadata"], resourceVersion=str(rv))
    return out

