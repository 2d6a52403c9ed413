"""Server-side printing and metadata-only views, selected by Accept:
  application/json;as=Table;v=v1;g=meta.k8s.io
  application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io
  application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io
"""
from . import errors


def parse_accept(header):
    """[(media type, {param: value})] in the client's order."""
    out = []
    for part in (header or "*/*").split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        params = {}
        for f in fields[1:]:
            k, _, v = f.partition("=")
            params[k.strip().lower()] = v.strip().strip('"')
        out.append((fields[0].lower(), params))
    return out


def choose(header, is_list):
    """'json', 'table', 'partial' or raises 406, per the client's order."""
    for mt, params in parse_accept(header):
        if mt not in ("application/json", "application/*", "*/*"):
            continue
        as_ = params.get("as")
        if as_ is None:
            return "json"
        if params.get("g") != "meta.k8s.io" or params.get("v") not in ("v1", "v1beta1"):
            continue
        if as_ == "Table":
            return "table"
        if as_ == ("PartialObjectMetadataList" if is_list else "PartialObjectMetadata"):
            return "partial"
    raise errors.not_acceptable(["application/json", "application/yaml",
                                 "application/vnd.kubernetes.protobuf"])


def partial(obj):
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata", {})}


def partial_list(items, list_meta):
    return {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
            "metadata": list_meta, "items": [partial(o) for o in items]}


def table(rtype, version, items, list_meta, include="Metadata", headers=True):
    rows = []
    for obj in items:
        row = {"cells": rtype.cells(obj, version)}
        if include == "Object":
            row["object"] = obj
        elif include != "None":
            row["object"] = partial(obj)
        rows.append(row)
    t = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta}
    if headers:
        t["columnDefinitions"] = rtype.columns(version)
    t["rows"] = rows
    return t
