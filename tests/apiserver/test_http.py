"""Direct HTTP tests of the core API: auth, discovery, CRUD, Status errors,
optimistic concurrency, status subresource, lists, patches, validation."""
import copy
import unittest

from harness import ServerTest

SVCS = "/api/v1/namespaces/default/services"


def svc(name, **spec):
    s = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": {}},
         "spec": {"ports": [{"port": 80}]}}
    s["spec"].update(spec)
    return s


class Auth(ServerTest):
    def test_missing_and_bad_tokens_get_401_status(self):
        for token in (False, "wrong"):
            obj = self.assertStatus(self.req("GET", "/api/v1/namespaces", token=token),
                                    401, "Unauthorized")
            self.assertEqual(obj["message"], "Unauthorized")

    def test_public_paths_need_no_token_but_reject_bad_ones(self):
        code, obj, _ = self.req("GET", "/version", token=False)
        self.assertEqual(code, 200)
        self.assertEqual(obj["major"], "1")
        self.assertEqual(self.req("GET", "/healthz", token=False)[0], 200)
        self.assertEqual(self.req("GET", "/version", token="wrong")[0], 401)

    def test_admin_needs_token(self):
        self.assertEqual(self.req("POST", "/_admin/compact", token=False)[0], 401)


class Discovery(ServerTest):
    def test_core(self):
        obj = self.ok("GET", "/api")
        self.assertEqual(obj["kind"], "APIVersions")
        self.assertEqual(obj["versions"], ["v1"])
        res = {r["name"]: r for r in self.ok("GET", "/api/v1")["resources"]}
        self.assertEqual(res["services"]["kind"], "Service")
        self.assertTrue(res["services"]["namespaced"])
        self.assertEqual(res["services"]["shortNames"], ["svc"])
        self.assertIn("watch", res["services"]["verbs"])
        self.assertEqual(sorted(res["services/status"]["verbs"]), ["get", "patch", "update"])
        self.assertFalse(res["nodes"]["namespaced"])
        self.assertIn("namespaces/status", res)
        self.assertNotIn("events/status", res)

    def test_groups(self):
        groups = {g["name"]: g for g in self.ok("GET", "/apis")["groups"]}
        for g in ("discovery.k8s.io", "coordination.k8s.io", "apiextensions.k8s.io"):
            self.assertEqual(groups[g]["preferredVersion"]["version"], "v1")
        doc = self.ok("GET", "/apis/discovery.k8s.io")
        self.assertEqual(doc["kind"], "APIGroup")
        rl = self.ok("GET", "/apis/discovery.k8s.io/v1")
        self.assertEqual(rl["groupVersion"], "discovery.k8s.io/v1")
        self.assertEqual([r["name"] for r in rl["resources"]], ["endpointslices"])
        self.assertStatus(self.req("GET", "/apis/nope.example.com/v1"), 404, "NotFound")
        self.assertStatus(self.req("GET", "/api/v1/nopes"), 404, "NotFound")

    def test_openapi(self):
        code, raw, r = self.req("GET", "/openapi/v2", headers={
            "Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"})
        self.assertEqual(code, 200)
        self.assertEqual(r.getheader("Content-Type"),
                         "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
        self.assertEqual(raw[:5], b"\x0a\x032.0")   # field 1 (swagger) = "2.0"
        self.assertEqual(self.ok("GET", "/openapi/v2")["swagger"], "2.0")
        self.assertEqual(self.req("GET", "/openapi/v3")[0], 404)


class Crud(ServerTest):
    def test_node_ports_run_out(self):
        def many(name, first, n=700):
            s = svc(name, type="NodePort")
            s["spec"]["ports"] = [{"name": f"p{i}", "port": first + i, "protocol": "TCP"}
                                  for i in range(n)]
            return s
        for k in range(3):  # 2,100 of 30000-32767's 2,768
            self.ok("POST", SVCS, many(f"np{k}", 1000 + k * 700), want=201)
        obj = self.assertStatus(self.req("POST", SVCS, many("np3", 4000)), 500, "InternalError")
        self.assertEqual(obj["message"],
                         "Internal error occurred: failed to allocate a nodePort: range is full")
        self.assertEqual(self.req("GET", f"{SVCS}/np3")[0], 404)
        # what the failed create had taken is free again
        self.ok("POST", SVCS, many("np4", 5000, 600), want=201)

    def test_create_get_conflicts_delete(self):
        created = self.ok("POST", SVCS, svc("web", type="LoadBalancer"), want=201)
        md = created["metadata"]
        self.assertTrue(md["uid"] and md["creationTimestamp"] and md["resourceVersion"])
        self.assertEqual(md["namespace"], "default")
        spec = created["spec"]
        self.assertRegex(spec["clusterIP"], r"^10\.")
        self.assertEqual(spec["clusterIPs"], [spec["clusterIP"]])
        self.assertTrue(30000 <= spec["ports"][0]["nodePort"] <= 32767)
        self.assertEqual(spec["ports"][0]["protocol"], "TCP")
        self.assertEqual(spec["ports"][0]["targetPort"], 80)
        self.assertEqual(spec["externalTrafficPolicy"], "Cluster")
        self.assertEqual(created["status"], {"loadBalancer": {}})
        self.assertEqual(self.ok("GET", f"{SVCS}/web"), created)

        obj = self.assertStatus(self.req("POST", SVCS, svc("web")), 409, "AlreadyExists")
        self.assertEqual(obj["message"], 'services "web" already exists')
        self.assertEqual(obj["details"], {"name": "web", "kind": "services"})

        stale = copy.deepcopy(created)
        stale["metadata"]["labels"] = {"a": "b"}
        updated = self.ok("PUT", f"{SVCS}/web", stale)
        self.assertGreater(int(updated["metadata"]["resourceVersion"]),
                           int(md["resourceVersion"]))
        self.assertEqual(updated["spec"]["clusterIP"], spec["clusterIP"])
        obj = self.assertStatus(self.req("PUT", f"{SVCS}/web", stale), 409, "Conflict")
        self.assertIn("the object has been modified", obj["message"])

        # A no-op update writes nothing: same resourceVersion back.
        same = self.ok("PUT", f"{SVCS}/web", updated)
        self.assertEqual(same["metadata"]["resourceVersion"],
                         updated["metadata"]["resourceVersion"])

        deleted = self.ok("DELETE", f"{SVCS}/web")
        self.assertEqual(deleted["kind"], "Service")   # services return the object
        obj = self.assertStatus(self.req("GET", f"{SVCS}/web"), 404, "NotFound")
        self.assertEqual(obj["message"], 'services "web" not found')
        self.assertStatus(self.req("DELETE", f"{SVCS}/web"), 404, "NotFound")
        self.assertStatus(self.req("PUT", f"{SVCS}/web", svc("web")), 404, "NotFound")

    def test_unconditional_update_and_omitted_allocations(self):
        self.ok("POST", SVCS, svc("uncond", type="NodePort"), want=201)
        cur = self.ok("GET", f"{SVCS}/uncond")
        body = svc("uncond", type="NodePort")     # no resourceVersion, no clusterIP/nodePort
        out = self.ok("PUT", f"{SVCS}/uncond", body)
        self.assertEqual(out["spec"]["clusterIP"], cur["spec"]["clusterIP"])
        self.assertEqual(out["spec"]["ports"][0]["nodePort"], cur["spec"]["ports"][0]["nodePort"])
        # Changing the type to ClusterIP drops the node ports.
        out = self.ok("PUT", f"{SVCS}/uncond", svc("uncond", type="ClusterIP"))
        self.assertNotIn("nodePort", out["spec"]["ports"][0])
        self.assertNotIn("externalTrafficPolicy", out["spec"])

    def test_generate_name_and_kind_defaulting(self):
        body = {"metadata": {"generateName": "gen-"}, "spec": {"ports": [{"port": 1}]}}
        out = self.ok("POST", SVCS, body, want=201)
        self.assertRegex(out["metadata"]["name"], r"^gen-[a-z0-9]{5}$")
        self.assertEqual((out["apiVersion"], out["kind"]), ("v1", "Service"))

    def test_bad_bodies(self):
        self.assertStatus(self.req("POST", SVCS, b"{not json"), 400, "BadRequest")
        wrong = svc("x")
        wrong["kind"] = "Pod"
        self.assertStatus(self.req("POST", SVCS, wrong), 400, "BadRequest")
        other_ns = svc("x")
        other_ns["metadata"]["namespace"] = "kube-system"
        obj = self.assertStatus(self.req("POST", SVCS, other_ns), 400, "BadRequest")
        self.assertIn("does not match the namespace", obj["message"])
        with_rv = svc("x")
        with_rv["metadata"]["resourceVersion"] = "5"
        self.assertStatus(self.req("POST", SVCS, with_rv), 500, "InternalError")
        self.assertStatus(self.req("PUT", SVCS, svc("x")), 405, "MethodNotAllowed")
        obj = self.assertStatus(self.req("PATCH", f"{SVCS}/kubernetes", b"{}",
                                         ctype="text/plain"), 415, "UnsupportedMediaType")
        self.assertIn("application/strategic-merge-patch+json", obj["message"])

    def test_validation_is_422_with_causes(self):
        bad = svc("Bad_Name", type="Fancy", ports=[{"port": 70000, "protocol": "ICMP"}],
                  loadBalancerIP="nope")
        obj = self.assertStatus(self.req("POST", SVCS, bad), 422, "Invalid")
        self.assertTrue(obj["message"].startswith('Service "Bad_Name" is invalid: ['))
        fields = {c["field"]: c["reason"] for c in obj["details"]["causes"]}
        self.assertEqual(fields["metadata.name"], "FieldValueInvalid")
        self.assertEqual(fields["spec.type"], "FieldValueNotSupported")
        self.assertEqual(fields["spec.ports[0].port"], "FieldValueInvalid")
        self.assertEqual(fields["spec.ports[0].protocol"], "FieldValueNotSupported")
        self.assertEqual(obj["details"]["kind"], "Service")
        obj = self.assertStatus(self.req("POST", SVCS, svc("noports", ports=[])), 422, "Invalid")
        self.assertEqual(obj["details"]["causes"][0]["field"], "spec.ports")
        lbc = svc("lbc", type="LoadBalancer", loadBalancerClass="example.com/berth")
        self.ok("POST", SVCS, lbc, want=201)
        changed = self.ok("GET", f"{SVCS}/lbc")
        changed["spec"]["loadBalancerClass"] = "example.com/other"
        obj = self.assertStatus(self.req("PUT", f"{SVCS}/lbc", changed), 422, "Invalid")
        self.assertIn("may not change once set", obj["message"])

    def test_unknown_fields_of_builtin_types(self):
        body = svc("typo")
        body["spec"]["loadBalancerIPs"] = "1.2.3.4"                 # a typo
        body["spec"]["ports"][0]["nodeport"] = 30000
        body["bogus"] = 1
        code, out, r = self.req("POST", SVCS, body)
        self.assertEqual(code, 201, out)
        self.assertNotIn("loadBalancerIPs", out["spec"])
        self.assertNotIn("bogus", out)
        self.assertIn('unknown field "spec.loadBalancerIPs"', r.getheader("Warning"))
        obj = self.assertStatus(self.req("POST", SVCS + "?fieldValidation=Strict",
                                         dict(body, metadata={"name": "typo2"})),
                                400, "BadRequest")
        self.assertIn('unknown field "spec.ports[0].nodeport"', obj["message"])
        self.assertIn('unknown field "bogus"', obj["message"])

    def test_dry_run_writes_nothing(self):
        out = self.ok("POST", SVCS + "?dryRun=All", svc("dry"), want=201)
        self.assertEqual(out["metadata"]["name"], "dry")
        self.assertStatus(self.req("GET", f"{SVCS}/dry"), 404, "NotFound")


class Namespaces(ServerTest):
    def test_lifecycle(self):
        obj = self.assertStatus(self.req("POST", "/api/v1/namespaces/nope/services", svc("a")),
                                404, "NotFound")
        self.assertEqual(obj["message"], 'namespaces "nope" not found')
        ns = self.ok("POST", "/api/v1/namespaces", {"metadata": {"name": "team"}}, want=201)
        self.assertEqual(ns["status"]["phase"], "Active")
        self.assertEqual(ns["spec"]["finalizers"], ["kubernetes"])
        self.assertEqual(ns["metadata"]["labels"]["kubernetes.io/metadata.name"], "team")
        self.ok("POST", "/api/v1/namespaces/team/services", svc("a"), want=201)
        gone = self.ok("DELETE", "/api/v1/namespaces/team")
        self.assertEqual(gone["status"]["phase"], "Terminating")
        self.assertIn("deletionTimestamp", gone["metadata"])
        self.assertStatus(self.req("GET", "/api/v1/namespaces/team/services/a"), 404, "NotFound")
        self.assertStatus(self.req("GET", "/api/v1/namespaces/team"), 404, "NotFound")
        for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.ok("GET", f"/api/v1/namespaces/{name}")
        self.assertStatus(self.req("DELETE", "/api/v1/namespaces/default"), 403, "Forbidden")

    def test_name_must_be_a_label(self):
        self.assertStatus(self.req("POST", "/api/v1/namespaces", {"metadata": {"name": "a.b"}}),
                          422, "Invalid")


class StatusSubresource(ServerTest):
    def test_main_ignores_status_and_status_ignores_spec(self):
        self.ok("POST", SVCS, svc("lb", type="LoadBalancer"), want=201)
        cur = self.ok("GET", f"{SVCS}/lb")
        cur["status"] = {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}}
        cur["spec"]["sessionAffinity"] = "ClientIP"
        out = self.ok("PUT", f"{SVCS}/lb", cur)
        self.assertEqual(out["status"], {"loadBalancer": {}})
        self.assertEqual(out["spec"]["sessionAffinity"], "ClientIP")

        out["status"] = {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}}
        out["spec"]["sessionAffinity"] = "None"
        st = self.ok("PUT", f"{SVCS}/lb/status", out)
        self.assertEqual(st["status"]["loadBalancer"]["ingress"],
                         [{"ip": "192.0.2.1", "ipMode": "VIP"}])
        self.assertEqual(st["spec"]["sessionAffinity"], "ClientIP")

        p = self.ok("PATCH", f"{SVCS}/lb/status", {"status": {"loadBalancer": {"ingress": [
            {"ip": "192.0.2.9"}]}}}, ctype="application/merge-patch+json")
        self.assertEqual(p["status"]["loadBalancer"]["ingress"][0]["ip"], "192.0.2.9")
        obj = self.assertStatus(self.req("PATCH", f"{SVCS}/lb/status", {"status": {
            "loadBalancer": {"ingress": [{"ip": "not-an-ip"}]}}},
            ctype="application/merge-patch+json"), 422, "Invalid")
        self.assertEqual(obj["details"]["causes"][0]["field"], "status.loadBalancer.ingress[0].ip")
        stale = copy.deepcopy(st)
        self.assertStatus(self.req("PUT", f"{SVCS}/lb/status", stale), 409, "Conflict")
        self.assertStatus(self.req("GET", "/api/v1/namespaces/default/events/x/status"),
                          404, "NotFound")


