"""The built-in types served: core/v1 Namespaces, Services (+status),
Endpoints, Events, Nodes (+status), Secrets; discovery.k8s.io/v1 EndpointSlices;
coordination.k8s.io/v1 Leases. Defaulting and validation cover what the
real strategies (pkg/registry/..., pkg/apis/core/validation) check for the
fields a load balancer reads and writes; other fields are stored as sent."""
import ipaddress
import json
import re

from . import builtin_schemas as bs
from . import errors, gobytes, meta
from .types import AGE_COLUMN, NAME_COLUMN, ResourceType, col

_COMMON_KEYS = {".metadata.ownerReferences": "uid", ".metadata.finalizers": ""}


def _ip_ok(s):
    if isinstance(s, str) and _IPV4.fullmatch(s):
        return True  # the common case, without ipaddress's object
    try:
        ipaddress.ip_address(s)
        return True
    except (ValueError, TypeError):
        return False


# Exactly the dotted quads ipaddress.IPv4Address accepts (no leading zeros).
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


class Namespaces(ResourceType):
    known_fields = bs.NAMESPACE
    resource, kind, namespaced = "namespaces", "Namespace", False
    short_names = ("ns",)
    status_subresource = True
    return_deleted = True
    extra_field_selectors = ("status.phase",)
    name_check = staticmethod(meta.is_dns1123_label)
    merge_keys = dict(_COMMON_KEYS)

    def reset_status(self, obj):
        obj["status"] = {"phase": "Active"}

    def default(self, obj, old, version, ctx):
        md = obj["metadata"]
        # The NamespaceDefaultLabelName feature: the label always mirrors the name.
        md.setdefault("labels", {})["kubernetes.io/metadata.name"] = md.get("name", "")
        spec = obj.setdefault("spec", {})
        if old is None:
            spec.setdefault("finalizers", ["kubernetes"])
        elif "finalizers" not in spec:
            spec["finalizers"] = old.get("spec", {}).get("finalizers", [])
        obj.setdefault("status", {}).setdefault("phase", "Active")
        return []

    def columns(self, version):
        return [NAME_COLUMN, col("Status", description="The status of the namespace"),
                AGE_COLUMN]

    def cells(self, obj, version):
        return [obj["metadata"]["name"], obj.get("status", {}).get("phase", ""), meta.age(obj)]


SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
NODE_PORT_RANGE = (30000, 32767)


