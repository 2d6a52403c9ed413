"""Decoding of Kubernetes protobuf request bodies (Content-Type:
application/vnd.kubernetes.protobuf): the "k8s\\0" magic, a runtime.Unknown
envelope, then the typed message (k8s.io/api/.../generated.proto).

kubectl's typed clients send this (e.g. `kubectl create namespace`,
`kubectl create secret`). Only the messages of Namespaces, Services and
Secrets are described here; other types
answer 415 like a server that does not accept protobuf for them.
Responses are always JSON, which those clients also accept.
"""
import base64
import time

from . import errors

MAGIC = b"k8s\x00"

# field number -> (json name, kind[, message name]); kinds: str, int, bool,
# msg, strs (repeated string), msgs (repeated message), map, bmap (a map of
# bytes, base64 in JSON), time, ios.
# Zero values are dropped (Go's omitempty), except fields in KEEP_ZERO
# (pointer fields, which gogo-protobuf only writes when set).
MESSAGES = {
    "TypeMeta": {1: ("apiVersion", "str"), 2: ("kind", "str")},
    "Unknown": {1: ("typeMeta", "msg", "TypeMeta"), 2: ("raw", "bytes"),
                3: ("contentEncoding", "str"), 4: ("contentType", "str")},
    "ObjectMeta": {1: ("name", "str"), 2: ("generateName", "str"), 3: ("namespace", "str"),
                   4: ("selfLink", "str"), 5: ("uid", "str"), 6: ("resourceVersion", "str"),
                   7: ("generation", "int"), 8: ("creationTimestamp", "time"),
                   9: ("deletionTimestamp", "time"), 10: ("deletionGracePeriodSeconds", "int"),
                   11: ("labels", "map"), 12: ("annotations", "map"),
                   13: ("ownerReferences", "msgs", "OwnerReference"),
                   14: ("finalizers", "strs")},
    "OwnerReference": {1: ("kind", "str"), 3: ("name", "str"), 4: ("uid", "str"),
                       5: ("apiVersion", "str"), 6: ("controller", "bool"),
                       7: ("blockOwnerDeletion", "bool")},
    "Namespace": {1: ("metadata", "msg", "ObjectMeta"), 2: ("spec", "msg", "NamespaceSpec"),
                  3: ("status", "msg", "NamespaceStatus")},
    "NamespaceSpec": {1: ("finalizers", "strs")},
    "NamespaceStatus": {1: ("phase", "str")},
    "Service": {1: ("metadata", "msg", "ObjectMeta"), 2: ("spec", "msg", "ServiceSpec")},
    "ServiceSpec": {1: ("ports", "msgs", "ServicePort"), 2: ("selector", "map"),
                    3: ("clusterIP", "str"), 4: ("type", "str"), 5: ("externalIPs", "strs"),
                    7: ("sessionAffinity", "str"), 8: ("loadBalancerIP", "str"),
                    9: ("loadBalancerSourceRanges", "strs"), 10: ("externalName", "str"),
                    11: ("externalTrafficPolicy", "str"), 12: ("healthCheckNodePort", "int"),
                    13: ("publishNotReadyAddresses", "bool"), 17: ("ipFamilyPolicy", "str"),
                    18: ("clusterIPs", "strs"), 19: ("ipFamilies", "strs"),
                    20: ("allocateLoadBalancerNodePorts", "bool"),
                    21: ("loadBalancerClass", "str"), 22: ("internalTrafficPolicy", "str"),
                    23: ("trafficDistribution", "str")},
    "ServicePort": {1: ("name", "str"), 2: ("protocol", "str"), 3: ("port", "int"),
                    4: ("targetPort", "ios"), 5: ("nodePort", "int"), 6: ("appProtocol", "str")},
    "Secret": {1: ("metadata", "msg", "ObjectMeta"), 2: ("data", "bmap"), 3: ("type", "str"),
               4: ("stringData", "map"), 5: ("immutable", "bool")},
    "IntOrString": {1: ("type", "int"), 2: ("intVal", "int"), 3: ("strVal", "str")},
    "Time": {1: ("seconds", "int"), 2: ("nanos", "int")},
    "MapEntry": {1: ("key", "str"), 2: ("value", "str")},
    "BytesMapEntry": {1: ("key", "str"), 2: ("value", "bytes")},
}
KEEP_ZERO = {("ServiceSpec", "allocateLoadBalancerNodePorts"), ("ServiceSpec", "ipFamilyPolicy"),
             ("ServiceSpec", "loadBalancerClass"), ("ServiceSpec", "internalTrafficPolicy"),
             ("OwnerReference", "controller"), ("OwnerReference", "blockOwnerDeletion"),
             ("Secret", "immutable")}