class Lists(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for i, (app, tier) in enumerate([("a", "front"), ("a", "back"), ("b", "front"),
                                         ("c", None)]):
            s = svc(f"s{i}")
            s["metadata"]["labels"] = {"app": app} | ({"tier": tier} if tier else {})
            cls.srv.request("POST", SVCS, s)

    def names(self, q):
        out = self.ok("GET", f"{SVCS}?{q}")
        return [i["metadata"]["name"] for i in out["items"]]

    def test_selectors(self):
        self.assertEqual(self.names("labelSelector=app%3Da"), ["s0", "s1"])
        self.assertEqual(self.names("labelSelector=app%20in%20(a,b),tier%21%3Dback"),
                         ["s0", "s2"])
        self.assertEqual(self.names("labelSelector=%21tier"), ["kubernetes", "s3"])
        self.assertEqual(self.names("labelSelector=tier"), ["s0", "s1", "s2"])
        self.assertEqual(self.names("fieldSelector=metadata.name%3Ds2"), ["s2"])
        self.assertEqual(self.names("fieldSelector=metadata.name%21%3Ds2&labelSelector=app%3Db"),
                         [])
        self.assertStatus(self.req("GET", f"{SVCS}?labelSelector=a%20in"), 400, "BadRequest")
        self.assertStatus(self.req("GET", f"{SVCS}?fieldSelector=spec.type%3DX"), 400,
                          "BadRequest")

    def test_list_shape(self):
        out = self.ok("GET", SVCS)
        self.assertEqual((out["kind"], out["apiVersion"]), ("ServiceList", "v1"))
        self.assertTrue(out["metadata"]["resourceVersion"].isdigit())
        # Items of a built-in type's list carry no kind/apiVersion, as from a real server.
        self.assertNotIn("kind", out["items"][0])
        all_ns = self.ok("GET", "/api/v1/services")
        self.assertIn("kube-system", [n["metadata"]["name"]
                                      for n in self.ok("GET", "/api/v1/namespaces")["items"]])
        self.assertEqual(len(all_ns["items"]), 5)

    def test_delete_collection(self):
        for n in ("dc1", "dc2", "dc3"):
            s = svc(n)
            s["metadata"]["labels"] = {"dc": "yes" if n != "dc3" else "no"}
            self.ok("POST", SVCS, s, want=201)
        out = self.ok("DELETE", f"{SVCS}?labelSelector=dc%3Dyes")
        self.assertEqual(out["kind"], "ServiceList")
        self.assertEqual(sorted(i["metadata"]["name"] for i in out["items"]), ["dc1", "dc2"])
        self.assertEqual(self.names("labelSelector=dc"), ["dc3"])
        self.ok("DELETE", f"{SVCS}/dc3")

    def test_pagination(self):
        seen, cont, pages = [], "", 0
        while True:
            out = self.ok("GET", f"{SVCS}?limit=2" + (f"&continue={cont}" if cont else ""))
            seen += [i["metadata"]["name"] for i in out["items"]]
            pages += 1
            cont = out["metadata"].get("continue")
            if pages == 1:
                self.assertEqual(out["metadata"]["remainingItemCount"], 3)
                first_rv = out["metadata"]["resourceVersion"]
                # A change between pages is not seen: the list is consistent.
                self.ok("POST", SVCS, svc("zz-late"), want=201)
            else:
                self.assertEqual(out["metadata"]["resourceVersion"], first_rv)
            if not cont:
                break
        self.assertEqual(seen, ["kubernetes", "s0", "s1", "s2", "s3"])
        self.ok("DELETE", f"{SVCS}/zz-late")
        self.assertStatus(self.req("GET", f"{SVCS}?continue=garbage"), 400, "BadRequest")
        self.assertStatus(self.req("GET", f"{SVCS}?limit=1&continue={cont or 'x'}"
                                          "&resourceVersion=1"), 400, "BadRequest")

    def test_exact_and_too_old(self):
        rv = self.ok("GET", SVCS)["metadata"]["resourceVersion"]
        self.ok("POST", SVCS, svc("exact-new"), want=201)
        then = self.ok("GET", f"{SVCS}?resourceVersion={rv}&resourceVersionMatch=Exact")
        self.assertEqual(then["metadata"]["resourceVersion"], rv)
        self.assertNotIn("exact-new", [i["metadata"]["name"] for i in then["items"]])
        now = self.ok("GET", f"{SVCS}?resourceVersion={rv}")   # NotOlderThan: current
        self.assertIn("exact-new", [i["metadata"]["name"] for i in now["items"]])
        self.ok("DELETE", f"{SVCS}/exact-new")
        self.assertStatus(self.req("GET", f"{SVCS}?resourceVersionMatch=Exact"), 400,
                          "BadRequest")
        self.srv.admin("compact")
        obj = self.assertStatus(self.req("GET", f"{SVCS}?resourceVersion={rv}"
                                                "&resourceVersionMatch=Exact"), 410, "Expired")
        self.assertEqual(obj["message"], "The resourceVersion for the provided list is too old.")
        obj = self.assertStatus(self.req("GET", f"{SVCS}?resourceVersion=999999999"), 504,
                                "Timeout")
        self.assertEqual(obj["details"]["causes"][0]["reason"], "ResourceVersionTooLarge")

    def test_tables(self):
        acc = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
        code, t, _ = self.req("GET", f"{SVCS}?labelSelector=app%3Da", headers={"Accept": acc})
        self.assertEqual(code, 200)
        self.assertEqual((t["kind"], t["apiVersion"]), ("Table", "meta.k8s.io/v1"))
        self.assertEqual([c["name"] for c in t["columnDefinitions"]],
                         ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age",
                          "Selector"])
        self.assertEqual(t["rows"][0]["cells"][0:2], ["s0", "ClusterIP"])
        self.assertEqual(t["rows"][0]["cells"][4], "80/TCP")
        self.assertEqual(t["rows"][0]["object"]["kind"], "PartialObjectMetadata")
        code, one, _ = self.req("GET", f"{SVCS}/s0?includeObject=Object",
                                headers={"Accept": acc})
        self.assertEqual(one["rows"][0]["object"]["kind"], "Service")
        code, p, _ = self.req("GET", SVCS, headers={
            "Accept": "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"})
        self.assertEqual(p["kind"], "PartialObjectMetadataList")
        self.assertNotIn("spec", p["items"][0])
        self.assertStatus(self.req("GET", SVCS, headers={"Accept": "application/x-nope"}), 406,
                          "NotAcceptable")


