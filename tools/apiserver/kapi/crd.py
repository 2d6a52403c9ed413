"""apiextensions.k8s.io/v1 CustomResourceDefinitions and the custom
resource types they define. A CRD is established at once (the real
server's controllers do it within milliseconds); its served versions
appear in discovery and its resources are served by CustomResourceType."""
import copy

from . import builtin_schemas, cel, jsonpath, meta, schema
from .jsonutil import clone
from .types import AGE_COLUMN, NAME_COLUMN, ResourceType, col


class CustomResourceDefinitions(ResourceType):
    group, resource, kind, namespaced = "apiextensions.k8s.io", "customresourcedefinitions", \
        "CustomResourceDefinition", False
    short_names = ("crd", "crds")
    known_fields = builtin_schemas.CRD
    categories = ("api-extensions",)
    status_subresource = True
    sets_generation = True

    def reset_status(self, obj):
        obj["status"] = {}

    def default(self, obj, old, version, ctx):
        spec = obj.setdefault("spec", {})
        names = spec.setdefault("names", {})
        if isinstance(names.get("kind"), str):
            names.setdefault("singular", names["kind"].lower())
            names.setdefault("listKind", names["kind"] + "List")
        spec.setdefault("conversion", {"strategy": "None"})
        for v in spec.get("versions") or []:
            if isinstance(v, dict):
                v.setdefault("served", True)
                v.setdefault("storage", False)
        return []

    def validate(self, obj, old, version, status_only=False):
        causes = super().validate(obj, old, version)
        if status_only:
            return causes
        c = causes.append
        spec = obj.get("spec", {})
        group = spec.get("group", "")
        names = spec.get("names", {})
        plural = names.get("plural", "")
        if not group or "." not in group or not meta.is_dns1123_subdomain(group):
            c(("FieldValueInvalid", "spec.group", f'Invalid value: "{group}": should be a '
               "domain with at least one dot"))
        if not plural or not meta.is_dns1123_label(plural):
            c(("FieldValueRequired" if not plural else "FieldValueInvalid",
               "spec.names.plural", "Required value" if not plural else
               f'Invalid value: "{plural}": a lowercase RFC 1123 label'))
        if not names.get("kind"):
            c(("FieldValueRequired", "spec.names.kind", "Required value"))
        if obj["metadata"].get("name") != f"{plural}.{group}":
            c(("FieldValueInvalid", "metadata.name", f'Invalid value: '
               f'"{obj["metadata"].get("name")}": must be spec.names.plural+"."+spec.group'))
        if spec.get("scope") not in ("Namespaced", "Cluster"):
            c(("FieldValueNotSupported", "spec.scope", f'Unsupported value: '
               f'"{spec.get("scope")}": supported values: "Cluster", "Namespaced"'))
        if old is not None:
            o = old.get("spec", {})
            if spec.get("scope") != o.get("scope"):
                c(("FieldValueInvalid", "spec.scope", f'Invalid value: "{spec.get("scope")}": '
                   "field is immutable"))
            if group != o.get("group"):
                c(("FieldValueInvalid", "spec.group", f'Invalid value: "{group}": field is '
                   "immutable"))
        # ValidateCustomResourceConversion (field names of the internal
        # API, which the v1 webhook block is converted to)
        conv = spec.get("conversion") or {}
        strategy = conv.get("strategy")
        if strategy not in ("None", "Webhook"):
            c(("FieldValueNotSupported", "spec.conversion.strategy", f'Unsupported value: '
               f'"{strategy}": supported values: "None", "Webhook"'))
        hook = conv.get("webhook") or {}
        if strategy == "Webhook":
            if not hook.get("clientConfig"):
                c(("FieldValueRequired", "spec.conversion.webhookClientConfig",
                   "Required value: required when strategy is set to Webhook"))
            if not hook.get("conversionReviewVersions"):
                c(("FieldValueRequired", "spec.conversion.conversionReviewVersions",
                   "Required value: must contain at least one version"))
        else:
            if hook.get("clientConfig"):
                c(("FieldValueForbidden", "spec.conversion.webhookClientConfig",
                   "Forbidden: should not be set when strategy is not set to Webhook"))
            if hook.get("conversionReviewVersions"):
                c(("FieldValueForbidden", "spec.conversion.conversionReviewVersions",
                   "Forbidden: should not be set when strategy is not set to Webhook"))
        versions = spec.get("versions") or []
        if not versions:
            c(("FieldValueRequired", "spec.versions", "Required value: must have exactly one "
               "version marked as storage version"))
        if sum(1 for v in versions if isinstance(v, dict) and v.get("storage")) != 1:
            c(("FieldValueInvalid", "spec.versions", "Invalid value: must have exactly one "
               "version marked as storage version"))
        for i, v in enumerate(versions):
            f = f"spec.versions[{i}]"
            if not isinstance(v, dict) or not meta.is_dns1123_label(v.get("name", "")):
                c(("FieldValueInvalid", f"{f}.name", "Invalid value: must be a DNS-1035 label"))
                continue
            s = (v.get("schema") or {}).get("openAPIV3Schema")
            if not isinstance(s, dict):
                c(("FieldValueRequired", f"{f}.schema.openAPIV3Schema",
                   "Required value: schemas are required"))
                continue
            if s.get("type") != "object":
                c(("FieldValueInvalid", f"{f}.schema.openAPIV3Schema.type",
                   f'Invalid value: "{s.get("type", "")}": must be object at the root'))
            for field, msg in schema.structural_errors(s, f"{f}.schema.openAPIV3Schema"):
                c(("FieldValueInvalid", field, msg))
            for field, msg in cel.RuleSet(s, f"{f}.schema.openAPIV3Schema").errors:
                c(("FieldValueInvalid", field, msg))
            for j, pc in enumerate(v.get("additionalPrinterColumns") or []):
                pf = f"{f}.additionalPrinterColumns[{j}]"
                for req in ("name", "type", "jsonPath"):
                    if not pc.get(req):
                        c(("FieldValueRequired", f"{pf}.{req}", "Required value"))
                if pc.get("type") and pc["type"] not in ("integer", "number", "string",
                                                         "boolean", "date"):
                    c(("FieldValueNotSupported", f"{pf}.type", f'Unsupported value: '
                       f'"{pc["type"]}": supported values: "boolean", "date", "integer", '
                       '"number", "string"'))
                try:
                    jsonpath.parse(pc.get("jsonPath", "."))
                except jsonpath.JSONPathError:
                    c(("FieldValueInvalid", f"{pf}.jsonPath", f'Invalid value: '
                       f'"{pc.get("jsonPath")}": must be a simple json path'))
        return causes

    def established_status(self, obj, conflict=None):
        """The status the real CRD controllers converge to."""
        spec = obj["spec"]
        now = meta.now_rfc3339()
        ok = conflict is None
        conds = [
            {"type": "NamesAccepted", "status": "True" if ok else "False",
             "lastTransitionTime": now, "reason": "NoConflicts" if ok else "NameConflict",
             "message": "no conflicts found" if ok else conflict},
            {"type": "Established", "status": "True" if ok else "False",
             "lastTransitionTime": now, "reason": "InitialNamesAccepted" if ok else
             "NotAccepted", "message": "the initial names have been accepted" if ok else
             "not all names are accepted"},
        ]
        old = obj.get("status", {})
        stored = list(old.get("storedVersions") or [])
        for v in spec.get("versions") or []:
            if v.get("storage") and v["name"] not in stored:
                stored.append(v["name"])
        return {"conditions": conds, "acceptedNames": copy.deepcopy(spec["names"]) if ok else
                old.get("acceptedNames", {"plural": "", "kind": ""}), "storedVersions": stored}

    def columns(self, version):
        return [NAME_COLUMN, col("Created At", "date", description="CreationTimestamp")]

    def cells(self, obj, version):
        return [obj["metadata"]["name"], obj["metadata"].get("creationTimestamp", "")]


