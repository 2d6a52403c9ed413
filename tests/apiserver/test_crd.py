"""CustomResourceDefinitions: discovery, schema validation, pruning,
defaulting, status subresource rules, generation, printer columns,
finalizers, deletion."""
import copy
import unittest

from harness import EIP_CRD, ServerTest, namespaced_crd

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
EIPS = "/apis/network.kubesphere.io/v1alpha2/eips"


def eip(name, **spec):
    return {"apiVersion": "network.kubesphere.io/v1alpha2", "kind": "Eip",
            "metadata": {"name": name}, "spec": dict({"address": "192.0.2.0/28"}, **spec)}


class Crds(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        code, obj, _ = cls.srv.request("POST", CRDS, EIP_CRD)
        assert code == 201, obj
        cls.crd = obj

    def test_crd_is_established_and_discoverable(self):
        crd = self.ok("GET", f"{CRDS}/{EIP_CRD['metadata']['name']}")
        conds = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
        self.assertEqual(conds, {"NamesAccepted": "True", "Established": "True"})
        groups = [g["name"] for g in self.ok("GET", "/apis")["groups"]]
        self.assertIn("network.kubesphere.io", groups)
        res = {r["name"]: r for r in self.ok("GET", "/apis/network.kubesphere.io/v1alpha2")
               ["resources"]}
        self.assertEqual(res["eips"]["kind"], "Eip")
        self.assertFalse(res["eips"]["namespaced"])
        self.assertEqual(res["eips"]["shortNames"], ["eip"])
        self.assertEqual(res["eips/status"]["verbs"], ["get", "patch", "update"])

    def test_invalid_crds_are_rejected(self):
        bad = copy.deepcopy(EIP_CRD)
        bad["metadata"]["name"] = "wrong.network.kubesphere.io"
        self.assertStatus(self.req("POST", CRDS, bad), 422, "Invalid")
        bad = copy.deepcopy(namespaced_crd())
        bad["spec"]["versions"][0]["storage"] = False
        self.assertStatus(self.req("POST", CRDS, bad), 422, "Invalid")
        bad = copy.deepcopy(namespaced_crd())
        bad["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = {
            "type": "object", "properties": {"spec": {"properties": {"a": {"type": "string"}}}}}
        obj = self.assertStatus(self.req("POST", CRDS, bad), 422, "Invalid")
        self.assertIn("properties[spec].type", obj["message"])

    def test_invalid_pattern_is_rejected(self):
        # apiextensions validateStructural compiles every pattern with Go's
        # regexp: lookahead (Perl, not RE2) and a lone "(" are refused
        for pat in ("a(?=b)", "(", r"(x)\1"):
            bad = copy.deepcopy(namespaced_crd())
            bad["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = {
                "type": "object", "properties": {"spec": {"type": "object", "properties": {
                    "a": {"type": "string", "pattern": pat}}}}}
            obj = self.assertStatus(self.req("POST", CRDS, bad), 422, "Invalid")
            self.assertIn("properties[spec].properties[a].pattern: Invalid value", obj["message"])
            self.assertIn("must be a valid regular expression, but isn't", obj["message"])

    def test_defaults_pruning_and_field_validation(self):
        code, out, r = self.req("POST", EIPS, dict(eip("d1", bogus=1), junk={"x": 1}))
        self.assertEqual(code, 201, out)
        self.assertEqual(out["spec"]["protocol"], "bgp")          # schema default
        self.assertNotIn("bogus", out["spec"])                    # pruned
        self.assertNotIn("junk", out)
        warnings = r.getheader("Warning")
        self.assertIn('unknown field "spec.bogus"', warnings)
        self.assertEqual(out["metadata"]["generation"], 1)
        obj = self.assertStatus(self.req("POST", EIPS + "?fieldValidation=Strict",
                                         eip("d2", bogus=1)), 400, "BadRequest")
        self.assertIn('strict decoding error: unknown field "spec.bogus"', obj["message"])
        code, _, r = self.req("POST", EIPS + "?fieldValidation=Ignore", eip("d3", bogus=1))
        self.assertEqual(code, 201)
        self.assertIsNone(r.getheader("Warning"))
        kept = self.ok("POST", EIPS, eip("d4", extra={"any": {"thing": [1]}}), want=201)
        self.assertEqual(kept["spec"]["extra"], {"any": {"thing": [1]}})

    def test_schema_validation_is_422(self):
        obj = self.assertStatus(self.req("POST", EIPS, {
            "apiVersion": "network.kubesphere.io/v1alpha2", "kind": "Eip",
            "metadata": {"name": "bad"},
            "spec": {"protocol": "ospf", "priority": 5000, "gateway": "300.1.1.1",
                     "tags": ["a", "a"]}}), 422, "Invalid")
        self.assertTrue(obj["message"].startswith(
            'Eip.network.kubesphere.io "bad" is invalid: ['), obj["message"])
        self.assertEqual(obj["details"]["group"], "network.kubesphere.io")
        self.assertEqual(obj["details"]["kind"], "Eip")
        causes = {c["field"]: c for c in obj["details"]["causes"]}
        self.assertEqual(causes["spec.address"]["reason"], "FieldValueRequired")
        self.assertEqual(causes["spec.protocol"]["reason"], "FieldValueNotSupported")
        self.assertEqual(causes["spec.protocol"]["message"],
                         'Unsupported value: "ospf": supported values: "bgp", "layer2", "vip"')
        self.assertIn("should be less than or equal to 1000", causes["spec.priority"]["message"])
        self.assertIn("must be of type ipv4", causes["spec.gateway"]["message"])
        self.assertEqual(causes["spec.tags[1]"]["reason"], "FieldValueDuplicate")
        obj = self.assertStatus(self.req("POST", EIPS, eip("bad2", address="!!")), 422, "Invalid")
        self.assertIn("should match", obj["details"]["causes"][0]["message"])

    def test_status_subresource_and_generation(self):
        out = self.ok("POST", EIPS, dict(eip("st"), status={"usage": 7}), want=201)
        self.assertNotIn("status", out)                           # create drops status
        out["status"] = {"usage": 3}
        out["metadata"]["labels"] = {"l": "1"}
        upd = self.ok("PUT", f"{EIPS}/st", out)
        self.assertNotIn("status", upd)                           # main ignores status
        self.assertEqual(upd["metadata"]["generation"], 1)        # metadata-only change
        upd["spec"]["priority"] = 3
        upd = self.ok("PUT", f"{EIPS}/st", upd)
        self.assertEqual(upd["metadata"]["generation"], 2)        # spec change bumps
        upd["status"] = {"usage": 3}
        upd["spec"]["priority"] = 9
        upd["metadata"]["labels"] = {"l": "2"}
        st = self.ok("PUT", f"{EIPS}/st/status", upd)
        self.assertEqual(st["status"], {"usage": 3})
        self.assertEqual(st["spec"]["priority"], 3)               # /status ignores spec
        self.assertEqual(st["metadata"]["labels"], {"l": "1"})    # ...and metadata
        self.assertEqual(st["metadata"]["generation"], 2)
        obj = self.assertStatus(self.req("PATCH", f"{EIPS}/st/status",
                                         {"status": {"usage": "many"}},
                                         ctype="application/merge-patch+json"), 422, "Invalid")
        self.assertEqual(obj["details"]["causes"][0]["field"], "status.usage")
        self.assertStatus(self.req("PATCH", f"{EIPS}/st", {"spec": {}},
                                   ctype="application/strategic-merge-patch+json"),
                          415, "UnsupportedMediaType")

    def test_printer_columns(self):
        self.ok("POST", EIPS, eip("cols"), want=201)
        self.ok("PATCH", f"{EIPS}/cols/status", {"status": {"usage": 4}},
                ctype="application/merge-patch+json")
        code, t, _ = self.req("GET", f"{EIPS}?fieldSelector=metadata.name%3Dcols", headers={
            "Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
        self.assertEqual(code, 200, t)
        self.assertEqual([c["name"] for c in t["columnDefinitions"]],
                         ["Name", "cidr", "usage", "Age"])
        self.assertEqual([c["type"] for c in t["columnDefinitions"]],
                         ["string", "string", "integer", "date"])
        cells = t["rows"][0]["cells"]
        self.assertEqual(cells[:3], ["cols", "192.0.2.0/28", 4])
        self.assertRegex(cells[3], r"^\d+s$")

    def test_finalizers(self):
        body = eip("fin")
        body["metadata"]["finalizers"] = ["example.com/hold"]
        self.ok("POST", EIPS, body, want=201)
        w = self.srv.watch(f"{EIPS}?watch=1&fieldSelector=metadata.name%3Dfin&timeoutSeconds=5")
        self.assertEqual(w.next_event()["type"], "ADDED")
        held = self.ok("DELETE", f"{EIPS}/fin")
        self.assertIn("deletionTimestamp", held["metadata"])
        self.assertEqual(self.ok("GET", f"{EIPS}/fin")["metadata"]["finalizers"],
                         ["example.com/hold"])
        ev = w.next_event()
        self.assertEqual(ev["type"], "MODIFIED")
        self.assertIn("deletionTimestamp", ev["object"]["metadata"])
        held["metadata"]["finalizers"].append("example.com/more")
        self.assertStatus(self.req("PUT", f"{EIPS}/fin", held), 422, "Invalid")
        self.ok("PATCH", f"{EIPS}/fin", {"metadata": {"finalizers": None}},
                ctype="application/merge-patch+json")
        self.assertEqual(w.next_event()["type"], "DELETED")
        self.assertStatus(self.req("GET", f"{EIPS}/fin"), 404, "NotFound")
        w.close()

    def test_namespaced_crd_without_status_and_deletion(self):
        self.ok("POST", CRDS, namespaced_crd(), want=201)
        base = "/apis/example.com/v1/namespaces/default/widgets"
        w = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
             "spec": {"size": 1}, "status": {"ok": True}}
        out = self.ok("POST", base, w, want=201)
        self.assertEqual(out["status"], {"ok": True})             # no subresource: kept
        out["status"] = {"ok": False}
        out = self.ok("PUT", f"{base}/w", out)
        self.assertEqual(out["status"], {"ok": False})
        self.assertEqual(out["metadata"]["generation"], 2)        # any non-metadata change
        self.assertStatus(self.req("GET", f"{base}/w/status"), 404, "NotFound")
        self.assertStatus(self.req("POST", "/apis/example.com/v1/widgets", w), 404, "NotFound")
        lst = self.ok("GET", "/apis/example.com/v1/widgets")
        self.assertEqual(lst["kind"], "WidgetList")
        self.assertEqual(lst["items"][0]["kind"], "Widget")       # unstructured items keep it
        deleted = self.ok("DELETE", f"{base}/w")
        self.assertEqual((deleted["kind"], deleted["status"]), ("Status", "Success"))
        self.assertEqual(deleted["details"]["name"], "w")
        self.ok("POST", base, dict(w, metadata={"name": "w2"}), want=201)
        self.ok("DELETE", f"{CRDS}/widgets.example.com")
        self.assertStatus(self.req("GET", f"{base}/w2"), 404, "NotFound")
        self.assertStatus(self.req("GET", "/apis/example.com/v1"), 404, "NotFound")
        self.assertNotIn("example.com", [g["name"] for g in self.ok("GET", "/apis")["groups"]])

    def test_two_versions_and_name_conflicts(self):
        crd = namespaced_crd()
        crd["metadata"]["name"] = "things.multi.example"
        crd["spec"]["group"] = "multi.example"
        crd["spec"]["names"] = {"kind": "Thing", "plural": "things"}
        v1 = crd["spec"]["versions"][0]
        v1beta1 = dict(v1, name="v1beta1", storage=False)
        crd["spec"]["versions"] = [v1beta1, v1]
        self.ok("POST", CRDS, crd, want=201)
        self.assertEqual(self.ok("GET", "/apis/multi.example")["preferredVersion"]["version"],
                         "v1")
        made = self.ok("POST", "/apis/multi.example/v1beta1/namespaces/default/things",
                       {"metadata": {"name": "t"}, "spec": {"a": 1}}, want=201)
        self.assertEqual(made["apiVersion"], "multi.example/v1beta1")
        got = self.ok("GET", "/apis/multi.example/v1/namespaces/default/things/t")
        self.assertEqual(got["apiVersion"], "multi.example/v1")
        self.assertEqual(got["metadata"]["uid"], made["metadata"]["uid"])
        clash = copy.deepcopy(crd)
        clash["metadata"]["name"] = "others.multi.example"
        clash["spec"]["names"] = {"kind": "Thing", "plural": "others"}
        out = self.ok("POST", CRDS, clash, want=201)
        conds = {c["type"]: c for c in self.ok("GET", f"{CRDS}/others.multi.example")
                 ["status"]["conditions"]}
        self.assertEqual(conds["NamesAccepted"]["status"], "False", out)
        self.assertEqual(conds["Established"]["status"], "False")
        self.assertStatus(self.req("GET", "/apis/multi.example/v1/others"), 404, "NotFound")

    def test_crd_update_changes_schema(self):
        crd = self.ok("POST", CRDS, dict(namespaced_crd(), metadata={
            "name": "gadgets.example.org"}, spec=dict(namespaced_crd()["spec"],
                                                      group="example.org",
                                                      names={"kind": "Gadget",
                                                             "plural": "gadgets"})), want=201)
        base = "/apis/example.org/v1/namespaces/default/gadgets"
        self.ok("POST", base, {"metadata": {"name": "g"}, "spec": {"n": "x"}}, want=201)
        crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = {
            "type": "object", "properties": {"spec": {"type": "object", "properties": {
                "n": {"type": "integer"}}}}}
        self.ok("PUT", f"{CRDS}/gadgets.example.org", crd)
        self.assertStatus(self.req("POST", base, {"metadata": {"name": "g2"},
                                                  "spec": {"n": "x"}}), 422, "Invalid")
        crd = self.ok("GET", f"{CRDS}/gadgets.example.org")
        crd["spec"]["scope"] = "Cluster"
        self.assertStatus(self.req("PUT", f"{CRDS}/gadgets.example.org", crd), 422, "Invalid")


if __name__ == "__main__":
    unittest.main()
