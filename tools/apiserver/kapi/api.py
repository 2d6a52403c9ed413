"""HTTP-independent request handling: routing, discovery, reads, and the
dispatch to writes.py and watch.py. Api.handle(Request) -> Response."""
import base64
import json
import threading
import time
import urllib.parse

from . import discovery, errors, selectors, tables, jsonutil
from .registry import Registry
from .store import Store


class Request:
    def __init__(self, method, path, query=None, headers=None, body=b"", user="admin"):
        self.method = method.upper()
        self.path = path
        self.query = query or {}
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.body = body
        self.user = user

    @classmethod
    def from_target(cls, method, target, headers=None, body=b"", user="admin"):
        u = urllib.parse.urlsplit(target)
        return cls.from_parts(method, urllib.parse.unquote(u.path), u.query, headers, body, user)

    @classmethod
    def from_parts(cls, method, path, query, headers=None, body=b"", user="admin"):
        """path: already unquoted; query: the raw query string."""
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()} \
            if query else {}
        return cls(method, path, q, headers, body, user)

    def q(self, name, default=None):
        return self.query.get(name, default)

    def flag(self, name):
        return self.query.get(name, "").lower() in ("1", "true", "t", "yes")


class Response:
    def __init__(self, code=200, obj=None, body=None, content_type="application/json",
                 headers=None, stream=None):
        self.code = code
        self.obj = obj
        self.body = body if body is not None else (jsonutil.dumps(obj).encode() if obj is not None
                                                   else b"")
        self.content_type = content_type
        self.headers = list(headers or [])
        self.stream = stream


class Target:
    """A resolved resource URL."""

    def __init__(self, rtype, version, namespace, name, sub, legacy_watch):
        self.rtype, self.version, self.namespace, self.name = rtype, version, namespace, name
        self.sub, self.legacy_watch = sub, legacy_watch

    def copy(self):
        return Target(self.rtype, self.version, self.namespace, self.name, self.sub,
                      self.legacy_watch)


class Faults:
    """Test-controlled failures: the next `count` writes fail with `code`."""

    def __init__(self):
        self.lock = threading.Lock()
        self.count, self.code, self.verbs, self.resource = 0, 0, None, None
        self.reason = None
        self.latency_ms = 0

    def take(self, verb, gr):
        if self.count <= 0:   # the usual case, without the lock
            return None
        with self.lock:
            if self.count <= 0 or (self.verbs and verb not in self.verbs) or \
                    (self.resource and self.resource != gr):
                return None
            self.count -= 1
            return self.code


class Config:
    def __init__(self, **kw):
        self.server_address = kw.get("server_address", "127.0.0.1:6443")
        self.service_cidr = kw.get("service_cidr", "10.96.0.0/12")
        self.bookmark_interval = kw.get("bookmark_interval", 60.0)
        self.min_request_timeout = kw.get("min_request_timeout", 1800)
        self.wait_for_rv = kw.get("wait_for_rv", 3.0)


