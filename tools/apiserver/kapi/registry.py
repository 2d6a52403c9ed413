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

    def all(self):
        with self.lock:
            return self.static + list(self.custom.values())

    def lookup(self, group, version, resource):
        key = (group, version, resource)
        cache = self._lookups
        if key in cache:
            return cache[key]
        found = None
        for t in self.all():
            if t.group == group and t.resource == resource and version in t.versions:
                found = t
                break
        if len(cache) < 4096:   # URLs carry arbitrary names: bounded
            cache[key] = found
        return found

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
