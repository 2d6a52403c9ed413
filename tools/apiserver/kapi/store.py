"""The object store: one global resourceVersion counter (etcd's revision),
the current objects, and a bounded history of changes that serves watches,
exact-version lists and consistent pagination.

Invariant: a stored object is never mutated after commit(); writers build
a new dict. That lets watch streams and lists share the stored dicts, and
their JSON encoding (encoded()) be made once for the response and every
watcher.
"""
import bisect
import collections
import json
import threading

from . import jsonutil


class Event:
    __slots__ = ("rv", "gr", "type", "obj", "prev")

    def __init__(self, rv, gr, type_, obj, prev):
        self.rv, self.gr, self.type, self.obj, self.prev = rv, gr, type_, obj, prev


class Watcher:
    """Receives the events of one resource; its watch stream drains `queue`
    when woken: by on_wake (the HTTP loop marks the stream for writing) or
    through `cond` (on the store's lock, set by add_watcher) for a thread
    blocked in watch.Stream.__iter__. Only this watcher wakes, not every
    watch of every resource on each commit."""

    def __init__(self, gr):
        self.gr = gr
        self.queue = collections.deque()
        self.closed = False
        self.reason = None
        self.cond = None
        self.on_wake = None          # the HTTP loop's: called on each new event

    def wake(self):
        """Under the store lock."""
        self.cond.notify()
        if self.on_wake is not None:
            self.on_wake()


