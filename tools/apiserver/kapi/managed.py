"""metadata.managedFields and server-side apply, pragmatically.

Field sets are sets of leaf paths; every list is atomic (one leaf), where
the real structured-merge-diff keys list-maps (k:{...}) and sets (v:...).
So two managers applying different items of one list conflict here where
the real server would merge them. Everything else follows the SSA rules:
an Update takes the fields whose values it changed; an Apply owns exactly
the fields of its configuration, removes fields it owned before and no
longer applies (unless someone else owns them too), and conflicts with a
different manager owning a field it would change (409, unless force=true).
"""
import copy

from . import errors, meta

# Only these metadata fields are tracked, as in the real server.
_META_TRACKED = ("labels", "annotations", "finalizers", "ownerReferences")


def _leaves(value, prefix, out):
    # An empty map owns nothing: it neither conflicts nor removes anything.
    if isinstance(value, dict):
        for k, v in value.items():
            _leaves(v, prefix + (k,), out)
    else:
        out[prefix] = value


def leaves(obj, subresource=""):
    """{path tuple: value} of the fields a write of obj can own."""
    out = {}
    for k, v in obj.items():
        if k in ("apiVersion", "kind"):
            continue
        if k == "metadata":
            for mk in _META_TRACKED:
                if mk in v:
                    _leaves(v[mk], ("metadata", mk), out)
            continue
        if (k == "status") != (subresource == "status"):
            continue
        _leaves(v, (k,), out)
    return out


def to_fields_v1(paths):
    root = {}
    for p in sorted(paths):
        node = root
        for k in p:
            node = node.setdefault(f"f:{k}", {})
    return root


def from_fields_v1(d, prefix=()):
    out = set()
    for k, v in (d or {}).items():
        if not k.startswith("f:"):
            continue
        p = prefix + (k[2:],)
        children = {ck: cv for ck, cv in (v or {}).items() if ck.startswith("f:")}
        if children:
            out |= from_fields_v1(children, p)
        else:
            out.add(p)
    return out


def _entries(obj):
    return obj.get("metadata", {}).get("managedFields") or []


def _fmt(p):
    return "." + ".".join(p)


def _set_entries(obj, entries):
    kept = [e for e in entries if e.get("fieldsV1")]
    if kept:
        obj["metadata"]["managedFields"] = kept
    else:
        obj["metadata"].pop("managedFields", None)


def _entry(manager, operation, api_version, subresource, paths):
    e = {"manager": manager, "operation": operation, "apiVersion": api_version,
         "time": meta.now_rfc3339(), "fieldsType": "FieldsV1",
         "fieldsV1": to_fields_v1(paths)}
    if subresource:
        e["subresource"] = subresource
    return e


def _same(e, manager, operation, subresource):
    return e.get("manager") == manager and e.get("operation") == operation and \
        e.get("subresource", "") == subresource


def record_update(new, old, manager, api_version, subresource=""):
    """Gives `manager` the fields whose values this write changed."""
    new_leaves = leaves(new, subresource)
    old_leaves = leaves(old, subresource) if old is not None else {}
    changed = {p for p, v in new_leaves.items() if p not in old_leaves or old_leaves[p] != v}
    removed = {p for p in old_leaves if p not in new_leaves}
    entries = []
    mine = set()
    for e in _entries(old) if old is not None else []:
        owned = from_fields_v1(e.get("fieldsV1"))
        if _same(e, manager, "Update", subresource):
            mine = owned - removed
            continue
        owned = owned - changed - removed
        entries.append(dict(e, fieldsV1=to_fields_v1(owned)) if owned else None)
    entries = [e for e in entries if e]
    mine |= changed
    mine = {p for p in mine if p in new_leaves}
    if mine:
        entries.append(_entry(manager, "Update", api_version, subresource, mine))
    _set_entries(new, entries)