class Api:
    def __init__(self, store=None, registry=None, config=None):
        self.store = store or Store()
        self.registry = registry or Registry()
        self.config = config or Config()
        self.faults = Faults()
        from . import writes
        self.writes = writes.Writer(self)
        self.writes.bootstrap()

    # --- entry point ---

    def handle(self, req):
        try:
            return self._route(req)
        except errors.ApiError as e:
            return Response(e.code, e.status(), headers=list(getattr(e, "extra_headers", [])) +
                            list(e.headers.items()))

    def _route(self, req):
        segs = [s for s in req.path.split("/") if s]
        if not segs:
            return Response(200, {"paths": sorted(self._paths())})
        head = segs[0]
        if req.method not in ("GET", "HEAD") and head in ("version", "api", "apis", "openapi",
                                                         "healthz", "livez", "readyz") and \
                len(segs) <= (3 if head == "apis" else 2):
            raise errors.method_not_allowed()
        if segs == ["version"]:
            return Response(200, discovery.VERSION_INFO)
        if head in ("healthz", "livez", "readyz"):
            return Response(200, body=b"ok", content_type="text/plain; charset=utf-8")
        if segs == ["api"]:
            return Response(200, discovery.api_versions(self.config.server_address))
        if segs == ["api", "v1"]:
            return Response(200, discovery.core_resources(self.registry))
        if segs == ["apis"]:
            return Response(200, discovery.group_list(self.registry))
        if head == "apis" and len(segs) == 2:
            doc = discovery.group_doc(self.registry, segs[1])
            if doc is None:
                raise errors.path_not_found()
            return Response(200, doc)
        if head == "apis" and len(segs) == 3:
            doc = discovery.group_version_resources(self.registry, segs[1], segs[2])
            if doc is None:
                raise errors.path_not_found()
            return Response(200, doc)
        if segs == ["openapi", "v2"]:
            accept = req.headers.get("accept", "")
            if "protobuf" in accept and "json" not in accept.split("protobuf")[0]:
                return Response(200, body=discovery.openapi_v2_protobuf(),
                                content_type=discovery.OPENAPI_V2_PROTOBUF)
            return Response(200, discovery.openapi_v2())
        if head == "api" and len(segs) > 2 and segs[1] == "v1":
            return self._resource(req, "", "v1", segs[2:])
        if head == "apis" and len(segs) > 3:
            return self._resource(req, segs[1], segs[2], segs[3:])
        raise errors.path_not_found()

    def _paths(self):
        out = ["/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version",
               "/openapi/v2"]
        for g, vs in self.registry.group_versions().items():
            out.append(f"/apis/{g}")
            out += [f"/apis/{g}/{v}" for v in vs]
        return out

    def resolve(self, group, version, rest):
        legacy_watch = False
        if rest and rest[0] == "watch":
            legacy_watch, rest = True, rest[1:]
        ns = None
        if len(rest) >= 3 and rest[0] == "namespaces" and \
                (group or rest[2] not in ("status", "finalize")):
            ns, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3:
            raise errors.path_not_found()
        rtype = self.registry.lookup(group, version, rest[0])
        if rtype is None or (ns is not None and not rtype.namespaced):
            raise errors.path_not_found()
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if sub is not None:
            ok = sub == "status" and rtype.status_subresource and \
                (not hasattr(rtype, "has_status") or rtype.has_status(version))
            if not ok or legacy_watch:
                raise errors.path_not_found()
        return Target(rtype, version, ns, name, sub, legacy_watch)

    def _resource(self, req, group, version, rest):
        t = self.resolve(group, version, rest)
        warn = t.rtype.warnings(version)
        if not warn:
            return self._serve(req, t)
        # The real handler adds these before serving, so errors carry them too.
        headers = [("Warning", f'299 - "{w}"') for w in warn]
        try:
            resp = self._serve(req, t)
        except errors.ApiError as e:
            e.extra_headers = headers + list(getattr(e, "extra_headers", []))
            raise
        resp.headers[:0] = headers
        return resp

    def _serve(self, req, t):
        m = req.method
        watch = t.legacy_watch or req.flag("watch")
        if m in ("GET", "HEAD"):
            if watch:
                if t.sub:
                    raise errors.method_not_allowed()
                from . import watch as watchmod
                return watchmod.start(self, req, t)
            if t.name is None:
                return self.list(req, t)
            return self.get(req, t)
        if t.legacy_watch:
            raise errors.method_not_allowed()
        if t.rtype.namespaced and t.namespace is None:
            raise errors.path_not_found()
        return self.writes.dispatch(req, t)

    # --- reads ---

    def output(self, obj, t, strip_type=False):
        """The object as version t.version of its type shows it."""
        obj = t.rtype.convert(obj, t.version)
        av = t.rtype.api_version(t.version)
        if strip_type:
            return {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
        if obj.get("apiVersion") == av and obj.get("kind") == t.rtype.kind:
            return obj
        out = {"apiVersion": av, "kind": t.rtype.kind}
        out.update((k, v) for k, v in obj.items() if k not in ("apiVersion", "kind"))
        return out

    def get(self, req, t):
        mode = tables.choose(req.headers.get("accept"), False)
        rv = req.q("resourceVersion")
        if rv not in (None, "", "0"):
            self.wait_for(_parse_rv(rv))
        obj = self.store.get(t.rtype.gr, t.namespace, t.name)
        if obj is None:
            raise errors.not_found(t.rtype.resource, t.rtype.group, t.name)
        obj = self.output(obj, t)
        if mode == "table":
            return Response(200, tables.table(t.rtype, t.version, [obj], {
                "resourceVersion": obj["metadata"].get("resourceVersion", "")},
                req.q("includeObject", "Metadata")))
        if mode == "partial":
            return Response(200, tables.partial(obj))
        return Response(200, obj)

    def wait_for(self, rv):
        """NotOlderThan semantics: wait briefly for the store to reach rv,
        then 504 'Too large resource version' like the watch cache."""
        deadline = time.monotonic() + self.config.wait_for_rv
        with self.store.changed:
            while self.store.rv < rv:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise errors.too_large_rv()
                self.store.changed.wait(left)

    def selectors(self, req, t):
        ls = selectors.LabelSelector.parse(req.q("labelSelector", ""))
        fs = selectors.FieldSelector.parse(req.q("fieldSelector", ""), t.rtype.field_selectors())
        return ls, fs

    def matches(self, obj, t, ls, fs):
        md = obj["metadata"]
        if t.namespace is not None and md.get("namespace", "") != t.namespace:
            return False
        if t.name is not None and md.get("name") != t.name:
            return False
        if ls.reqs and not ls.matches(md.get("labels")):
            return False
        # field_set computes every selectable field: only when asked for.
        return not fs.reqs or fs.matches(t.rtype.field_set(obj))

    def list(self, req, t):
        mode = tables.choose(req.headers.get("accept"), True)
        ls, fs = self.selectors(req, t)
        rv_s, match = req.q("resourceVersion"), req.q("resourceVersionMatch")
        cont, limit = req.q("continue"), req.q("limit")
        gr = t.rtype.gr
        try:
            limit = int(limit) if limit not in (None, "") else 0
        except ValueError:
            raise errors.bad_request(f'invalid limit "{limit}"') from None
        start = None
        snapshot = None     # the revision listed, None: the current one
        if cont:
            if rv_s not in (None, ""):
                raise errors.bad_request("specifying resource version is not allowed when "
                                         "using continue")
            snapshot, start = _decode_continue(cont)
            too_old = (
                "The provided continue parameter is too old to display a consistent list "
                "result. You can start a new list without the continue parameter, or use "
                "the continue token in this response to retrieve the remainder of the "
                "results. Continuing with the provided token results in an inconsistent "
                "list - objects that were created, modified, or deleted between the time "
                "the first chunk was returned and now may show up in the list.")
        elif match and rv_s in (None, ""):
            raise errors.bad_request("resourceVersionMatch is forbidden unless resourceVersion "
                                     "is provided")
        elif match not in (None, "", "Exact", "NotOlderThan"):
            raise errors.bad_request(f'resourceVersionMatch: Unsupported value: "{match}"')
        elif match == "Exact":
            snapshot = _parse_rv(rv_s)
            if snapshot == 0:
                raise errors.bad_request('resourceVersionMatch "exact" is forbidden for '
                                         'resourceVersion "0"')
            self.wait_for(snapshot)
            too_old = "The resourceVersion for the provided list is too old."
        elif rv_s not in (None, "", "0"):
            self.wait_for(_parse_rv(rv_s))
        store = self.store
        with store.lock:
            # A page is read from its start key on, like etcd's range reads:
            # paging through N objects costs O(N), not O(N^2 / limit).
            if snapshot is not None and snapshot < store.compacted:
                raise errors.expired(too_old)
            at = store.rv if snapshot is None else snapshot
            items, more = [], False
            for o in store.scan(gr, snapshot, t.namespace, start):
                if self.matches(o, t, ls, fs):
                    if limit > 0 and len(items) == limit:
                        more = True
                        break
                    items.append(o)
            list_meta = {"resourceVersion": str(at)}
            if more:
                list_meta["continue"] = _encode_continue(at, _okey(items[-1]))
                if ls.empty() and not fs.reqs:
                    list_meta["remainingItemCount"] = store.count_after(
                        gr, snapshot, t.namespace, _okey(items[-1]))
        strip = not getattr(t.rtype, "crd_name", None)
        if mode == "table":
            objs = [self.output(o, t) for o in items]
            return Response(200, tables.table(t.rtype, t.version, objs, list_meta,
                                              req.q("includeObject", "Metadata")))
        if mode == "partial":
            return Response(200, tables.partial_list([self.output(o, t) for o in items],
                                                     list_meta))
        # Typed lists of built-in types carry no kind/apiVersion per item;
        # unstructured custom resource lists do.
        return Response(200, {"kind": t.rtype.list_kind,
                              "apiVersion": t.rtype.api_version(t.version),
                              "metadata": list_meta,
                              "items": [self.output(o, t, strip_type=strip) for o in items]})


def _okey(obj):
    md = obj["metadata"]
    return (md.get("namespace", ""), md["name"])


def _parse_rv(s):
    try:
        n = int(s)
        if n < 0:
            raise ValueError
        return n
    except (TypeError, ValueError):
        raise errors.bad_request(f'invalid resource version "{s}"') from None


def _encode_continue(rv, key):
    tok = {"v": "meta.k8s.io/v1", "rv": rv, "start": "/".join(key) + "\x00"}
    return base64.urlsafe_b64encode(json.dumps(tok).encode()).decode().rstrip("=")


def _decode_continue(s):
    try:
        raw = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
        tok = json.loads(raw)
        if tok.get("v") != "meta.k8s.io/v1":
            raise ValueError
        ns, _, name = tok["start"].rstrip("\x00").partition("/")
        if not name:
            ns, name = "", ns
        return int(tok["rv"]), (ns, name)
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        raise errors.bad_request("continue key is not valid: incorrect encoded start "
                                 "resourceVersion (version meta.k8s.io/v1)") from None
