"""The PATCH bodies a kube-apiserver accepts.

- JSON merge patch, RFC 7386.
- JSON patch, RFC 6902 (with RFC 6901 pointers).
- Strategic merge patch: a pragmatic subset of Kubernetes' SMP, enough for
  kubectl apply/patch of the built-in types served here. Lists named in the
  type's merge-key table merge by key; every other list is replaced whole.
  Directives handled: null deletes a key, "$patch": "delete" | "replace" |
  "merge" in maps and keyed list items, "$retainKeys", "$setElementOrder/F"
  (orders the merged list) and "$deleteFromPrimitiveList/F".
"""
from . import errors
from .jsonutil import clone


def merge_patch(target, patch):
    """RFC 7386 section 2: MergePatch(Target, Patch)."""
    if not isinstance(patch, dict):
        return clone(patch)
    result = clone(target) if isinstance(target, dict) else {}
    _merge_into(result, patch)
    return result


def _merge_into(result, patch):
    """MergePatch on `result`, a private copy, in place (copying the target
    once, not again at every level)."""
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            cur = result.get(key)
            if not isinstance(cur, dict):
                cur = {}
            _merge_into(cur, value)
            result[key] = cur
        else:
            result[key] = clone(value)


def _pointer(path):
    """RFC 6901 section 3/4: split and unescape a JSON pointer."""
    if path == "":
        return []
    if not isinstance(path, str) or not path.startswith("/"):
        raise _bad(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _bad(msg):
    return errors.ApiError(422, "Invalid", f"the server rejected our request due to an error "
                           f"in our request: {msg}", {})


def _index(container, tok, allow_end):
    if tok == "-" and allow_end:
        return len(container)
    if not tok.isdigit() or (len(tok) > 1 and tok[0] == "0"):
        raise _bad(f"invalid array index {tok!r}")
    i = int(tok)
    if i > len(container) or (i == len(container) and not allow_end):
        raise _bad(f"array index {i} out of bounds")
    return i


def _walk(doc, toks):
    cur = doc
    for tok in toks:
        if isinstance(cur, dict):
            if tok not in cur:
                raise _bad(f"missing path element {tok!r}")
            cur = cur[tok]
        elif isinstance(cur, list):
            cur = cur[_index(cur, tok, False)]
        else:
            raise _bad(f"cannot traverse into a scalar at {tok!r}")
    return cur


def _get(doc, path):
    return _walk(doc, _pointer(path))


def _add(doc, path, value):
    toks = _pointer(path)
    if not toks:
        return value
    parent = _walk(doc, toks[:-1])
    last = toks[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, True), value)
    else:
        raise _bad("add: parent is not a container")
    return doc


