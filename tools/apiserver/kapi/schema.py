"""Structural OpenAPI v3 schemas of CustomResourceDefinitions: pruning,
defaulting and validation in the order and with the messages of the real
apiextensions-apiserver (decode -> prune -> default -> validate).

CEL rules (x-kubernetes-validations) are cel.py's; ratcheting of unchanged
invalid fields is not emulated.
"""
import base64
import binascii
import copy
import functools
import ipaddress
import json
import re
import uuid as uuidlib

from . import meta

# metav1.ObjectMeta's JSON fields: anything else under metadata is dropped
# when a custom resource is decoded.
OBJECT_META_FIELDS = {
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields",
}


def _props(schema):
    return schema.get("properties") or {}


def _is_preserve(schema):
    return bool(schema.get("x-kubernetes-preserve-unknown-fields"))


def prune(schema, obj, root=True):
    """Drops fields the schema does not specify; returns their paths
    (e.g. "spec.foo"), which strict field validation reports."""
    pruned = []
    if root and isinstance(obj, dict):
        _prune_embedded_meta(obj, "", pruned)
    _prune(schema or {}, obj, "", pruned, root)
    return pruned


class Pruner:
    """prune() for a schema that never changes (the built-in types'),
    compiled once into a tree of nodes: the same result, fewer lookups."""

    __slots__ = ("props", "addl", "keep", "embedded", "items")

    def __init__(self, schema):
        schema = schema or {}
        self.props = {k: Pruner(v) for k, v in _props(schema).items()}
        addl = schema.get("additionalProperties")
        self.addl = Pruner(addl) if isinstance(addl, dict) else None
        self.keep = addl is True or _is_preserve(schema)
        self.embedded = bool(schema.get("x-kubernetes-embedded-resource"))
        items = schema.get("items")
        self.items = Pruner(items) if isinstance(items, dict) else None

    def prune(self, obj):
        pruned = []
        if isinstance(obj, dict):
            _prune_embedded_meta(obj, "", pruned)
        self._prune(obj, "", pruned, True)
        return pruned

    def _prune(self, value, path, pruned, root=False):
        if isinstance(value, dict):
            embedded = root or self.embedded
            if embedded and not root:
                _prune_embedded_meta(value, path, pruned)
            props, addl = self.props, self.addl
            if self.keep and not props and not embedded and addl is None:
                return
            for key in list(value):
                if embedded and key in ("apiVersion", "kind", "metadata"):
                    continue
                sub = props.get(key) or addl
                if sub is not None:
                    v = value[key]
                    if isinstance(v, (dict, list)):
                        sub._prune(v, _join(path, key), pruned)
                elif not self.keep:
                    del value[key]
                    pruned.append(_join(path, key))
        elif isinstance(value, list) and self.items is not None:
            for i, item in enumerate(value):
                if isinstance(item, (dict, list)):
                    self.items._prune(item, f"{path}[{i}]", pruned)


def _prune_embedded_meta(obj, path, pruned):
    md = obj.get("metadata")
    if isinstance(md, dict):
        for k in list(md):
            if k not in OBJECT_META_FIELDS:
                del md[k]
                pruned.append(_join(_join(path, "metadata"), k))


def _join(path, key):
    return f"{path}.{key}" if path else key


def _prune(schema, value, path, pruned, root=False):
    if isinstance(value, dict):
        props = _props(schema)
        addl = schema.get("additionalProperties")
        embedded = root or schema.get("x-kubernetes-embedded-resource")
        if embedded and not root:
            _prune_embedded_meta(value, path, pruned)
        keep = addl is True or _is_preserve(schema)
        if keep and not props and not embedded and not isinstance(addl, dict):
            return  # keeps every field and knows none below: nothing to prune
        for key in list(value):
            if embedded and key in ("apiVersion", "kind", "metadata"):
                continue  # ObjectMeta/TypeMeta are decoded as such, never by the schema
            if key in props:
                if isinstance(value[key], (dict, list)):  # nothing to prune in a scalar
                    _prune(props[key], value[key], _join(path, key), pruned)
            elif isinstance(addl, dict):
                if isinstance(value[key], (dict, list)):
                    _prune(addl, value[key], _join(path, key), pruned)
            elif keep:
                # Unknown fields are kept, but nested known ones still prune.
                continue
            else:
                del value[key]
                pruned.append(_join(path, key))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _prune(schema["items"], item, f"{path}[{i}]", pruned)


