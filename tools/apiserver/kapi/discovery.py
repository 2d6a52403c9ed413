"""Legacy (unaggregated) discovery: /version, /api, /api/v1, /apis,
/apis/<group>, /apis/<group>/<version>; and OpenAPI.

The aggregated discovery types (apidiscovery.k8s.io/v2) are not served:
clients ask for them first in Accept and fall back to these documents, as
they do against servers older than 1.26.

OpenAPI: /openapi/v2 answers a document with no definitions (JSON, or
protobuf when asked for it, which is what kubectl requests), so client-side
validation finds no schema and skips, as for a type a server does not
describe. /openapi/v3 answers 404 like servers before 1.23, so kubectl
falls back to v2.
"""
from . import protobuf

OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

VERSION_INFO = {
    "major": "1", "minor": "32", "gitVersion": "v1.32.0+berth-apiserver",
    "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
    "buildDate": "2024-12-11T00:00:00Z", "goVersion": "go1.23.3", "compiler": "gc",
    "platform": "linux/amd64",
}


def resource_entries(types, version):
    out = []
    for t in sorted(types, key=lambda t: t.resource):
        e = {"name": t.resource, "singularName": t.singular_name, "namespaced": t.namespaced,
             "kind": t.kind, "verbs": list(t.verbs)}
        if t.short_names:
            e["shortNames"] = list(t.short_names)
        if t.categories:
            e["categories"] = list(t.categories)
        out.append(e)
        if t.status_subresource and (not hasattr(t, "has_status") or t.has_status(version)):
            out.append({"name": f"{t.resource}/status", "singularName": "",
                        "namespaced": t.namespaced, "kind": t.kind,
                        "verbs": ["get", "patch", "update"]})
    return out


def api_versions(server_address):
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                            "serverAddress": server_address}]}


def core_resources(registry):
    types = [t for t in registry.all() if t.group == ""]
    return {"kind": "APIResourceList", "groupVersion": "v1",
            "resources": resource_entries(types, "v1")}


def api_group(group, versions):
    vs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": vs, "preferredVersion": vs[0]}


def group_list(registry):
    gv = registry.group_versions()
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [api_group(g, gv[g]) for g in sorted(gv)]}


def group_doc(registry, group):
    vs = registry.group_versions().get(group)
    if not vs:
        return None
    return dict(api_group(group, vs), kind="APIGroup", apiVersion="v1")


def group_version_resources(registry, group, version):
    types = [t for t in registry.all() if t.group == group and version in t.versions]
    if not types:
        return None
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}",
            "resources": resource_entries(types, version)}


def openapi_v2():
    return {"swagger": "2.0", "info": {"title": "Kubernetes", "version": VERSION_INFO[
        "gitVersion"]}, "paths": {}, "definitions": {}}


def openapi_v2_protobuf():
    """gnostic openapi_v2.Document: field 1 swagger, 2 info{1 title, 2 version}."""
    info = protobuf.string_field(1, "Kubernetes") + \
        protobuf.string_field(2, VERSION_INFO["gitVersion"])
    return protobuf.string_field(1, "2.0") + protobuf.message_field(2, info)