def _remove(doc, path):
    toks = _pointer(path)
    if not toks:
        raise _bad("remove: cannot remove the whole document")
    parent = _walk(doc, toks[:-1])
    last = toks[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise _bad(f"remove: missing key {last!r}")
        return parent.pop(last)
    if isinstance(parent, list):
        return parent.pop(_index(parent, last, False))
    raise _bad("remove: parent is not a container")


def json_patch(doc, ops):
    """RFC 6902 section 4: apply each operation in order; any failure aborts."""
    if not isinstance(ops, list):
        raise errors.bad_request("json patch must be an array of operations")
    doc = clone(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op:
            raise _bad("json patch operation without 'op'")
        kind, path = op["op"], op.get("path")
        if path is None:
            raise _bad(f"json patch {kind} without 'path'")
        if kind == "add":
            doc = _add(doc, path, clone(_need(op, "value")))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)  # RFC 6902 4.3: the target must exist
            if _pointer(path):
                _remove(doc, path)
                doc = _add(doc, path, clone(_need(op, "value")))
            else:
                doc = clone(_need(op, "value"))
        elif kind in ("move", "copy"):
            frm = op.get("from")
            if frm is None:
                raise _bad(f"json patch {kind} without 'from'")
            if kind == "move" and (path + "/").startswith(frm + "/") and path != frm:
                raise _bad("move: 'from' is a prefix of 'path'")  # RFC 6902 4.4
            value = clone(_get(doc, frm))
            if kind == "move":
                _remove(doc, frm)
            doc = _add(doc, path, value)
        elif kind == "test":
            if _get(doc, path) != _need(op, "value") or \
                    type(_get(doc, path)) is not type(_need(op, "value")):
                raise _bad(f"testing value {path} failed")
        else:
            raise _bad(f"unexpected operation {kind!r}")
    return doc


def _need(op, key):
    if key not in op:
        raise _bad(f"json patch {op.get('op')} without '{key}'")
    return op[key]


def strategic_merge_patch(target, patch, merge_keys, path="", _owned=False):
    """Applies an SMP; merge_keys maps a dotted path (".spec.ports") to the
    list's merge key, or to "" for a list of primitives merged as a set.
    _owned: target is already a private copy (inner levels), patched in place."""
    if not isinstance(patch, dict):
        return clone(patch)
    if isinstance(target, dict):
        result = target if _owned else clone(target)
    else:
        result = {}
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: clone(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    if directive not in (None, "merge"):
        raise errors.bad_request(f"Unknown patch type: {directive}")
    retain = patch.get("$retainKeys")
    orders = {}
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys"):
            continue
        if key.startswith("$setElementOrder/"):
            orders[key.split("/", 1)[1]] = value
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list) and isinstance(value, list):
                result[field] = [x for x in result[field] if x not in value]
            continue
        sub = f"{path}.{key}"
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list) and sub in merge_keys and isinstance(result.get(key), list):
            result[key] = _merge_list(result[key], value, merge_keys[sub], merge_keys, sub)
        elif isinstance(value, list) and not isinstance(result.get(key), list):
            # Not in the live object: apimachinery's mergeMap takes the patch
            # value through removeDirectives, which drops every item that
            # carries a "$patch" (so deleting from an absent list leaves []).
            result[key] = [_strip_directives(v) for v in value
                           if not (isinstance(v, dict) and "$patch" in v)]
        elif isinstance(value, list):
            result[key] = [_strip_directives(v) for v in value]
        elif isinstance(value, dict):
            merged = strategic_merge_patch(result.get(key), value, merge_keys, sub, _owned=True)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        else:
            result[key] = clone(value)
    for field, order in orders.items():
        if isinstance(result.get(field), list) and isinstance(order, list):
            result[field] = _order(result[field], order, merge_keys.get(f"{path}.{field}"))
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _strip_directives(v):
    if isinstance(v, dict):
        return {k: _strip_directives(x) for k, x in v.items() if not k.startswith("$")}
    if isinstance(v, list):
        return [_strip_directives(x) for x in v]
    return v


def _merge_list(live, patch, key, merge_keys, path):
    if key == "":  # a set of primitives
        out = list(live)
        for v in patch:
            if v not in out:
                out.append(v)
        return out
    out = list(live)  # live is the caller's private copy
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            if isinstance(item, dict) and item.get("$patch") == "replace":
                return [_strip_directives(x) for x in patch if x is not item]
            raise errors.bad_request(f"map: {item!r} does not contain declared merge key: {key}")
        idx = next((i for i, x in enumerate(out)
                    if isinstance(x, dict) and x.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                out.pop(idx)
            continue
        if idx is None:
            out.append(_strip_directives(item))
        else:
            out[idx] = strategic_merge_patch(out[idx], item, merge_keys, path, _owned=True)
    return out


def _order(items, order, key):
    def ident(x):
        return x.get(key) if key and isinstance(x, dict) else x

    pos = {repr(ident(o) if key and isinstance(o, dict) else o): i for i, o in enumerate(order)}
    ranked = sorted(range(len(items)),
                    key=lambda i: (pos.get(repr(ident(items[i])), len(order)), i))
    return [items[i] for i in ranked]