class CustomResourceType(ResourceType):
    """The resource a CRD defines, with the customresource registry's
    strategy: status and generation rules, schema pruning, defaulting and
    validation, and additionalPrinterColumns."""

    sets_generation = True

    def __init__(self, crd):
        spec = crd["spec"]
        self.crd_name = crd["metadata"]["name"]
        self.group = spec["group"]
        names = spec["names"]
        self.resource = names["plural"]
        self.kind = names["kind"]
        self._list_kind = names.get("listKind") or self.kind + "List"
        self.singular = names.get("singular") or self.kind.lower()
        self.short_names = tuple(names.get("shortNames") or ())
        self.categories = tuple(names.get("categories") or ())
        self.namespaced = spec.get("scope") == "Namespaced"
        self.by_version = {v["name"]: v for v in spec.get("versions") or []}
        self.versions = tuple(v["name"] for v in spec.get("versions") or [] if v.get("served"))
        self.storage_version = next(v["name"] for v in spec["versions"] if v.get("storage"))
        self.status_subresource = any("status" in (v.get("subresources") or {})
                                      for v in spec["versions"])
        self.selectable = tuple(s.get("jsonPath", "").lstrip(".")
                                for s in spec.get("selectableFields") or [])
        self.merge_keys = {}
        self.rule_sets = {v: cel.RuleSet(self.schema(v)) for v in self.by_version}
        self._warnings = {}
        for v in self.versions:
            d = self.by_version[v]
            if d.get("deprecated"):
                self._warnings[v] = (d.get("deprecationWarning") or
                                     _default_deprecation(spec, v),)

    @property
    def list_kind(self):
        return self._list_kind

    def supports_smp(self):
        return False

    def has_status(self, version):
        return "status" in (self.by_version.get(version, {}).get("subresources") or {})

    def schema(self, version):
        return ((self.by_version.get(version) or {}).get("schema") or {}).get("openAPIV3Schema")

    def field_selectors(self):
        return super().field_selectors() + list(self.selectable)

    def spec_changed(self, obj, old):
        # Without a status subresource every non-metadata change is a spec change.
        if self.status_subresource:
            return super().spec_changed(obj, old)
        return {k: v for k, v in obj.items() if k != "metadata"} != \
            {k: v for k, v in old.items() if k != "metadata"}

    def prepare_status_update(self, obj, old):
        # customresource statusStrategy: the new object is the old one with
        # only .status taken from the request (metadata changes are dropped).
        status = obj.get("status")
        had = "status" in obj
        managed = obj["metadata"].get("managedFields")
        obj.clear()
        obj.update(clone(old))
        if managed is not None:
            obj["metadata"]["managedFields"] = managed
        if had:
            obj["status"] = status
        else:
            obj.pop("status", None)

    def warnings(self, version):
        return self._warnings.get(version, ())

    def to_storage(self, obj):
        """Conversion strategy None: the object is relabelled with the
        storage version and pruned by its schema. The storage version's
        defaults, which the real server applies whenever it reads the
        object from etcd, are applied once here."""
        av = self.api_version(self.storage_version)
        if obj.get("apiVersion") != av:
            obj["apiVersion"] = av
            schema.prune(self.schema(self.storage_version), obj)
        schema.apply_defaults(self.schema(self.storage_version), obj)

    def convert(self, obj, version):
        """The stored object read through another served version: relabelled
        (conversion None), then pruned by that version's schema, as the
        real server prunes the result of every conversion."""
        av = self.api_version(version)
        if obj.get("apiVersion") == av:
            return obj
        out = clone(obj)
        out["apiVersion"] = av
        schema.prune(self.schema(version), out)
        return out

    def prune(self, obj, version):
        return schema.prune(self.schema(version), obj)

    def default(self, obj, old, version, ctx):
        schema.apply_defaults(self.schema(version), obj)
        return []

    def validate(self, obj, old, version, status_only=False):
        causes = super().validate(obj, old, version)
        body = {k: v for k, v in obj.items() if k != "metadata"}
        s = self.schema(version) or {}
        s = dict(s, properties={k: v for k, v in (s.get("properties") or {}).items()
                                if k != "metadata"})
        schema.validate(s, body, "", causes)
        rules = self.rule_sets.get(version)
        if rules is not None and not rules.empty:
            if any(r in cel.BLOCKING for r, _, _ in causes):
                causes.append(cel.NOT_CHECKED)
            else:
                if old is not None:
                    old = self.convert(old, version)
                rules.validate(obj, old, "", causes)
        return causes

    def columns(self, version):
        pcs = (self.by_version.get(version) or {}).get("additionalPrinterColumns")
        if pcs is None:
            return [NAME_COLUMN, AGE_COLUMN]
        return [NAME_COLUMN] + [
            col(pc["name"], pc["type"], pc.get("format", ""), pc.get("description") or
                f"Custom resource definition column (in JSONPath format): {pc['jsonPath']}",
                pc.get("priority", 0)) for pc in pcs]

    def cells(self, obj, version):
        pcs = (self.by_version.get(version) or {}).get("additionalPrinterColumns")
        if pcs is None:
            return [obj["metadata"]["name"], meta.age(obj)]
        out = [obj["metadata"]["name"]]
        for pc in pcs:
            try:
                found = jsonpath.find(jsonpath.parse(pc["jsonPath"]), obj)
            except jsonpath.JSONPathError:
                found = []
            out.append(_cell(pc["type"], found[0]) if found else None)
        return out


