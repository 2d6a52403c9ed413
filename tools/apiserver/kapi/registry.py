"""Which resource types are served: the built-ins plus one per established
CRD. Discovery documents are derived from here."""
import threading

from . import builtins
from .crd import CustomResourceDefinitions, CustomResourceType

CRDS = CustomResourceDefinitions()


class Registry:
    def __init__(self):
        self.lock = threading.RLock()
        self.static = list(builtins.BUILTIN_TYPES) + [CRDS]
        self.custom = {}   # crd name -> CustomResourceType
        self._lookups = {}  # (group, version, resource) -> type or None; reset on CRD changes
        # Built-in group/versions turned off, as kube-apiserver's
        # --runtime-config=G/V=false (or a server too old to have them):
        # absent from discovery, their paths 404.
        self.disabled = set()

    def all(self):
        with self.lock:
            static = self.static
            if self.disabled:
                static = [t for t in static
                          if any((t.group, v) not in self.disabled for v in t.versions)]
            return static + list(self.custom.values())

    def lookup(self, group, version, resource):
        key = (group, version, resource)
        cache = self._lookups
        if key in cache:
            return cache[key]
        found = None
        for t in self.all():
            if t.group == group and t.resource == resource and version in t.versions and \
                    (t in self.custom.values() or (group, version) not in self.disabled):
                found = t
                break
        if len(cache) < 4096:   # URLs carry arbitrary names: bounded
            cache[key] = found
        return found

    def builtin_group_versions(self):
        return {(t.group, v) for t in self.static if t.group for v in t.versions}

    def runtime_config(self, spec):
        """Applies kube-apiserver's --runtime-config syntax,
        "G/V=false,G/V=true" ("G/V" alone means true), to the built-in
        groups (the core group stays). Returns an error message or None."""
        known = self.builtin_group_versions()
        changes = []
        for item in filter(None, (x.strip() for x in spec.split(","))):
            gv, _, val = item.partition("=")
            group, _, version = gv.partition("/")
            val = val.strip().lower() or "true"
            if (group, version) not in known:
                return f"unknown api group version {gv!r} (built-in: " + \
                    ", ".join(sorted(f"{g}/{v}" for g, v in known)) + ")"
            if val not in ("true", "false"):
                return f"{gv}: {val!r} is not true or false"
            changes.append(((group, version), val == "false"))
        with self.lock:
            for gv, off in changes:
                (self.disabled.add if off else self.disabled.discard)(gv)
            self._lookups = {}
        return None

    def by_gr(self, gr):
        for t in self.all():
            if t.gr == gr:
                return t
        return None

    def group_versions(self):
        """{group: [versions in preference order]}, core group excluded."""
        out = {}
        for t in self.all():
            if not t.group:
                continue
            vs = out.setdefault(t.group, [])
            for v in t.versions:
                if v not in vs:
                    vs.append(v)
        for g, vs in out.items():
            vs.sort(key=version_priority)
        return out

    def set_crd(self, crd):
        """(Re)serves a CRD's resource; returns a name-conflict message or None."""
        name = crd["metadata"]["name"]
        new = CustomResourceType(crd)
        with self.lock:
            for t in self.all():
                if getattr(t, "crd_name", None) == name or t.group != new.group:
                    continue
                if t.resource == new.resource or t.kind == new.kind:
                    return f'"{new.resource}" is already in use'
            self.custom[name] = new
            self._lookups = {}
        return None

    def remove_crd(self, name):
        with self.lock:
            gone = self.custom.pop(name, None)
            self._lookups = {}
            return gone


def version_priority(v):
    """Kubernetes version priority: GA > beta > alpha, higher numbers first,
    then non-Kubernetes versions alphabetically (apimachinery CompareKubeAwareVersionStrings)."""
    import re
    m = re.match(r"^v(\d+)(?:(alpha|beta)(\d+))?$", v)
    if not m:
        return (3, 0, 0, v)
    major, stage, minor = int(m[1]), m[2], int(m[3] or 0)
    rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (rank, -major, -minor, v)