class Store:
    def __init__(self, history_limit=10000):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.rv = 1
        self.objects = {}            # gr -> {(namespace, name): obj}
        self._keys = {}              # gr -> sorted list of the keys of objects[gr]
        self.history = collections.deque()
        self.compacted = 1           # history holds every event with rv > compacted
        self.history_limit = history_limit
        self.watchers = set()
        self.indexes = {}            # gr -> [index], see add_index
        self._enc = {}               # id(obj) -> (obj, its JSON), see encoded

    # --- encoding ---

    _ENC_MAX = 4096

    def encoded(self, obj):
        """json.dumps(obj).encode(), memoized by identity: only for objects
        that are never mutated again (stored ones, events). The entry keeps
        the object alive, so its id cannot be reused while cached."""
        ent = self._enc.get(id(obj))
        if ent is not None and ent[0] is obj:
            return ent[1]
        data = jsonutil.dumps(obj).encode()
        if len(self._enc) >= self._ENC_MAX:
            self._enc = {}
        self._enc[id(obj)] = (obj, data)
        return data

    def is_stored(self, gr, obj):
        """Whether obj is the current stored object of its key."""
        md = obj.get("metadata")
        if not isinstance(md, dict) or "name" not in md:
            return False
        return self.objects.get(gr, {}).get((md.get("namespace", ""), md["name"])) is obj

    # --- reads ---

    def get(self, gr, ns, name):
        with self.lock:
            return self.objects.get(gr, {}).get((ns or "", name))

    def list(self, gr, ns=None):
        """Current objects (sorted like etcd keys) and the current rv."""
        with self.lock:
            return list(self.scan(gr, None, ns)), self.rv

    def list_at(self, gr, rv, ns=None):
        """Objects as they were at revision rv; None when compacted away."""
        with self.lock:
            if rv < self.compacted:
                return None
            return list(self.scan(gr, rv, ns))

    def scan(self, gr, rv=None, ns=None, after=None):
        """Objects of gr in key order, as at revision rv (None: now; not
        older than the history), of namespace ns (None: all), with keys
        after `after`: what an etcd range read from a start key returns, in
        O(what is read + changes since rv), not O(objects). A generator:
        the caller holds the lock while it runs."""
        bucket = self.objects.get(gr, {})
        keys = self._keys.get(gr, [])
        undo = self._undo(gr, rv) if rv is not None and rv < self.rv else {}
        lo, hi = _key_range(keys, ns, after)
        gone = sorted(k for k, o in undo.items()
                      if o is not None and k not in bucket and _in_range(k, ns, after))
        j = 0
        for i in range(lo, hi):
            k = keys[i]
            while j < len(gone) and gone[j] < k:
                yield undo[gone[j]]
                j += 1
            o = undo.get(k, bucket[k]) if undo else bucket[k]
            if o is not None:
                yield o
        for k in gone[j:]:
            yield undo[k]

    def count_after(self, gr, rv, ns, after):
        """How many objects scan(gr, rv, ns, after) yields."""
        with self.lock:
            bucket = self.objects.get(gr, {})
            lo, hi = _key_range(self._keys.get(gr, []), ns, after)
            n = hi - lo
            if rv is not None and rv < self.rv:
                for k, o in self._undo(gr, rv).items():
                    if _in_range(k, ns, after):
                        n += (o is not None) - (k in bucket)
            return n

    def _undo(self, gr, rv):
        """{key: its object at revision rv, None if absent} for the keys of
        gr changed since rv."""
        undo = {}
        for ev in reversed(self.history):
            if ev.rv <= rv:
                break
            if ev.gr == gr:
                undo[_key(ev.obj if ev.obj is not None else ev.prev)] = ev.prev
        return undo

    # --- writes (callers hold self.lock across read-modify-commit) ---

    def commit(self, gr, type_, obj, prev):
        """Records a change: ADDED (prev None), MODIFIED, or DELETED (obj is
        the final state). Returns the stored object with its new rv."""
        with self.lock:
            self.rv += 1
            stored = _with_rv(obj, self.rv)
            key = _key(stored)
            bucket = self.objects.setdefault(gr, {})
            before = bucket.get(key)
            if before is None and type_ != "DELETED":
                bisect.insort(self._keys.setdefault(gr, []), key)
            elif before is not None and type_ == "DELETED":
                keys = self._keys[gr]
                del keys[bisect.bisect_left(keys, key)]
            if type_ == "DELETED":
                bucket.pop(key, None)
                ev = Event(self.rv, gr, "DELETED", None, prev)
                # The DELETED event carries the last state at the delete's revision.
                notify = Event(self.rv, gr, "DELETED", stored, prev)
            else:
                bucket[key] = stored
                ev = Event(self.rv, gr, type_, stored, prev)
                notify = ev
            for index in self.indexes.get(gr, ()):
                index.update(before, bucket.get(key))
            self.history.append(ev)
            while len(self.history) > self.history_limit:
                self.compacted = self.history.popleft().rv
            for w in self.watchers:
                if w.gr == gr and not w.closed:
                    w.queue.append(notify)
                    w.wake()
            self.changed.notify_all()   # api.wait_for
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
            self._keys.pop(gr, None)
            for index in self.indexes.get(gr, ()):
                index.reset(())

    # --- indexes ---

    def add_index(self, gr, index):
        """Keeps `index` in step with gr's objects: index.reset(objects) now
        and on load, index.update(old or None, new or None) on each commit
        (under the store lock)."""
        with self.lock:
            self.indexes.setdefault(gr, []).append(index)
            index.reset(self.objects.get(gr, {}).values())

    # --- watchers ---

    def add_watcher(self, w):
        with self.lock:
            if w.cond is None:
                w.cond = threading.Condition(self.lock)
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
                    w.wake()
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
            self._keys = {gr: sorted(b) for gr, b in self.objects.items()}
            self.history.clear()
            self.compacted = self.rv
            for gr, indexes in self.indexes.items():
                for index in indexes:
                    index.reset(self.objects.get(gr, {}).values())


def _key_range(keys, ns, after):
    """The slice of sorted keys in namespace ns (None: all) after `after`."""
    lo, hi = 0, len(keys)
    if ns is not None:
        # Every (ns, name) sorts between (ns,) and (ns + "\0",).
        lo, hi = bisect.bisect_left(keys, (ns,)), bisect.bisect_left(keys, (ns + "\0",))
    if after is not None:
        lo = max(lo, bisect.bisect_right(keys, after))
    return lo, max(lo, hi)


def _in_range(key, ns, after):
    return (ns is None or key[0] == ns) and (after is None or key > after)


def _key(obj):
    md = obj["metadata"]
    return (md.get("namespace", ""), md["name"])


def _with_rv(obj, rv):
    out = dict(obj)
    out["metadata"] = dict(obj["metadata"], resourceVersion=str(rv))
    return out