def _default_deprecation(spec, version):
    """apiextensions' defaultDeprecationWarning: the newest served version
    that is not deprecated, by Kubernetes version priority."""
    from .registry import version_priority   # registry imports this module
    kind, group = spec["names"]["kind"], spec["group"]
    msg = f"{group}/{version} {kind} is deprecated"
    newer = [v["name"] for v in spec.get("versions") or []
             if v.get("served") and not v.get("deprecated") and
             version_priority(v["name"]) < version_priority(version)]
    if newer:
        msg += f"; use {group}/{min(newer, key=version_priority)} {kind}"
    return msg


def _cell(typ, value):
    """tableconvertor.cellForJSONValue: a value of the wrong type is null."""
    if value is None:
        return None
    if typ == "string":
        if isinstance(value, (list, dict)):
            # JSONPath.PrintResults: maps and slices are printed as JSON
            # (Go's json.Marshal: compact, <>& escaped)
            import json
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False).replace(
                "<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return jsonpath.text(value)
    if typ == "integer" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    if typ == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if typ == "boolean" and isinstance(value, bool):
        return value
    if typ == "date" and isinstance(value, str):
        import time
        ts = meta.parse_rfc3339(value)
        return meta.human_duration(time.time() - ts) if ts is not None else "<invalid>"
    return None