TOP = {("v1", "Namespace"): "Namespace", ("v1", "Service"): "Service",
       ("v1", "Secret"): "Secret"}


class ProtoError(ValueError):
    pass


def _varint(buf, pos):
    out = shift = 0
    while True:
        if pos >= len(buf):
            raise ProtoError("truncated varint")
        b = buf[pos]
        pos += 1
        out |= (b & 0x7F) << shift
        if not b & 0x80:
            return out, pos
        shift += 7
        if shift > 63:
            raise ProtoError("varint too long")


def fields(buf):
    """(field number, wire type, value) of each field; value is an int for
    varints and fixed widths, bytes for length-delimited fields."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        num, wt = key >> 3, key & 7
        if num == 0:
            raise ProtoError("field number 0")
        if wt == 0:
            v, pos = _varint(buf, pos)
        elif wt == 1:
            if pos + 8 > len(buf):
                raise ProtoError("truncated fixed64")
            v, pos = int.from_bytes(buf[pos:pos + 8], "little"), pos + 8
        elif wt == 2:
            n, pos = _varint(buf, pos)
            if pos + n > len(buf):
                raise ProtoError("truncated bytes")
            v, pos = bytes(buf[pos:pos + n]), pos + n
        elif wt == 5:
            if pos + 4 > len(buf):
                raise ProtoError("truncated fixed32")
            v, pos = int.from_bytes(buf[pos:pos + 4], "little"), pos + 4
        else:
            raise ProtoError(f"unsupported wire type {wt}")
        yield num, wt, v


def _signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def decode(name, buf, depth=0):
    """The JSON form of message `name` in buf."""
    if depth > 20:
        raise ProtoError("nesting too deep")
    schema = MESSAGES[name]
    out = {}
    for num, wt, v in fields(buf):
        spec = schema.get(num)
        if spec is None:
            continue  # a field this stand-in does not model: dropped, like pruning
        key, kind = spec[0], spec[1]
        want_wt = 0 if kind in ("int", "bool") else 2
        if wt != want_wt:
            raise ProtoError(f"{name}.{key}: wire type {wt}")
        if kind == "str":
            out[key] = v.decode("utf-8", "strict")
        elif kind == "bytes":
            out[key] = v
        elif kind == "int":
            out[key] = _signed(v)
        elif kind == "bool":
            out[key] = bool(v)
        elif kind == "strs":
            out.setdefault(key, []).append(v.decode("utf-8", "strict"))
        elif kind == "msg":
            out[key] = decode(spec[2], v, depth + 1)
        elif kind == "msgs":
            out.setdefault(key, []).append(decode(spec[2], v, depth + 1))
        elif kind == "map":
            e = decode("MapEntry", v, depth + 1)
            out.setdefault(key, {})[e.get("key", "")] = e.get("value", "")
        elif kind == "bmap":
            e = decode("BytesMapEntry", v, depth + 1)
            out.setdefault(key, {})[e.get("key", "")] = base64.b64encode(
                e.get("value", b"")).decode("ascii")
        elif kind == "time":
            t = decode("Time", v, depth + 1)
            if t.get("seconds"):
                out[key] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t["seconds"]))
        elif kind == "ios":
            ios = decode("IntOrString", v, depth + 1)
            val = ios.get("strVal", "") if ios.get("type") == 1 else ios.get("intVal", 0)
            if val not in (0, ""):
                out[key] = val
    for key in list(out):
        if out[key] in ("", 0, False, None) and (name, key) not in KEEP_ZERO:
            del out[key]
    return out


def decode_object(body, api_version, kind):
    """The JSON object in a protobuf request body; raises ApiError 400/415."""
    if not body.startswith(MAGIC):
        raise errors.bad_request("provided protobuf data has no k8s magic prefix")
    try:
        env = decode("Unknown", body[len(MAGIC):])
        tm = env.get("typeMeta", {})
        av, k = tm.get("apiVersion", api_version), tm.get("kind", kind)
        msg = TOP.get((av, k))
        if msg is None:
            raise errors.unsupported_media(["application/json", "application/yaml"])
        obj = decode(msg, env.get("raw", b""))
    except (ProtoError, UnicodeDecodeError) as e:
        raise errors.bad_request(f"unable to decode protobuf body: {e}") from None
    out = {"apiVersion": av, "kind": k}
    out.update(obj)
    return out


