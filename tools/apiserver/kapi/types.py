"""Resource types: what a REST endpoint stores and how its strategy
normalises, defaults, validates and prints objects. Built-in types live in
builtins.py, custom resources in crd.py; both subclass ResourceType."""
from . import meta, schema
from .jsonutil import clone
from .selectors import field_value

ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def col(name, type_="string", fmt="", description="", priority=0):
    return {"name": name, "type": type_, "format": fmt, "description": description,
            "priority": priority}


NAME_COLUMN = col("Name", fmt="name", description="Name must be unique within a namespace. "
                  "Is required when creating resources, although some resources may allow a "
                  "client to request the generation of an appropriate name automatically. "
                  "Name is primarily intended for creation idempotence and configuration "
                  "definition. Cannot be updated.")
AGE_COLUMN = col("Age", description="CreationTimestamp is a timestamp representing the server "
                 "time when this object was created.")


class ResourceType:
    """One resource (plural) of one API group; `versions` are the served
    versions, all stored the same way (no conversion is needed here)."""

    group = ""
    versions = ("v1",)
    resource = ""
    kind = ""
    namespaced = True
    short_names = ()
    categories = ()
    singular = None
    status_subresource = False
    return_deleted = False       # DELETE answers the object, not a Status
    allow_create_on_update = False
    merge_keys = {}              # strategic-merge-patch list keys, see patch.py
    extra_field_selectors = ()
    sets_generation = False
    name_check = staticmethod(meta.is_dns1123_subdomain)
    verbs = ALL_VERBS

    @property
    def gr(self):
        return f"{self.resource}.{self.group}" if self.group else self.resource

    @property
    def list_kind(self):
        return self.kind + "List"

    def api_version(self, version):
        return f"{self.group}/{version}" if self.group else version

    @property
    def singular_name(self):
        return self.singular or self.kind.lower()

    def supports_smp(self):
        return True

    def field_selectors(self):
        base = ["metadata.name", "metadata.namespace"] if self.namespaced else ["metadata.name"]
        return base + list(self.extra_field_selectors)

    def field_set(self, obj):
        return {f: field_value(obj, f) for f in self.field_selectors()}

    # --- strategy: each mutates `obj` (a private copy) in place ---

    def decode(self, obj, version):
        """What decoding the JSON into the Go type does beyond dropping
        unknown fields (e.g. []byte fields read as base64): raises ApiError
        400 as the real decoder fails, else normalises obj in place. Runs
        on every body written: create, update, and the result of a patch
        or an apply."""

    def prepare_create(self, obj):
        if self.status_subresource:
            self.reset_status(obj)
        if self.sets_generation:
            obj["metadata"]["generation"] = 1

    def reset_status(self, obj):
        obj.pop("status", None)

    def prepare_update(self, obj, old):
        """Main endpoint: with a status subresource, status changes are ignored."""
        if self.status_subresource:
            if "status" in old:
                obj["status"] = clone(old["status"])
            else:
                obj.pop("status", None)

    def update_generation(self, obj, old):
        """After defaulting and validation (the real strategy's
        PrepareForUpdate sees the decoded, defaulted object): +1 when
        anything but metadata and status changed."""
        if self.sets_generation and self.spec_changed(obj, old):
            obj["metadata"]["generation"] = old["metadata"].get("generation", 0) + 1

    def to_storage(self, obj):
        """obj, written through any served version, as it is stored (custom
        resources: in the CRD's storage version)."""

    def convert(self, obj, version):
        """A stored object as `version` shows it (the same object when no
        conversion is needed)."""
        return obj

    def warnings(self, version):
        """Warning headers of every request to this version (deprecation)."""
        return ()

    def prepare_status_update(self, obj, old):
        """The /status endpoint: only status may change (spec is kept)."""
        for k in list(obj):
            if k not in ("metadata", "status", "apiVersion", "kind"):
                del obj[k]
        for k, v in old.items():
            if k not in ("metadata", "status", "apiVersion", "kind"):
                obj[k] = clone(v)

    def spec_changed(self, obj, old):
        def strip(o):
            return {k: v for k, v in o.items() if k not in ("metadata", "status", "apiVersion",
                                                              "kind")}
        return strip(obj) != strip(old)

    def default(self, obj, old, version, ctx):
        """Defaulting; `old` is None on create; ctx is the api.Api (for
        allocators that look at other objects). Returns warnings."""
        return []

    def validate(self, obj, old, version, status_only=False):
        """(reason, field, message) causes; empty when valid."""
        causes = []
        meta.validate_object_meta(obj.get("metadata", {}), self.namespaced, causes,
                                  self.name_check)
        if old is not None:
            for f in ("name", "namespace", "uid", "creationTimestamp"):
                if obj["metadata"].get(f) != old["metadata"].get(f):
                    causes.append(("FieldValueInvalid", f"metadata.{f}",
                                   f"Invalid value: {obj['metadata'].get(f)!r}: field is "
                                   "immutable"))
        return causes

    known_fields = None         # a schema of the JSON fields (builtin_schemas.py)
    _pruner = None

    def prune(self, obj, version):
        """Drops unknown fields; returns their paths for field validation."""
        if self.known_fields is None:
            return []
        if self._pruner is None or self._pruner[0] is not self.known_fields:
            self._pruner = (self.known_fields, schema.Pruner(self.known_fields))
        return self._pruner[1].prune(obj)

    # --- server-side printing (Accept: ...;as=Table) ---

    def columns(self, version):
        return [NAME_COLUMN, AGE_COLUMN]

    def cells(self, obj, version):
        return [obj["metadata"].get("name", ""), meta.age(obj)]