class Services(ResourceType):
    known_fields = bs.SERVICE
    resource, kind = "services", "Service"
    short_names = ("svc",)
    categories = ("all",)
    status_subresource = True
    return_deleted = True
    name_check = staticmethod(meta.is_dns1123_label)
    merge_keys = dict(_COMMON_KEYS, **{".spec.ports": "port", ".status.conditions": "type"})

    def reset_status(self, obj):
        obj["status"] = {"loadBalancer": {}}

    def prepare_status_update(self, obj, old):
        super().prepare_status_update(obj, old)
        for ing in obj.get("status", {}).get("loadBalancer", {}).get("ingress") or []:
            # LoadBalancerIPMode (beta, on by default since 1.30) defaults ipMode.
            if isinstance(ing, dict) and ing.get("ip") and "ipMode" not in ing:
                ing["ipMode"] = "VIP"

    @staticmethod
    def _needs_node_ports(spec):
        t = spec.get("type")
        return t == "NodePort" or (t == "LoadBalancer" and
                                   spec.get("allocateLoadBalancerNodePorts", True))

    def default(self, obj, old, version, ctx):
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        if old is not None:
            self._patch_allocated(spec, old.get("spec", {}))
        t = spec["type"]
        ports = spec.get("ports") or []
        for p in ports:
            if isinstance(p, dict):
                p.setdefault("protocol", "TCP")
                if "port" in p and p.get("targetPort") in (None, 0, ""):
                    p["targetPort"] = p["port"]
        if t == "ExternalName":
            return []
        spec.setdefault("sessionAffinity", "None")
        if not spec.get("clusterIP"):
            ip = ctx.alloc_cluster_ip()
            if ip:
                spec["clusterIP"] = ip
        if spec.get("clusterIP") and not spec.get("clusterIPs"):
            spec["clusterIPs"] = [spec["clusterIP"]]
        if spec.get("clusterIP") and spec["clusterIP"] != "None":
            fam = "IPv6" if ":" in spec["clusterIP"] else "IPv4"
            spec.setdefault("ipFamilies", [fam])
        else:
            spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
        if t in ("NodePort", "LoadBalancer"):
            spec.setdefault("externalTrafficPolicy", "Cluster")
        if t == "LoadBalancer":
            spec.setdefault("allocateLoadBalancerNodePorts", True)
        if self._needs_node_ports(spec):
            for p in ports:
                if isinstance(p, dict) and not p.get("nodePort"):
                    p["nodePort"] = ctx.alloc_node_port()
        if t == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local" and \
                not spec.get("healthCheckNodePort"):
            spec["healthCheckNodePort"] = ctx.alloc_node_port()
        return []

    def _patch_allocated(self, spec, old):
        """Like the registry's patchAllocatedValues/dropTypeDependentFields:
        an update that omits allocated values keeps them, and a type change
        drops the fields the new type cannot have, if the client left them."""
        if not spec.get("clusterIP") and old.get("clusterIP") and spec["type"] != "ExternalName":
            spec["clusterIP"] = old["clusterIP"]
            spec.setdefault("clusterIPs", old.get("clusterIPs", [old["clusterIP"]]))
        if self._needs_node_ports(spec) and self._needs_node_ports(old):
            by_port = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
                       for p in old.get("ports") or [] if isinstance(p, dict)}
            for p in spec.get("ports") or []:
                if isinstance(p, dict) and not p.get("nodePort"):
                    np = by_port.get((p.get("port"), p.get("protocol", "TCP")))
                    if np:
                        p["nodePort"] = np
        if not self._needs_node_ports(spec) and self._needs_node_ports(old):
            old_np = {p.get("nodePort") for p in old.get("ports") or [] if isinstance(p, dict)}
            for p in spec.get("ports") or []:
                if isinstance(p, dict) and p.get("nodePort") in old_np:
                    p.pop("nodePort", None)
        if spec["type"] != "LoadBalancer" and old.get("type") == "LoadBalancer":
            for f in ("allocateLoadBalancerNodePorts", "loadBalancerClass", "healthCheckNodePort"):
                if spec.get(f) == old.get(f):
                    spec.pop(f, None)
        if spec["type"] not in ("NodePort", "LoadBalancer") and \
                spec.get("externalTrafficPolicy") == old.get("externalTrafficPolicy"):
            spec.pop("externalTrafficPolicy", None)
        if spec["type"] == "LoadBalancer" and old.get("type") == "LoadBalancer" and \
                spec.get("externalTrafficPolicy") == "Local" and \
                not spec.get("healthCheckNodePort"):
            spec["healthCheckNodePort"] = old.get("healthCheckNodePort")

    def validate(self, obj, old, version, status_only=False):
        causes = super().validate(obj, old, version)
        spec = obj.get("spec", {})
        t = spec.get("type")
        c = causes.append
        if t not in SERVICE_TYPES:
            c(("FieldValueNotSupported", "spec.type", f'Unsupported value: "{t}": supported '
               'values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'))
        ports = spec.get("ports") or []
        if not ports and t != "ExternalName" and spec.get("clusterIP") != "None":
            c(("FieldValueRequired", "spec.ports", "Required value"))
        names, keys = set(), set()
        for i, p in enumerate(ports):
            f = f"spec.ports[{i}]"
            if not isinstance(p, dict):
                c(("FieldValueTypeInvalid", f, "Invalid value: must be an object"))
                continue
            port = p.get("port")
            if not isinstance(port, int) or not 1 <= port <= 65535:
                c(("FieldValueInvalid", f"{f}.port",
                   f"Invalid value: {port}: must be between 1 and 65535, inclusive"))
            if p.get("protocol") not in ("TCP", "UDP", "SCTP"):
                c(("FieldValueNotSupported", f"{f}.protocol", f'Unsupported value: '
                   f'"{p.get("protocol")}": supported values: "SCTP", "TCP", "UDP"'))
            name = p.get("name", "")
            if len(ports) > 1 and not name:
                c(("FieldValueRequired", f"{f}.name", "Required value"))
            elif name and not meta.is_dns1123_label(name):
                c(("FieldValueInvalid", f"{f}.name", f'Invalid value: "{name}": a lowercase '
                   "RFC 1123 label must consist of lower case alphanumeric characters or '-'"))
            if name and name in names:
                c(("FieldValueDuplicate", f"{f}.name", f'Duplicate value: "{name}"'))
            names.add(name)
            key = (port, p.get("protocol"))
            if key in keys:
                c(("FieldValueDuplicate", f, f"Duplicate value: {{port: {port}, protocol: "
                   f"{p.get('protocol')}}}"))
            keys.add(key)
            np = p.get("nodePort")
            if np:
                if t in ("ClusterIP", "ExternalName"):
                    c(("FieldValueForbidden", f"{f}.nodePort",
                       f"Forbidden: may not be used when `type` is '{t}'"))
                elif not isinstance(np, int) or not NODE_PORT_RANGE[0] <= np <= NODE_PORT_RANGE[1]:
                    c(("FieldValueInvalid", f"{f}.nodePort", f"Invalid value: {np}: provided "
                       "port is not in the valid range. The range of valid ports is "
                       f"{NODE_PORT_RANGE[0]}-{NODE_PORT_RANGE[1]}"))
        if t == "ExternalName" and not meta.is_dns1123_subdomain(spec.get("externalName", "")):
            c(("FieldValueRequired", "spec.externalName", "Required value"))
        cip = spec.get("clusterIP")
        if cip and cip != "None" and not _ip_ok(cip):
            c(("FieldValueInvalid", "spec.clusterIPs[0]", f'Invalid value: "{cip}": must be a '
               "valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
        if old is not None and old.get("spec", {}).get("clusterIP") and \
                t != "ExternalName" and old["spec"].get("type") != "ExternalName" and \
                cip != old["spec"]["clusterIP"]:
            c(("FieldValueInvalid", "spec.clusterIPs[0]",
               f'Invalid value: "{cip}": may not change once set'))
        lbip = spec.get("loadBalancerIP")
        if lbip:
            if t != "LoadBalancer":
                c(("FieldValueForbidden", "spec.loadBalancerIP",
                   "Forbidden: may only be used when `type` is 'LoadBalancer'"))
            elif not _ip_ok(lbip):
                c(("FieldValueInvalid", "spec.loadBalancerIP",
                   f'Invalid value: "{lbip}": must be a valid IP address'))
        lbc = spec.get("loadBalancerClass")
        if lbc is not None:
            if t != "LoadBalancer":
                c(("FieldValueForbidden", "spec.loadBalancerClass",
                   "Forbidden: may only be used when `type` is 'LoadBalancer'"))
            elif meta.label_key_error(lbc) or "/" not in lbc:
                c(("FieldValueInvalid", "spec.loadBalancerClass", f'Invalid value: "{lbc}": '
                   "name part must consist of alphanumeric characters and must have a prefix"))
        if old is not None and old.get("spec", {}).get("type") == "LoadBalancer" and \
                t == "LoadBalancer" and lbc != old["spec"].get("loadBalancerClass"):
            c(("FieldValueInvalid", "spec.loadBalancerClass",
               f'Invalid value: "{lbc}": may not change once set'))
        etp = spec.get("externalTrafficPolicy")
        if etp is not None:
            if t not in ("NodePort", "LoadBalancer"):
                c(("FieldValueInvalid", "spec.externalTrafficPolicy", f'Invalid value: "{etp}": '
                   "may only be set when `type` is 'NodePort' or 'LoadBalancer'"))
            elif etp not in ("Cluster", "Local"):
                c(("FieldValueNotSupported", "spec.externalTrafficPolicy", f'Unsupported value: '
                   f'"{etp}": supported values: "Cluster", "Local"'))
        if spec.get("sessionAffinity", "None") not in ("None", "ClientIP"):
            c(("FieldValueNotSupported", "spec.sessionAffinity", 'Unsupported value: '
               f'"{spec.get("sessionAffinity")}": supported values: "ClientIP", "None"'))
        sel = spec.get("selector")
        if sel is not None and not isinstance(sel, dict):
            c(("FieldValueTypeInvalid", "spec.selector", "Invalid value: must be an object"))
        self._validate_status(obj, causes)
        return causes

    def _validate_status(self, obj, causes):
        lb = obj.get("status", {}).get("loadBalancer", {})
        for i, ing in enumerate(lb.get("ingress") or []):
            f = f"status.loadBalancer.ingress[{i}]"
            if not isinstance(ing, dict):
                causes.append(("FieldValueTypeInvalid", f, "Invalid value: must be an object"))
                continue
            if ing.get("ip") and not _ip_ok(ing["ip"]):
                causes.append(("FieldValueInvalid", f"{f}.ip",
                               f'Invalid value: "{ing["ip"]}": must be a valid IP address'))
            if ing.get("hostname") and _ip_ok(ing["hostname"]):
                causes.append(("FieldValueInvalid", f"{f}.hostname", f'Invalid value: '
                               f'"{ing["hostname"]}": must be a DNS name, not an IP address'))
            mode = ing.get("ipMode")
            if mode is not None:
                if not ing.get("ip"):
                    causes.append(("FieldValueForbidden", f"{f}.ipMode",
                                   "Forbidden: may not be specified when `ip` is not"))
                elif mode not in ("VIP", "Proxy"):
                    causes.append(("FieldValueNotSupported", f"{f}.ipMode", 'Unsupported '
                                   f'value: "{mode}": supported values: "Proxy", "VIP"'))
            for j, p in enumerate(ing.get("ports") or []):
                if not isinstance(p, dict) or not isinstance(p.get("port"), int):
                    causes.append(("FieldValueRequired", f"{f}.ports[{j}].port",
                                   "Required value"))
                elif p.get("protocol") not in ("TCP", "UDP", "SCTP"):
                    causes.append(("FieldValueNotSupported", f"{f}.ports[{j}].protocol",
                                   f'Unsupported value: "{p.get("protocol")}": supported '
                                   'values: "SCTP", "TCP", "UDP"'))

    def columns(self, version):
        return [NAME_COLUMN,
                col("Type", description="type determines how the Service is exposed."),
                col("Cluster-IP", description="clusterIP is the IP address of the service."),
                col("External-IP", description="externalIPs is a list of IP addresses for "
                    "which nodes in the cluster will also accept traffic for this service."),
                col("Port(s)", description="The list of ports that are exposed by this "
                    "service."),
                AGE_COLUMN,
                col("Selector", description="Route service traffic to pods with label keys "
                    "and values matching this selector.", priority=1)]

    def cells(self, obj, version):
        spec = obj.get("spec", {})
        t = spec.get("type", "ClusterIP")
        ext = list(spec.get("externalIPs") or [])
        if t == "LoadBalancer":
            ing = obj.get("status", {}).get("loadBalancer", {}).get("ingress") or []
            lb = [i.get("ip") or i.get("hostname") for i in ing if isinstance(i, dict)]
            ext = lb + ext if lb or ext else ["<pending>"]
        elif t == "ExternalName":
            ext = [spec.get("externalName", "")]
        ports = []
        for p in spec.get("ports") or []:
            s = str(p.get("port"))
            if p.get("nodePort"):
                s += f":{p['nodePort']}"
            ports.append(f"{s}/{p.get('protocol', 'TCP')}")
        sel = spec.get("selector") or {}
        return [obj["metadata"]["name"], t, spec.get("clusterIP") or "<none>",
                ",".join(x for x in ext if x) or "<none>", ",".join(ports) or "<none>",
                meta.age(obj), ",".join(f"{k}={v}" for k, v in sorted(sel.items())) or "<none>"]


class Endpoints(ResourceType):
    known_fields = bs.ENDPOINTS
    resource, kind = "endpoints", "Endpoints"
    short_names = ("ep",)
    allow_create_on_update = True
    singular = "endpoints"
    merge_keys = dict(_COMMON_KEYS)

    def columns(self, version):
        return [NAME_COLUMN, col("Endpoints", description="Endpoints is the list of "
                                 "endpoints in the service."), AGE_COLUMN]

    def cells(self, obj, version):
        eps = []
        for s in obj.get("subsets") or []:
            for a in s.get("addresses") or []:
                for p in s.get("ports") or [{}]:
                    eps.append(f"{a.get('ip')}:{p['port']}" if "port" in p else a.get("ip"))
        shown = ",".join(eps[:3]) + (f" + {len(eps) - 3} more..." if len(eps) > 3 else "")
        return [obj["metadata"]["name"], shown or "<none>", meta.age(obj)]


class Events(ResourceType):
    known_fields = bs.EVENT
    resource, kind = "events", "Event"
    short_names = ("ev",)
    extra_field_selectors = (
        "involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
        "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
        "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type")
    merge_keys = dict(_COMMON_KEYS)

    def field_set(self, obj):
        fs = super().field_set(obj)
        fs["source"] = obj.get("source", {}).get("component", "") or \
            obj.get("reportingComponent", "")
        return fs

    def validate(self, obj, old, version, status_only=False):
        causes = super().validate(obj, old, version)
        io = obj.get("involvedObject")
        ns = obj["metadata"].get("namespace")
        if isinstance(io, dict) and io.get("namespace") and io["namespace"] != ns:
            causes.append(("FieldValueInvalid", "involvedObject.namespace",
                           f'Invalid value: "{io["namespace"]}": does not match event.namespace'))
        if obj.get("type") not in (None, "", "Normal", "Warning"):
            causes.append(("FieldValueInvalid", "type", f'Invalid value: "{obj["type"]}": '
                           "has invalid value: " + str(obj["type"])))
        return causes

    def columns(self, version):
        return [col("Last Seen"), col("Type"), col("Reason"), col("Object"), col("Message"),
                col("Source", priority=1), col("First Seen", priority=1),
                col("Count", "integer", priority=1), col("Name", fmt="name", priority=1)]

    def cells(self, obj, version):
        last = obj.get("lastTimestamp") or obj.get("eventTime") or \
            obj["metadata"].get("creationTimestamp")
        first = obj.get("firstTimestamp") or obj.get("eventTime") or last
        ts = meta.parse_rfc3339(last)
        fs = meta.parse_rfc3339(first)
        import time
        io = obj.get("involvedObject", {})
        return [meta.human_duration(time.time() - ts) if ts else "<unknown>",
                obj.get("type", ""), obj.get("reason", ""),
                f"{io.get('kind', '').lower()}/{io.get('name', '')}", obj.get("message", ""),
                obj.get("source", {}).get("component", "") or obj.get("reportingComponent", ""),
                meta.human_duration(time.time() - fs) if fs else "<unknown>",
                obj.get("count", 1), obj["metadata"]["name"]]


class Nodes(ResourceType):
    known_fields = bs.NODE
    resource, kind, namespaced = "nodes", "Node", False
    short_names = ("no",)
    status_subresource = True
    extra_field_selectors = ("spec.unschedulable",)
    merge_keys = dict(_COMMON_KEYS, **{".status.addresses": "type", ".status.conditions": "type",
                                       ".spec.podCIDRs": ""})

    def reset_status(self, obj):
        # Kubelets register nodes with status; the node strategy keeps it on create.
        pass

    def columns(self, version):
        return [NAME_COLUMN, col("Status"), col("Roles"), AGE_COLUMN, col("Version"),
                col("Internal-IP", priority=1), col("External-IP", priority=1),
                col("OS-Image", priority=1), col("Kernel-Version", priority=1),
                col("Container-Runtime", priority=1)]

    def cells(self, obj, version):
        st = obj.get("status", {})
        ready = "Unknown"
        for cnd in st.get("conditions") or []:
            if cnd.get("type") == "Ready":
                ready = "Ready" if cnd.get("status") == "True" else "NotReady"
        if obj.get("spec", {}).get("unschedulable"):
            ready += ",SchedulingDisabled"
        roles = sorted(k.split("/", 1)[1] for k in obj["metadata"].get("labels", {})
                       if k.startswith("node-role.kubernetes.io/") and k.split("/", 1)[1])
        addrs = {a.get("type"): a.get("address") for a in st.get("addresses") or []}
        info = st.get("nodeInfo", {})
        return [obj["metadata"]["name"], ready, ",".join(roles) or "<none>", meta.age(obj),
                info.get("kubeletVersion", ""), addrs.get("InternalIP", "<none>"),
                addrs.get("ExternalIP", "<none>"), info.get("osImage", "<unknown>"),
                info.get("kernelVersion", "<unknown>"),
                info.get("containerRuntimeVersion", "<unknown>")]


# Secrets (pkg/apis/core/validation ValidateSecret, ValidateSecretUpdate;
# k8s.io/api/core/v1 MaxSecretSize).
MAX_SECRET_SIZE = 1024 * 1024
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_JSON_TYPE = {str: "string", bool: "bool", int: "number", float: "number", list: "array",
              dict: "object"}


def config_key_errors(key):
    """validation.IsConfigMapKey: why key may not name a Secret's (or
    ConfigMap's) entry."""
    out = []
    if len(key) > 253:
        out.append("must be no more than 253 characters")
    if not _CONFIG_KEY.match(key):
        out.append("a valid config key must consist of alphanumeric characters, '-', '_' or "
                   "'.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
                   "validation is '[-._a-zA-Z0-9]+')")
    if key == ".":
        out.append("must not be '.'")
    elif key == "..":
        out.append("must not be '..'")
    elif key.startswith(".."):
        out.append("must not start with '..'")
    return out


def _data(obj):
    return obj.get("data") or {}


def _has(key):
    return lambda obj: key in _data(obj)


def _nonempty(key):
    return lambda obj: bool(_data(obj).get(key))


def _either(*keys):
    return lambda obj: any(k in _data(obj) for k in keys)


def _annotated(key):
    return lambda obj: bool((obj["metadata"].get("annotations") or {}).get(key))


def _required(field):
    return ("FieldValueRequired", field, "Required value")


# Secret types with required contents: (what must hold, the causes when it
# does not), every rule checked; then, when all hold, the entry that must
# be JSON. Types not listed (Opaque, bootstrap tokens, any custom type)
# need nothing.
_TYPE_RULES = {
    "kubernetes.io/service-account-token": [
        (_annotated("kubernetes.io/service-account.name"),
         [_required("metadata.annotations[kubernetes.io/service-account.name]")])],
    "kubernetes.io/tls": [(_has("tls.crt"), [_required("data[tls.crt]")]),
                          (_has("tls.key"), [_required("data[tls.key]")])],
    "kubernetes.io/basic-auth": [(_either("username", "password"),
                                  [_required("data[username]"), _required("data[password]")])],
    "kubernetes.io/ssh-auth": [(_nonempty("ssh-privatekey"),
                                [_required("data[ssh-privatekey]")])],
    "kubernetes.io/dockercfg": [(_has(".dockercfg"), [_required("data[.dockercfg]")])],
    "kubernetes.io/dockerconfigjson": [(_has(".dockerconfigjson"),
                                        [_required("data[.dockerconfigjson]")])],
}
_JSON_KEYS = {"kubernetes.io/dockercfg": ".dockercfg",
              "kubernetes.io/dockerconfigjson": ".dockerconfigjson"}


class Secrets(ResourceType):
    known_fields = bs.SECRET
    resource, kind = "secrets", "Secret"
    merge_keys = dict(_COMMON_KEYS)

    def decode(self, obj, version):
        """What decoding into v1.Secret does: data values are base64
        ([]byte), stringData is merged into data and never stored (the v1
        conversion: "StringData overwrites Data")."""
        def bad(msg):
            return errors.bad_request(f'Secret in version "{version}" cannot be handled as a '
                                      f"Secret: {msg}")

        def type_error(v, field, gotype):
            return bad(f"json: cannot unmarshal {_JSON_TYPE.get(type(v), 'value')} into Go "
                       f"struct field Secret.{field} of type {gotype}")

        data, sdata = obj.get("data"), obj.pop("stringData", None)
        for field, v, gotype in (("data", data, "map[string][]uint8"),
                                 ("stringData", sdata, "map[string]string")):
            if v is not None and not isinstance(v, dict):
                raise type_error(v, field, gotype)
        if obj.get("type") is not None and not isinstance(obj["type"], str):
            raise type_error(obj["type"], "type", "v1.SecretType")
        if obj.get("immutable") is not None and not isinstance(obj["immutable"], bool):
            raise type_error(obj["immutable"], "immutable", "bool")
        out = {}
        for k, v in (data or {}).items():
            if v is None:
                v = ""
            if not isinstance(v, str):
                raise type_error(v, "data", "[]uint8")
            try:
                out[k] = gobytes.encode(gobytes.decode(v))
            except gobytes.CorruptInput as e:
                raise bad(str(e)) from None
        for k, v in (sdata or {}).items():
            if v is not None and not isinstance(v, str):
                raise type_error(v, "stringData", "string")
            out[k] = gobytes.encode((v or "").encode("utf-8"))
        if out:
            obj["data"] = dict(sorted(out.items()))   # as Go marshals a map
        else:
            obj.pop("data", None)   # omitempty
        if obj.get("immutable") is None:
            obj.pop("immutable", None)

    def default(self, obj, old, version, ctx):
        if not obj.get("type"):
            obj["type"] = "Opaque"
        return []

    def validate(self, obj, old, version, status_only=False):
        causes = super().validate(obj, old, version)
        c = causes.append
        data = obj.get("data") or {}
        t = obj.get("type", "Opaque")
        if old is not None:
            if t != old.get("type", "Opaque"):
                c(("FieldValueInvalid", "type", f'Invalid value: "{t}": field is immutable'))
            if old.get("immutable"):
                if not obj.get("immutable"):
                    c(("FieldValueForbidden", "immutable",
                       "Forbidden: field is immutable when `immutable` is set"))
                if data != (old.get("data") or {}):
                    c(("FieldValueForbidden", "data",
                       "Forbidden: field is immutable when `immutable` is set"))
        size = 0
        for k, v in data.items():
            for msg in config_key_errors(k):
                c(("FieldValueInvalid", f"data[{k}]", f'Invalid value: "{k}": {msg}'))
            size += len(gobytes.decode(v))
        if size > MAX_SECRET_SIZE:
            c(("FieldValueTooLong", "data",
               f"Too long: must have at most {MAX_SECRET_SIZE} bytes"))
        failed = [f for ok, fail in _TYPE_RULES.get(t, ()) if not ok(obj) for f in fail]
        causes.extend(failed)
        key = _JSON_KEYS.get(t)
        if key and not failed:
            try:
                json.loads(gobytes.decode(data[key]))
            except ValueError as e:
                c(("FieldValueInvalid", f"data[{key}]",
                   f'Invalid value: "<secret contents redacted>": {e}'))
        return causes

    def columns(self, version):
        return [NAME_COLUMN,
                col("Type", description="Used to facilitate programmatic handling of secret "
                    "data."),
                col("Data", description="Data contains the secret data."), AGE_COLUMN]

    def cells(self, obj, version):
        return [obj["metadata"]["name"], obj.get("type", ""), len(obj.get("data") or {}),
                meta.age(obj)]


class EndpointSlices(ResourceType):
    known_fields = bs.ENDPOINT_SLICE
    group, resource, kind = "discovery.k8s.io", "endpointslices", "EndpointSlice"
    merge_keys = dict(_COMMON_KEYS)

    def validate(self, obj, old, version, status_only=False):
        causes = super().validate(obj, old, version)
        at = obj.get("addressType")
        if at not in ("IPv4", "IPv6", "FQDN"):
            causes.append(("FieldValueNotSupported", "addressType", f'Unsupported value: '
                           f'"{at}": supported values: "FQDN", "IPv4", "IPv6"'))
        if old is not None and at != old.get("addressType"):
            causes.append(("FieldValueInvalid", "addressType",
                           f'Invalid value: "{at}": field is immutable'))
        for i, ep in enumerate(obj.get("endpoints") or []):
            addrs = ep.get("addresses") if isinstance(ep, dict) else None
            if not isinstance(addrs, list) or not 1 <= len(addrs) <= 100:
                causes.append(("FieldValueRequired", f"endpoints[{i}].addresses",
                               "Required value: must contain at least 1 address"))
                continue
            for j, a in enumerate(addrs):
                ok = _ip_ok(a) and (":" in a) == (at == "IPv6") if at != "FQDN" \
                    else meta.is_dns1123_subdomain(a)
                if not ok:
                    causes.append(("FieldValueInvalid", f"endpoints[{i}].addresses[{j}]",
                                   f'Invalid value: "{a}": must be a valid {at} address'))
        for i, p in enumerate(obj.get("ports") or []):
            port = p.get("port") if isinstance(p, dict) else None
            if port is not None and (not isinstance(port, int) or not 0 <= port <= 65535):
                causes.append(("FieldValueInvalid", f"ports[{i}].port",
                               f"Invalid value: {port}: must be between 0 and 65535, inclusive"))
        return causes

    def columns(self, version):
        return [NAME_COLUMN, col("AddressType"), col("Ports"), col("Endpoints"), AGE_COLUMN]

    def cells(self, obj, version):
        ports = [str(p["port"]) for p in obj.get("ports") or [] if p.get("port") is not None]
        addrs = [a for ep in obj.get("endpoints") or [] for a in ep.get("addresses") or []]
        shown = ",".join(addrs[:3]) + (f" + {len(addrs) - 3} more..." if len(addrs) > 3 else "")
        return [obj["metadata"]["name"], obj.get("addressType", ""),
                ",".join(ports) or ("<unset>" if obj.get("ports") else "<unset>"),
                shown or "<unset>", meta.age(obj)]


class Leases(ResourceType):
    known_fields = bs.LEASE
    group, resource, kind = "coordination.k8s.io", "leases", "Lease"
    merge_keys = dict(_COMMON_KEYS)

    def validate(self, obj, old, version, status_only=False):
        causes = super().validate(obj, old, version)
        spec = obj.get("spec", {})
        d = spec.get("leaseDurationSeconds")
        if d is not None and (not isinstance(d, int) or d <= 0):
            causes.append(("FieldValueInvalid", "spec.leaseDurationSeconds",
                           f"Invalid value: {d}: must be greater than 0"))
        t = spec.get("leaseTransitions")
        if t is not None and (not isinstance(t, int) or t < 0):
            causes.append(("FieldValueInvalid", "spec.leaseTransitions",
                           f"Invalid value: {t}: must be greater than or equal to 0"))
        for f in ("acquireTime", "renewTime"):
            if spec.get(f) is not None and meta.parse_rfc3339(spec[f]) is None:
                causes.append(("FieldValueInvalid", f"spec.{f}",
                               f'Invalid value: "{spec[f]}": must be an RFC 3339 MicroTime'))
        return causes

    def columns(self, version):
        return [NAME_COLUMN, col("Holder", description="HolderIdentity contains the identity "
                                 "of the holder of a current lease."), AGE_COLUMN]

    def cells(self, obj, version):
        return [obj["metadata"]["name"], obj.get("spec", {}).get("holderIdentity", ""),
                meta.age(obj)]


BUILTIN_TYPES = [Namespaces(), Services(), Endpoints(), Events(), Nodes(), Secrets(),
                 EndpointSlices(), Leases()]