def apply(live, config, manager, force, api_version, subresource=""):
    """Server-side apply of `config` onto `live` (None: create). Returns the
    new object; raises a 409 with FieldManagerConflict causes."""
    cfg = leaves(config, subresource)
    if live is None:
        obj = copy.deepcopy(config)
        obj.setdefault("metadata", {})
        _set_entries(obj, [_entry(manager, "Apply", api_version, subresource, set(cfg))])
        return obj
    live_leaves = leaves(live, subresource)
    entries = [dict(e) for e in _entries(live)]
    mine_before = set()
    conflicts = []
    for e in entries:
        owned = from_fields_v1(e.get("fieldsV1"))
        if _same(e, manager, "Apply", subresource):
            mine_before = owned
            continue
        for p in sorted(owned):
            if any(_overlaps(p, q) for q in cfg) and \
                    not _contains(_value(live, p), _value(config, p)):
                conflicts.append((e.get("manager", ""), e.get("apiVersion", ""), p))
    if conflicts and not force:
        raise _conflict_error(conflicts)
    obj = copy.deepcopy(live)
    others = set()
    new_entries = []
    for e in entries:
        if _same(e, manager, "Apply", subresource):
            continue
        owned = from_fields_v1(e.get("fieldsV1"))
        if force:
            owned = {p for p in owned if not any(_overlaps(p, q) for q in cfg) or
                     _contains(_value(live, p), _value(config, p))}
        others |= owned
        if owned:
            new_entries.append(dict(e, fieldsV1=to_fields_v1(owned)))
    for p in mine_before - set(cfg):
        if p not in others and p in live_leaves:
            _remove(obj, p)
    _merge(obj, config)
    new_entries.append(_entry(manager, "Apply", api_version, subresource, set(cfg)))
    _set_entries(obj, new_entries)
    return obj


def _overlaps(p, q):
    n = min(len(p), len(q))
    return p[:n] == q[:n]


_MISSING = object()


def _value(obj, path):
    cur = obj
    for k in path:
        if not isinstance(cur, dict) or k not in cur:
            return _MISSING
        cur = cur[k]
    return cur


def _contains(live, cfg):
    """Whether applying cfg leaves live as it is: lists are atomic, but the
    server's defaults inside their items (targetPort, protocol...) are not
    a difference."""
    if cfg is _MISSING:
        return live is _MISSING
    if isinstance(cfg, dict):
        return isinstance(live, dict) and all(k in live and _contains(live[k], v)
                                              for k, v in cfg.items())
    if isinstance(cfg, list):
        return isinstance(live, list) and len(live) == len(cfg) and \
            all(_contains(a, b) for a, b in zip(live, cfg))
    return live == cfg


def _remove(obj, path):
    chain = [obj]
    for k in path[:-1]:
        nxt = chain[-1].get(k)
        if not isinstance(nxt, dict):
            return
        chain.append(nxt)
    chain[-1].pop(path[-1], None)
    for i in range(len(chain) - 1, 0, -1):
        if chain[i] or path[i - 1] == "metadata":
            break
        chain[i - 1].pop(path[i - 1], None)


def _merge(live, config):
    for k, v in config.items():
        if isinstance(v, dict) and isinstance(live.get(k), dict):
            _merge(live[k], v)
        else:
            live[k] = copy.deepcopy(v)


def _conflict_error(conflicts):
    n = len(conflicts)
    if n == 1:
        m, v, p = conflicts[0]
        msg = f'Apply failed with 1 conflict: conflict with "{m}" using {v}: {_fmt(p)}'
    else:
        lines = "\n".join(f'- conflict with "{m}" using {v}: {_fmt(p)}' for m, v, p in conflicts)
        msg = f"Apply failed with {n} conflicts:\n{lines}"
    err = errors.ApiError(409, "Conflict", msg, {"causes": [
        {"reason": "FieldManagerConflict", "message": f'conflict with "{m}" using {v}',
         "field": _fmt(p)} for m, v, p in conflicts]})
    return err
