"""Create, update (PUT), patch, delete and deletecollection, with the
generic registry's semantics: optimistic concurrency on
metadata.resourceVersion, no-op updates that write nothing, finalizers and
deletionTimestamp, namespace lifecycle, status subresources, field
validation (Strict/Warn/Ignore) and managedFields."""
import collections
import copy
import ipaddress
import json
import random

from . import errors, managed, meta, patch
from .api import Response
from .jsonutil import clone
from .registry import CRDS

_PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
    "application/apply-patch+cbor": "apply-cbor",
}
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # apiserver's SimpleNameGenerator alphabet


class Writer:
    def __init__(self, api):
        self.api = api
        self.store = api.store
        self.registry = api.registry
        self._pending_ports = set()
        self._net = None
        self.allocated = _ServiceAllocations()
        self.store.add_index("services", self.allocated)

    # --- bootstrap: what a fresh cluster has ---

    def bootstrap(self):
        ns = self.registry.by_gr("namespaces")
        for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
            if self.store.get("namespaces", "", name) is None:
                self._store_new(ns, "v1", {"apiVersion": "v1", "kind": "Namespace",
                                           "metadata": {"name": name}}, "kube-apiserver")
        svc = self.registry.by_gr("services")
        if self.store.get("services", "default", "kubernetes") is None:
            net = ipaddress.ip_network(self.api.config.service_cidr)
            self._store_new(svc, "v1", {
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "kubernetes", "namespace": "default",
                             "labels": {"component": "apiserver", "provider": "kubernetes"}},
                "spec": {"clusterIP": str(net[1]), "ports": [
                    {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}},
                "kube-apiserver")
        for crd in self.store.list(CRDS.gr)[0]:
            self.registry.set_crd(crd)

    def _store_new(self, rtype, version, obj, manager):
        obj = copy.deepcopy(obj)
        rtype.prepare_create(obj)
        self._init_meta(obj)
        rtype.default(obj, None, version, self.api)
        managed.record_update(obj, None, manager, rtype.api_version(version))
        return self.store.commit(rtype.gr, "ADDED", obj, None)

    # --- allocators (callers hold the store lock) ---

    def alloc_cluster_ip(self):
        cidr = self.api.config.service_cidr
        if self._net is None or self._net[0] != cidr:
            self._net = (cidr, ipaddress.ip_network(cidr))
        net = self._net[1]
        used = self.allocated.ips   # a Counter: absent (or 0) means free
        for _ in range(1000):
            ip = str(net[random.randrange(2, min(net.num_addresses - 1, 1 << 20))])
            if not used.get(ip):
                return ip
        for ip in net.hosts():
            if not used.get(str(ip)):
                return str(ip)
        return None

    def used_node_ports(self):
        return {p for p, n in self.allocated.ports.items() if n > 0}

    def alloc_node_port(self):
        """A port picked uniformly among the free ones: a few random draws
        (enough unless the range is nearly full), else from the free list."""
        used, pending = self.allocated.ports, self._pending_ports
        for _ in range(32):
            port = random.randrange(30000, 32768)
            if not used.get(port) and port not in pending:
                break
        else:
            free = [p for p in range(30000, 32768) if not used.get(p) and p not in pending]
            if not free:
                # kube-apiserver's words (pkg/registry/core/service/
                # storage/alloc.go): an InternalError, not a field error.
                raise errors.internal("failed to allocate a nodePort: range is full")
            port = random.choice(free)
        pending.add(port)
        return port

    # --- dispatch ---

    def dispatch(self, req, t):
        verb = {"POST": "create", "PUT": "update", "PATCH": "patch",
                "DELETE": "delete" if t.name else "deletecollection"}.get(req.method)
        if verb is None or (verb == "create" and t.name is not None) or \
                (verb in ("update", "patch") and t.name is None):
            raise errors.method_not_allowed()
        if t.sub and verb not in ("update", "patch"):
            raise errors.method_not_allowed()
        code = self.api.faults.take(verb, t.rtype.gr)
        if code:
            raise errors.injected(code, t.rtype.resource, t.rtype.group, t.name,
                                  self.api.faults.reason)
        dry = req.q("dryRun") == "All"
        if req.q("dryRun") not in (None, "", "All"):
            raise errors.bad_request(f'dryRun: Unsupported value: "{req.q("dryRun")}"')
        fv = req.q("fieldValidation") or "Warn"
        if fv not in ("Strict", "Warn", "Ignore"):
            raise errors.bad_request(f"fieldValidation: Unsupported value: \"{fv}\": supported "
                                     "values: \"Ignore\", \"Strict\", \"Warn\"")
        ctx = _Ctx(req, t, dry, fv, self._manager(req, verb))
        with self.store.lock:
            self._pending_ports = set()
            if verb == "create":
                return self.create(ctx, _decode(req, t=t))
            if verb == "update":
                return self.update(ctx, _decode(req, t=t))
            if verb == "patch":
                return self.patch(ctx)
            if verb == "delete":
                return self.delete(ctx, _decode(req, optional=True))
            return self.delete_collection(ctx, _decode(req, optional=True))

    @staticmethod
    def _manager(req, verb):
        m = req.q("fieldManager")
        if m:
            return m
        ua = req.headers.get("user-agent", "")
        # The real default: the user agent up to the first "/".
        return ua.split("/", 1)[0] or "unknown"

    # --- helpers ---

    def _check_type(self, ctx, obj):
        t = ctx.t
        if not isinstance(obj, dict):
            raise errors.bad_request("the body of the request must be a JSON object")
        want_av, want_kind = t.rtype.api_version(t.version), t.rtype.kind
        av, kind = obj.get("apiVersion"), obj.get("kind")
        if av not in (None, "") and av != want_av:
            raise errors.bad_request(f"the API version in the data ({av}) does not match the "
                                     f"expected API version ({want_av})")
        if kind not in (None, "") and kind != want_kind:
            raise errors.bad_request(f"the kind in the data ({kind}) does not match the "
                                     f"expected kind ({want_kind})")
        rest = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
        obj.clear()
        obj.update({"apiVersion": want_av, "kind": want_kind}, **rest)
        md = obj.setdefault("metadata", {})
        if not isinstance(md, dict):
            raise errors.bad_request("metadata must be an object")
        t.rtype.decode(obj, t.version)
        if t.rtype.namespaced:
            if md.get("namespace") and t.namespace and md["namespace"] != t.namespace:
                raise errors.bad_request("the namespace of the provided object does not match "
                                         "the namespace sent on the request")
            md["namespace"] = t.namespace
        return md

    def _init_meta(self, obj):
        md = obj["metadata"]
        md["uid"] = meta.new_uid()
        md["creationTimestamp"] = meta.now_rfc3339()
        for f in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink",
                  "resourceVersion"):
            md.pop(f, None)

    def _validate(self, ctx, obj, old, status_only=False):
        """Prune, default and validate obj in place; returns warning headers."""
        t = ctx.t
        unknown = t.rtype.prune(obj, t.version)
        warnings = []
        if unknown:
            if ctx.fv == "Strict":
                raise errors.bad_request(
                    f'{t.rtype.kind} in version "{t.version}" cannot be handled as a '
                    f'{t.rtype.kind}: strict decoding error: ' +
                    ", ".join(f'unknown field "{u}"' for u in unknown))
            if ctx.fv == "Warn":
                warnings += [f'unknown field "{u}"' for u in unknown]
        warnings += t.rtype.default(obj, old, t.version, self) or []
        causes = t.rtype.validate(obj, old, t.version, status_only)
        if causes:
            raise errors.invalid(t.rtype.kind, t.rtype.group, obj["metadata"].get("name", ""),
                                 causes)
        return warnings

    def _respond(self, ctx, code, obj, warnings=()):
        headers = [("Warning", f'299 - "{w}"') for w in warnings]
        out = self.api.output(obj, ctx.t)
        if out is obj and self.store.is_stored(ctx.t.rtype.gr, obj):
            # Stored objects are immutable: the encoding is shared with the
            # watch events of this change.
            return Response(code, out, body=self.store.encoded(out), headers=headers)
        return _resp(code, out, headers)

    def _namespace_ok(self, ctx):
        t = ctx.t
        if not t.rtype.namespaced:
            return
        ns = self.store.get("namespaces", "", t.namespace)
        if ns is None:
            raise errors.not_found("namespaces", "", t.namespace)
        if ns["metadata"].get("deletionTimestamp"):
            raise errors.forbidden(t.rtype.resource, t.rtype.group, "",
                                   f"unable to create new content in namespace {t.namespace} "
                                   "because it is being terminated")

    # --- create ---

    def create(self, ctx, obj, managed_done=False):
        t = ctx.t
        md = self._check_type(ctx, obj)
        if not md.get("name") and md.get("generateName"):
            md["name"] = md["generateName"] + "".join(random.choice(_NAME_CHARS)
                                                      for _ in range(5))
        if md.get("resourceVersion"):
            raise errors.internal("resourceVersion should not be set on objects to be created")
        self._namespace_ok(ctx)
        t.rtype.prepare_create(obj)
        self._init_meta(obj)
        if not managed_done:
            md.pop("managedFields", None)
        warnings = self._validate(ctx, obj, None)
        if self.store.get(t.rtype.gr, t.namespace, md["name"]) is not None:
            raise errors.already_exists(t.rtype.resource, t.rtype.group, md["name"])
        if not managed_done:
            managed.record_update(obj, None, ctx.manager, t.rtype.api_version(t.version))
        # managedFields are the request version's; the object is stored in
        # the storage version
        t.rtype.to_storage(obj)
        if t.rtype is CRDS:
            obj["status"] = CRDS.established_status(obj)
        if ctx.dry:
            return self._respond(ctx, 201, obj, warnings)
        stored = self.store.commit(t.rtype.gr, "ADDED", obj, None)
        if t.rtype is CRDS:
            stored = self._crd_changed(stored)
        return self._respond(ctx, 201, stored, warnings)

    # --- update ---

    def update(self, ctx, obj):
        t = ctx.t
        md = self._check_type(ctx, obj)
        if md.get("name") not in (None, "", t.name):
            raise errors.bad_request(f"the name of the object ({md['name']}) does not match the "
                                     f"name on the URL ({t.name})")
        md["name"] = t.name
        old = self.store.get(t.rtype.gr, t.namespace, t.name)
        if old is None:
            if t.rtype.allow_create_on_update and not t.sub:
                md.pop("resourceVersion", None)
                return self.create(ctx, obj)
            raise errors.not_found(t.rtype.resource, t.rtype.group, t.name)
        return self._update(ctx, obj, old)

    def _update(self, ctx, obj, old, apply_done=False):
        t = ctx.t
        md = obj["metadata"]
        rv = md.get("resourceVersion")
        if rv not in (None, "") and rv != old["metadata"]["resourceVersion"]:
            raise errors.conflict(t.rtype.resource, t.rtype.group, t.name)
        omd = old["metadata"]
        for f in ("uid", "creationTimestamp", "namespace"):
            if f in omd and not md.get(f):
                md[f] = omd[f]
        for f in ("deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
            if f in omd:
                md[f] = omd[f]
            else:
                md.pop(f, None)
        if not apply_done:
            if "managedFields" in omd:
                md["managedFields"] = omd["managedFields"]
            else:
                md.pop("managedFields", None)
        if t.sub == "status":
            t.rtype.prepare_status_update(obj, old)
        else:
            t.rtype.prepare_update(obj, old)
        if omd.get("deletionTimestamp"):
            added = set(md.get("finalizers") or []) - set(omd.get("finalizers") or [])
            if added:
                raise errors.invalid(t.rtype.kind, t.rtype.group, t.name, [
                    ("FieldValueForbidden", "metadata.finalizers",
                     "Forbidden: no new finalizers can be added if the object is being "
                     "deleted, found new finalizers " + json.dumps(sorted(added)))])
        warnings = self._validate(ctx, obj, old, status_only=t.sub == "status")
        if not apply_done:
            managed.record_update(obj, old, ctx.manager, t.rtype.api_version(t.version),
                                  t.sub or "")
        t.rtype.to_storage(obj)
        if t.sub != "status":
            t.rtype.update_generation(obj, old)
        if _same(obj, old):
            return self._respond(ctx, 200, old, warnings)
        if ctx.dry:
            return self._respond(ctx, 200, obj, warnings)
        if md.get("deletionTimestamp") and not md.get("finalizers"):
            gone = self.store.commit(t.rtype.gr, "DELETED", obj, old)
            self._after_delete(t.rtype, gone)
            return self._respond(ctx, 200, gone, warnings)
        stored = self.store.commit(t.rtype.gr, "MODIFIED", obj, old)
        if t.rtype is CRDS:
            stored = self._crd_changed(stored)
        return self._respond(ctx, 200, stored, warnings)

    # --- patch ---

    def patch(self, ctx):
        t, req = ctx.t, ctx.req
        ctype = req.headers.get("content-type", "").split(";")[0].strip().lower()
        kind = _PATCH_TYPES.get(ctype)
        accepted = ["application/json-patch+json", "application/merge-patch+json",
                    "application/apply-patch+yaml"]
        if t.rtype.supports_smp():
            accepted.insert(2, "application/strategic-merge-patch+json")
        if kind is None or (kind == "strategic" and not t.rtype.supports_smp()) or \
                kind == "apply-cbor":
            raise errors.unsupported_media(accepted)
        try:
            body = json.loads(req.body or b"null")
        except ValueError as e:
            if kind == "apply":
                raise errors.bad_request(f"error decoding YAML: this server accepts apply "
                                         f"configurations in JSON only: {e}") from None
            raise errors.bad_request(f"error decoding patch: {e}") from None
        old = self.store.get(t.rtype.gr, t.namespace, t.name)
        if kind == "apply":
            return self._apply(ctx, body, old)
        if req.q("force") is not None:
            raise errors.bad_request("force: Invalid value: force flag must only be set for "
                                     "apply patches")
        if old is None:
            raise errors.not_found(t.rtype.resource, t.rtype.group, t.name)
        cur = self.api.output(old, t)
        if kind == "json":
            new = patch.json_patch(cur, body)
        elif kind == "merge":
            if not isinstance(body, dict):
                raise errors.bad_request("merge patch must be a JSON object")
            new = patch.merge_patch(cur, body)
        else:
            if not isinstance(body, dict):
                raise errors.bad_request("strategic merge patch must be a JSON object")
            new = patch.strategic_merge_patch(cur, body, t.rtype.merge_keys)
        if not isinstance(new, dict):
            raise errors.bad_request("the patch did not produce an object")
        self._check_type(ctx, new)
        if new["metadata"].get("name") != t.name:
            raise errors.bad_request(f"the name of the object ({new['metadata'].get('name')}) "
                                     f"does not match the name on the URL ({t.name})")
        return self._update(ctx, new, old)

    def _apply(self, ctx, body, old):
        t, req = ctx.t, ctx.req
        if not req.q("fieldManager"):
            raise errors.bad_request("PATCH, application/apply-patch+yaml: fieldManager is "
                                     "required for apply requests")
        if not isinstance(body, dict):
            raise errors.bad_request("apply configuration must be an object")
        self._check_type(ctx, body)
        name = body["metadata"].get("name")
        if name != t.name:
            raise errors.bad_request(f"the name of the object ({name}) does not match the name "
                                     f"on the URL ({t.name})")
        force = req.flag("force")
        av = t.rtype.api_version(t.version)
        cfg = clone(body)
        cfg["metadata"].pop("managedFields", None)
        if not cfg["metadata"].get("resourceVersion"):
            cfg["metadata"].pop("resourceVersion", None)
        if old is None:
            if t.sub:
                raise errors.not_found(t.rtype.resource, t.rtype.group, t.name)
            obj = managed.apply(None, cfg, ctx.manager, force, av)
            return self.create(ctx, obj, managed_done=True)
        live = self.api.output(old, t)
        obj = managed.apply(live, cfg, ctx.manager, force, av, t.sub or "")
        if "resourceVersion" not in cfg["metadata"]:
            obj["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        return self._update(ctx, obj, old, apply_done=True)

    # --- delete ---

    def delete(self, ctx, opts):
        t = ctx.t
        old = self.store.get(t.rtype.gr, t.namespace, t.name)
        if old is None:
            raise errors.not_found(t.rtype.resource, t.rtype.group, t.name)
        pre = (opts or {}).get("preconditions") or {}
        omd = old["metadata"]
        if pre.get("uid") and pre["uid"] != omd.get("uid"):
            raise errors.conflict(t.rtype.resource, t.rtype.group, t.name,
                                  f"Precondition failed: UID in precondition: {pre['uid']}, "
                                  f"UID in object meta: {omd.get('uid')}")
        if pre.get("resourceVersion") and pre["resourceVersion"] != omd.get("resourceVersion"):
            raise errors.conflict(t.rtype.resource, t.rtype.group, t.name,
                                  "Precondition failed: ResourceVersion in precondition: "
                                  f"{pre['resourceVersion']}, ResourceVersion in object meta: "
                                  f"{omd.get('resourceVersion')}")
        if ctx.dry:
            return self._delete_response(ctx, old)
        if t.rtype.resource == "namespaces" and not t.rtype.group:
            return self._delete_namespace(ctx, old)
        if t.rtype is CRDS:
            return self._delete_crd(ctx, old)
        if omd.get("finalizers"):
            if omd.get("deletionTimestamp"):
                return self._respond(ctx, 200, old)
            obj = clone(old)
            obj["metadata"]["deletionTimestamp"] = meta.now_rfc3339()
            obj["metadata"]["deletionGracePeriodSeconds"] = 0
            stored = self.store.commit(t.rtype.gr, "MODIFIED", obj, old)
            return self._respond(ctx, 200, stored)
        gone = self.store.commit(t.rtype.gr, "DELETED", old, old)
        return self._delete_response(ctx, gone)

    def _delete_response(self, ctx, gone):
        t = ctx.t
        if t.rtype.return_deleted:
            return self._respond(ctx, 200, gone)
        details = {"name": gone["metadata"]["name"]}
        if t.rtype.group:
            details["group"] = t.rtype.group
        details["kind"] = t.rtype.resource
        details["uid"] = gone["metadata"].get("uid", "")
        return _resp(200, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                           "status": "Success", "details": details})

    def _after_delete(self, rtype, gone):
        if rtype is CRDS:
            self._crd_removed(gone)

    def _delete_namespace(self, ctx, old):
        """The namespace lifecycle, run to completion at once: Terminating,
        contents deleted, the kubernetes finalizer removed, gone."""
        t = ctx.t
        if old["metadata"]["name"] in ("default", "kube-system", "kube-public"):
            raise errors.forbidden("namespaces", "", old["metadata"]["name"],
                                   "this namespace may not be deleted")
        term = copy.deepcopy(old)
        term["metadata"]["deletionTimestamp"] = meta.now_rfc3339()
        term["metadata"]["deletionGracePeriodSeconds"] = 0
        term["status"] = {"phase": "Terminating"}
        cur = self.store.commit("namespaces", "MODIFIED", term, old)
        ns = old["metadata"]["name"]
        for rtype in self.registry.all():
            if rtype.namespaced:
                for obj in self.store.list(rtype.gr, ns)[0]:
                    self.store.commit(rtype.gr, "DELETED", obj, obj)
        final = copy.deepcopy(cur)
        final["spec"]["finalizers"] = []
        cur2 = self.store.commit("namespaces", "MODIFIED", final, cur)
        self.store.commit("namespaces", "DELETED", cur2, cur2)
        return self._respond(ctx, 200, cur)

    def _delete_crd(self, ctx, old):
        """CRD deletion: its custom resources go first (the
        customresourcecleanup finalizer), then the CRD, then its endpoints."""
        obj = copy.deepcopy(old)
        obj["metadata"]["deletionTimestamp"] = meta.now_rfc3339()
        obj["metadata"]["deletionGracePeriodSeconds"] = 0
        cur = self.store.commit(CRDS.gr, "MODIFIED", obj, old)
        gone = self.store.commit(CRDS.gr, "DELETED", cur, cur)
        self._crd_removed(gone)
        return self._respond(ctx, 200, cur)

    def delete_collection(self, ctx, opts):
        t = ctx.t
        ls, fs = self.api.selectors(ctx.req, t)
        items = [o for o in self.store.list(t.rtype.gr, t.namespace)[0]
                 if self.api.matches(o, t, ls, fs)]
        out = []
        for o in items:
            sub = t.copy()
            sub.name = o["metadata"]["name"]
            sub_ctx = _Ctx(ctx.req, sub, ctx.dry, ctx.fv, ctx.manager)
            sub_ctx.t.namespace = o["metadata"].get("namespace") or None
            r = self.delete(sub_ctx, opts)
            if r.obj and r.obj.get("kind") != "Status":
                out.append(self.api.output(r.obj, t, strip_type=True))
            else:
                out.append(self.api.output(o, t, strip_type=True))
        return _resp(200, {"kind": t.rtype.list_kind, "apiVersion":
                           t.rtype.api_version(t.version),
                           "metadata": {"resourceVersion": str(self.store.rv)}, "items": out})

    # --- CRDs ---

    def _crd_changed(self, stored):
        """Serves (or re-serves) a CRD's resource, and records the names
        outcome in its status as the CRD controllers would."""
        conflict = self.registry.set_crd(stored)
        status = CRDS.established_status(stored, conflict)
        if stored.get("status", {}).get("conditions") and \
                _conds(stored["status"]) == _conds(status):
            return stored
        new = copy.deepcopy(stored)
        new["status"] = status
        return self.store.commit(CRDS.gr, "MODIFIED", new, stored)

    def _crd_removed(self, crd):
        rtype = self.registry.remove_crd(crd["metadata"]["name"])
        if rtype is None:
            return
        for obj in self.store.list(rtype.gr)[0]:
            self.store.commit(rtype.gr, "DELETED", obj, obj)
        self.store.drop_resource(rtype.gr)
        self.store.close_watchers(rtype.gr, "resource removed")


class _ServiceAllocations:
    """What Services hold, for the allocators, kept by the store on every
    commit (an index instead of a scan of every Service per create): how
    many Services use each ClusterIP and each node port (node ports and
    healthCheckNodePort)."""

    def __init__(self):
        self.ips = collections.Counter()
        self.ports = collections.Counter()

    def reset(self, services):
        self.ips.clear()
        self.ports.clear()
        for s in services:
            self._count(s, 1)

    def update(self, old, new):
        if old is not None and new is not None and _same_allocations(old, new):
            return
        if old is not None:
            self._count(old, -1)
        if new is not None:
            self._count(new, 1)

    def _count(self, svc, n):
        spec = svc.get("spec")
        if not isinstance(spec, dict):
            return
        ip = spec.get("clusterIP")
        if isinstance(ip, str):
            self.ips[ip] += n
        for p in spec.get("ports") or []:
            if isinstance(p, dict) and p.get("nodePort") and _hashable(p["nodePort"]):
                self.ports[p["nodePort"]] += n
        hc = spec.get("healthCheckNodePort")
        if hc and _hashable(hc):
            self.ports[hc] += n


def _same_allocations(a, b):
    sa, sb = a.get("spec"), b.get("spec")
    if sa is sb:
        return True
    if not isinstance(sa, dict) or not isinstance(sb, dict):
        return False
    return sa.get("clusterIP") == sb.get("clusterIP") and \
        sa.get("ports") == sb.get("ports") and \
        sa.get("healthCheckNodePort") == sb.get("healthCheckNodePort")


def _hashable(v):
    return isinstance(v, (int, str, float))


class _Ctx:
    def __init__(self, req, t, dry, fv, manager):
        # A private copy: deletecollection re-targets it per object.
        self.req, self.t, self.dry, self.fv, self.manager = req, t.copy(), dry, fv, manager


def _conds(status):
    return [(c.get("type"), c.get("status")) for c in status.get("conditions") or []] + \
        [json.dumps(status.get("acceptedNames"), sort_keys=True), status.get("storedVersions")]


def _same(a, b):
    """Equal apart from resourceVersion and managedFields timestamps: such an
    update writes nothing and keeps the resourceVersion, as in etcd3's
    GuaranteedUpdate."""
    def norm(o):
        md = {k: v for k, v in o.get("metadata", {}).items()
              if k not in ("resourceVersion", "managedFields")}
        mf = [{k: v for k, v in e.items() if k != "time"}
              for e in o.get("metadata", {}).get("managedFields") or []]
        return dict(o, metadata=md), mf
    return norm(a) == norm(b)


def _decode(req, optional=False, t=None):
    if not req.body:
        if optional:
            return None
        raise errors.bad_request("the body of the request was empty")
    ctype = req.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if ctype == "application/vnd.kubernetes.protobuf" and t is not None:
        from . import k8sproto
        return k8sproto.decode_object(req.body, t.rtype.api_version(t.version), t.rtype.kind)
    if ctype not in ("application/json", "application/yaml", "", "*/*", "text/plain"):
        raise errors.unsupported_media(["application/json", "application/yaml"])
    try:
        return json.loads(req.body)
    except ValueError as e:
        raise errors.bad_request(f"couldn't get version/kind; json parse error: {e}") from None


def _resp(code, obj, headers=()):
    return Response(code, obj, headers=list(headers))