def apply_defaults(schema, value):
    """Sets `default` for absent properties of present objects (recursively);
    a null for a non-nullable field with a default is replaced, as the
    apiextensions docs on defaulting and nullable describe."""
    if not schema:
        return value
    if isinstance(value, dict):
        for key, sub in _props(schema).items():
            if "default" in sub and (key not in value or
                                     (value[key] is None and not sub.get("nullable"))):
                value[key] = copy.deepcopy(sub["default"])
            if key in value:
                apply_defaults(sub, value[key])
        addl = schema.get("additionalProperties")
        if isinstance(addl, dict):
            for key in value:
                if key not in _props(schema):
                    apply_defaults(addl, value[key])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            apply_defaults(schema["items"], item)
    return value


def _render(v):
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(v, separators=(",", ":"), sort_keys=True)


def _type_name(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _type_ok(t, v):
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    if t == "string":
        return isinstance(v, str)
    if t == "boolean":
        return isinstance(v, bool)
    if t == "integer":
        return (isinstance(v, int) and not isinstance(v, bool)) or \
            (isinstance(v, float) and v.is_integer())
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return True


_MAC = re.compile(r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$")
_HOSTNAME = re.compile(
    r"^[a-zA-Z0-9]([-a-zA-Z0-9]{0,62})?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,62})?)*\.?$")
_DURATION = re.compile(r"^(-?(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d|w))+$")


def _format_ok(fmt, v):
    """kube-openapi's formats that a CRD schema may use; unknown ones pass."""
    try:
        if fmt == "ipv4":
            ipaddress.IPv4Address(v)
        elif fmt == "ipv6":
            ipaddress.IPv6Address(v)
        elif fmt == "cidr":
            return _is_cidr(v)
        elif fmt == "mac":
            return bool(_MAC.match(v))
        elif fmt in ("uuid", "uuid3", "uuid4", "uuid5"):
            u = uuidlib.UUID(v)
            if fmt != "uuid" and u.version != int(fmt[-1]):
                return False
        elif fmt == "hostname":
            return len(v) <= 255 and bool(_HOSTNAME.match(v))
        elif fmt == "date":
            return bool(re.match(r"^\d{4}-\d\d-\d\d$", v))
        elif fmt in ("date-time", "datetime"):
            return meta.parse_rfc3339(v) is not None
        elif fmt == "byte":
            base64.b64decode(v, validate=True)
        elif fmt == "duration":
            return bool(_DURATION.match(v))
    except (ValueError, TypeError, binascii.Error):
        return False
    return True


_SLOPPY_V4 = re.compile(r"^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$")


def _is_cidr(v):
    """kube-openapi's cidr format: netutils.ParseCIDRSloppy, Go's
    net.ParseCIDR that also takes leading zeros in IPv4 octets: ADDR/N
    with N decimal, at most the address's bits; no zone, no netmask form."""
    addr, sep, bits = v.partition("/")
    if not sep or not re.fullmatch(r"[0-9]+", bits) or "%" in addr:
        return False
    m = _SLOPPY_V4.match(addr)
    if m:
        return all(int(g) <= 255 for g in m.groups()) and int(bits) <= 32
    try:
        ipaddress.IPv6Address(addr)
    except ValueError:
        return False
    return int(bits) <= 128


class GoRegexError(ValueError):
    """A pattern Go's regexp (RE2 syntax) refuses."""


# RE2's ASCII classes inside a bracket expression ([[:alpha:]]), which
# Python reads as a nested '[' instead.
_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f", "digit": "0-9", "graph": "!-~", "lower": "a-z",
    "print": " -~", "punct": "!-/:-@\\[-`{-~", "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z", "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
}


# What Python's re has and RE2 has not: lookaround, backreferences, atomic
# groups and conditionals (RE2 runs in linear time, so it has none of them).
_NOT_RE2 = (("(?=", "lookahead"), ("(?!", "lookahead"), ("(?<=", "lookbehind"),
            ("(?<!", "lookbehind"), ("(?P=", "backreference"), ("(?>", "atomic group"),
            ("(?(", "conditional"), ("(?#", "comment"))


@functools.lru_cache(maxsize=256)
def go_regex(pattern):
    """pattern, a Go regexp (RE2 syntax, what the API server compiles), as
    a compiled Python regex with Go's meaning: without the m flag '$' and
    \\z match at the end of the text only (Python's '$' also matches before
    a final newline), and \\d \\w \\s \\b are ASCII (re.ASCII). Raises
    GoRegexError for what Go refuses, so that the CRD is refused as the
    real API server refuses it."""
    out, i, in_class, multiline = [], 0, False, False
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                raise GoRegexError("trailing backslash at end of expression")
            nxt = pattern[i + 1]
            if nxt.isdigit() and nxt != "0" and not in_class:
                raise GoRegexError(f"invalid escape sequence: `\\{nxt}`")
            if nxt in "ZQE":
                # \Z is Python's end of text but no Go escape; \Q..\E is
                # Go's quoting, which Python lacks: refused, not guessed
                raise GoRegexError(f"invalid escape sequence: `\\{nxt}`")
            out.append("\\Z" if nxt == "z" and not in_class else pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                name = pattern[i + 2:end] if end > 0 else ""
                if name not in _POSIX_CLASSES:
                    raise GoRegexError(f"invalid character class range: `[:{name}:]`")
                out.append(_POSIX_CLASSES[name])
                i = end + 2
                continue
            if ch == "]":
                in_class = False
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            # a ']' first in the class (after an optional '^') is literal
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            out.append(pattern[i:j])
            in_class = True
            i = j
            continue
        if ch == "(" and pattern.startswith("(?", i):
            for prefix, what in _NOT_RE2:
                if pattern.startswith(prefix, i):
                    raise GoRegexError(f"invalid or unsupported Perl syntax: `{prefix}` "
                                       f"({what})")
            if pattern.startswith("(?<", i):
                out.append("(?P<")          # Go 1.22's named group spelling
                i += 3
                continue
            m = re.match(r"\(\?([a-zA-Z-]*)[:)]", pattern[i:])
            if m:
                flags = m.group(1).split("-")[0]
                if "U" in flags:
                    raise GoRegexError("the U (ungreedy) flag has no Python equivalent")
                multiline = multiline or "m" in flags
        if ch in "*+?}" and i + 1 < n and pattern[i + 1] == "+":
            raise GoRegexError(f"invalid nested repetition operator: `{ch}+`")
        if ch == "$":
            out.append("$" if multiline else "\\Z")
            i += 1
            continue
        out.append(ch)
        i += 1
    if in_class:
        raise GoRegexError(f"missing closing ]: `{pattern}`")
    try:
        return re.compile("".join(out), re.ASCII)
    except re.error as e:
        raise GoRegexError(str(e)) from None


def validate(schema, value, path="", causes=None):
    """Appends (reason, field, message) causes; returns the list."""
    if causes is None:
        causes = []
    if not schema:
        return causes

    def invalid(msg):
        causes.append(("FieldValueInvalid", path,
                       f"Invalid value: {_render(value)}: {path} in body {msg}"))

    if value is None:
        if not schema.get("nullable") and schema.get("type"):
            causes.append(("FieldValueTypeInvalid", path,
                           f'Invalid value: "null": {path} in body must be of type '
                           f'{schema["type"]}: "null"'))
        return causes
    if schema.get("x-kubernetes-int-or-string"):
        if not (isinstance(value, str) or _type_ok("integer", value)):
            causes.append(("FieldValueTypeInvalid", path,
                           f'Invalid value: "{_type_name(value)}": {path} in body must be '
                           f'of type integer,string: "{_type_name(value)}"'))
            return causes
    elif schema.get("type") and not _type_ok(schema["type"], value):
        causes.append(("FieldValueTypeInvalid", path,
                       f'Invalid value: "{_type_name(value)}": {path} in body must be of type '
                       f'{schema["type"]}: "{_type_name(value)}"'))
        return causes

    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(_render(e) for e in schema["enum"])
        causes.append(("FieldValueNotSupported", path,
                       f"Unsupported value: {_render(value)}: supported values: {allowed}"))
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            invalid(f"should be at most {schema['maxLength']} chars long")
        if "minLength" in schema and len(value) < schema["minLength"]:
            invalid(f"should be at least {schema['minLength']} chars long")
        if "pattern" in schema:
            try:
                # Go's regexp MatchString is unanchored, like re.search.
                if not go_regex(schema["pattern"]).search(value):
                    invalid(f"should match '{schema['pattern']}'")
            except GoRegexError:
                pass  # the CRD itself was refused (structural_errors)
        if "format" in schema and not _format_ok(schema["format"], value):
            invalid(f"must be of type {schema['format']}: {_render(value)}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        _check_number(schema, value, invalid)
    if isinstance(value, list):
        _check_list(schema, value, path, causes, invalid)
    if isinstance(value, dict):
        _check_object(schema, value, path, causes, invalid)
    _check_combinators(schema, value, path, causes, invalid)
    return causes


def _check_number(schema, value, invalid):
    if "maximum" in schema:
        if schema.get("exclusiveMaximum") and not value < schema["maximum"]:
            invalid(f"should be less than {_render(schema['maximum'])}")
        elif value > schema["maximum"]:
            invalid(f"should be less than or equal to {_render(schema['maximum'])}")
    if "minimum" in schema:
        if schema.get("exclusiveMinimum") and not value > schema["minimum"]:
            invalid(f"should be greater than {_render(schema['minimum'])}")
        elif value < schema["minimum"]:
            invalid(f"should be greater than or equal to {_render(schema['minimum'])}")
    m = schema.get("multipleOf")
    if m and (value / m) != int(value / m):
        invalid(f"should be a multiple of {_render(m)}")


def _check_list(schema, value, path, causes, invalid):
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        causes.append(("FieldValueTooMany", path,
                       f"Too many: {len(value)}: must have at most {schema['maxItems']} items"))
    if "minItems" in schema and len(value) < schema["minItems"]:
        invalid(f"should have at least {schema['minItems']} items")
    seen = []
    if schema.get("x-kubernetes-list-type") == "set":
        # apiextensions listtype validation: the item where a value is seen
        # the second time, once per value
        for i, item in enumerate(value):
            if seen.count(item) == 1:
                causes.append(("FieldValueDuplicate", f"{path}[{i}]",
                               f"Duplicate value: {_render(item)}"))
            seen.append(item)
        seen = []
    elif schema.get("uniqueItems"):
        for item in value:
            if item in seen:
                causes.append(("FieldValueDuplicate", path, f"Duplicate value: {_render(item)}"))
            seen.append(item)
    if schema.get("x-kubernetes-list-type") == "map":
        keys = schema.get("x-kubernetes-list-map-keys") or []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                continue
            k = {key: item.get(key) for key in keys}
            if k in seen:
                causes.append(("FieldValueDuplicate", f"{path}[{i}]",
                               f"Duplicate value: {_render(k)}"))
            seen.append(k)
    if isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            validate(schema["items"], item, f"{path}[{i}]", causes)


def _check_object(schema, value, path, causes, invalid):
    for req in schema.get("required") or []:
        if req not in value:
            causes.append(("FieldValueRequired", _join(path, req), "Required value"))
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        causes.append(("FieldValueTooMany", path, f"Too many: {len(value)}: must have at most "
                       f"{schema['maxProperties']} items"))
    if "minProperties" in schema and len(value) < schema["minProperties"]:
        invalid(f"should have at least {schema['minProperties']} properties")
    props = _props(schema)
    addl = schema.get("additionalProperties")
    for key, sub in value.items():
        if key in props:
            validate(props[key], sub, _join(path, key), causes)
        elif isinstance(addl, dict):
            validate(addl, sub, _join(path, key), causes)


def _check_combinators(schema, value, path, causes, invalid):
    # Value validations only: structural schemas forbid types under these.
    for sub in schema.get("allOf") or []:
        validate(sub, value, path, causes)
    if schema.get("anyOf"):
        if not any(not validate(s, value, path) for s in schema["anyOf"]):
            invalid("must validate at least one schema (anyOf)")
    if schema.get("oneOf"):
        n = sum(1 for s in schema["oneOf"] if not validate(s, value, path))
        if n != 1:
            invalid("must validate one and only one schema (oneOf)")
    if isinstance(schema.get("not"), dict) and not validate(schema["not"], value, path):
        invalid("must not validate the schema (not)")


def structural_errors(schema, path="spec.validation.openAPIV3Schema"):
    """The ways schema is not structural (apiextensions 'NonStructuralSchema'),
    as (field, message) pairs; only the rules a hand-written CRD trips."""
    errs = []

    def walk(s, p, in_combinator):
        if not isinstance(s, dict):
            errs.append((p, "must be an object"))
            return
        if not in_combinator and not s.get("type") and not s.get("x-kubernetes-int-or-string") \
                and not _is_preserve(s):
            errs.append((f"{p}.type", "Required value: must not be empty for specified object "
                         "fields"))
        if in_combinator and s.get("type"):
            errs.append((f"{p}.type", "Forbidden: must be empty to be structural"))
        if s.get("type") == "object" and "properties" in s and \
                isinstance(s.get("additionalProperties"), dict):
            errs.append((f"{p}.additionalProperties",
                         "Forbidden: additionalProperties and properties are mutual exclusive"))
        for k, sub in (s.get("properties") or {}).items():
            walk(sub, f"{p}.properties[{k}]", in_combinator)
        if isinstance(s.get("items"), dict):
            walk(s["items"], f"{p}.items", in_combinator)
        if isinstance(s.get("additionalProperties"), dict):
            walk(s["additionalProperties"], f"{p}.additionalProperties", in_combinator)
        for comb in ("allOf", "anyOf", "oneOf"):
            for i, sub in enumerate(s.get(comb) or []):
                walk(sub, f"{p}.{comb}[{i}]", True)
        if isinstance(s.get("not"), dict):
            walk(s["not"], f"{p}.not", True)
        if s.get("type") == "array" and not in_combinator and not isinstance(s.get("items"), dict):
            errs.append((f"{p}.items", "Required value: must be specified"))
        if isinstance(s.get("pattern"), str) and s["pattern"]:
            try:
                go_regex(s["pattern"])
            except GoRegexError as e:
                errs.append((f"{p}.pattern", f'Invalid value: {_render(s["pattern"])}: must be '
                             f"a valid regular expression, but isn't: error parsing regexp: "
                             f"{e}"))

    walk(schema, path, False)
    return errs