class Patches(ServerTest):
    def setUp(self):
        self.req("DELETE", f"{SVCS}/p")
        self.ok("POST", SVCS, svc("p", type="LoadBalancer", ports=[
            {"name": "http", "port": 80}, {"name": "https", "port": 443}]), want=201)

    def patch(self, body, ctype, path=f"{SVCS}/p", **kw):
        return self.req("PATCH", path, body, ctype=ctype, **kw)

    def test_merge_json_and_strategic(self):
        out = self.ok("PATCH", f"{SVCS}/p", {"metadata": {"labels": {"x": "1"}}},
                      ctype="application/merge-patch+json")
        self.assertEqual(out["metadata"]["labels"], {"x": "1"})
        out = self.ok("PATCH", f"{SVCS}/p", [
            {"op": "replace", "path": "/spec/ports/0/port", "value": 8080},
            {"op": "add", "path": "/metadata/annotations", "value": {"a": "b"}}],
            ctype="application/json-patch+json")
        self.assertEqual(out["spec"]["ports"][0]["port"], 8080)
        self.assertStatus(self.patch([{"op": "test", "path": "/spec/type", "value": "X"}],
                                     "application/json-patch+json"), 422, "Invalid")
        np = out["spec"]["ports"][1]["nodePort"]
        out = self.ok("PATCH", f"{SVCS}/p", {"spec": {"ports": [
            {"port": 443, "name": "tls"}, {"port": 9090, "name": "metrics"}]}},
            ctype="application/strategic-merge-patch+json")
        ports = {p["port"]: p for p in out["spec"]["ports"]}
        self.assertEqual(sorted(ports), [443, 8080, 9090])
        self.assertEqual(ports[443]["name"], "tls")
        self.assertEqual(ports[443]["nodePort"], np)          # merged by key, kept
        out = self.ok("PATCH", f"{SVCS}/p", {"spec": {"ports": [{"port": 9090,
                                                                 "$patch": "delete"}]}},
                      ctype="application/strategic-merge-patch+json")
        self.assertEqual(sorted(p["port"] for p in out["spec"]["ports"]), [443, 8080])

    def test_patch_with_stale_resource_version_conflicts(self):
        self.assertStatus(self.patch({"metadata": {"resourceVersion": "1", "labels": {"a": "b"}}},
                                     "application/merge-patch+json"), 409, "Conflict")
        self.assertStatus(self.patch({}, "application/merge-patch+json",
                                     path=f"{SVCS}/missing"), 404, "NotFound")

    def test_server_side_apply(self):
        cfg = {"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "ssa", "labels": {"owner": "a"}},
               "spec": {"ports": [{"port": 53, "protocol": "UDP"}]}}
        code, out, _ = self.patch(cfg, "application/apply-patch+yaml",
                                  path=f"{SVCS}/ssa?fieldManager=alpha")
        self.assertEqual(code, 201, out)
        self.assertEqual(out["metadata"]["managedFields"][0]["manager"], "alpha")
        self.assertEqual(out["metadata"]["managedFields"][0]["operation"], "Apply")
        again = self.ok("PATCH", f"{SVCS}/ssa?fieldManager=alpha", cfg,
                        ctype="application/apply-patch+yaml")
        self.assertEqual(again["metadata"]["resourceVersion"], out["metadata"]["resourceVersion"])
        other = copy.deepcopy(cfg)
        other["metadata"]["labels"] = {"owner": "b"}
        obj = self.assertStatus(self.patch(other, "application/apply-patch+yaml",
                                           path=f"{SVCS}/ssa?fieldManager=beta"), 409, "Conflict")
        self.assertIn('conflict with "alpha"', obj["message"])
        self.assertEqual(obj["details"]["causes"][0]["field"], ".metadata.labels.owner")
        forced = self.ok("PATCH", f"{SVCS}/ssa?fieldManager=beta&force=true", other,
                         ctype="application/apply-patch+yaml")
        self.assertEqual(forced["metadata"]["labels"]["owner"], "b")
        # alpha stops applying its label config: the label stays (beta owns it now).
        smaller = copy.deepcopy(cfg)
        del smaller["metadata"]["labels"]
        out = self.ok("PATCH", f"{SVCS}/ssa?fieldManager=alpha", smaller,
                      ctype="application/apply-patch+yaml")
        self.assertEqual(out["metadata"]["labels"], {"owner": "b"})
        self.assertStatus(self.patch(cfg, "application/apply-patch+yaml", path=f"{SVCS}/ssa"),
                          400, "BadRequest")


if __name__ == "__main__":
    unittest.main()
