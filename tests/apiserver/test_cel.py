"""CEL validation rules (x-kubernetes-validations), several served versions
with conversion None (storage version, pruning of the answer, deprecation
warnings), the conversion block's validation, and the cidr format: the
stand-in against the real apiextensions-apiserver's behaviour."""
import copy
import unittest

from harness import ServerTest
from kapi import cel, schema

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


class CelLanguage(unittest.TestCase):
    """The evaluator alone: CEL's semantics where they differ from Python's."""

    def ev(self, src, self_value=None, schema_=None, old=cel._MISSING):
        rule = cel.compile_rule(src, schema_ or {})
        return cel.evaluate(rule, cel.to_cel(self_value, schema_), old)

    def test_logic_absorbs_errors(self):
        # && and || are commutative: the side that decides wins over an error
        self.assertFalse(self.ev("1 / 0 == 1 && false"))
        self.assertTrue(self.ev("true || 1 / 0 == 1"))
        with self.assertRaisesRegex(cel.CelError, "division by zero"):
            self.ev("1 / 0 == 1 && true")
        with self.assertRaisesRegex(cel.CelError, "no such key: a"):
            self.ev("self.a == 1", {})
        self.assertTrue(self.ev("!has(self.a) || self.a == 1", {}))

    def test_integers_are_int64_and_truncate(self):
        with self.assertRaisesRegex(cel.CelError, "integer overflow"):
            self.ev("9223372036854775807 + 1 > 0")
        self.assertTrue(self.ev("-9223372036854775808 < 0"))
        self.assertTrue(self.ev("-7 / 2 == -3 && -7 % 2 == -1 && 7 % -2 == 1"))
        self.assertTrue(self.ev("1 == 1.0 && 2u > 1u && 'a' < 'b'"))
        with self.assertRaisesRegex(cel.CelError, "no such overload"):
            self.ev("1 < 'a'")

    def test_durations_as_go_parses_them(self):
        self.assertTrue(self.ev("duration('1m30s') == duration('90s')"))
        self.assertEqual(self.ev("duration(self).getSeconds() == 1", "1.9s"), True)
        self.assertEqual(self.ev("duration(self).getMilliseconds() == 1500", "1.5s"), True)
        self.assertEqual(self.ev("duration(self).getSeconds() == -1", "-1.5s"), True)
        self.assertTrue(self.ev("duration('333333333ns') < duration('1s') / 1 || true"))
        for bad in ("90", "1d", "", "1.s5"):
            with self.assertRaises(cel.CelError, msg=bad):
                self.ev("duration(self) > duration('0s')", bad)
        self.assertEqual(cel.parse_duration("1h2m3.5s").ns, 3723500000000)
        self.assertEqual(cel.parse_duration("+0").ns, 0)
        self.assertEqual(cel.parse_duration("1µs").ns, 1000)

    def test_macros_strings_and_maps(self):
        s = {"type": "object", "properties": {
            "l": {"type": "array", "items": {"type": "integer"}},
            "m": {"type": "object", "additionalProperties": {"type": "string"}}}}
        v = {"l": [1, 2, 3], "m": {"k": "v"}}
        self.assertTrue(self.ev("self.l.all(x, x > 0) && self.l.exists_one(x, x == 2)", v, s))
        self.assertTrue(self.ev("self.l.filter(x, x > 1) == [2, 3]", v, s))
        self.assertTrue(self.ev("self.l.map(x, x * 2) == [2, 4, 6] && size(self.l) == 3", v, s))
        self.assertTrue(self.ev("'k' in self.m && self.m.k == 'v' && self.m['k'] == 'v'", v, s))
        self.assertTrue(self.ev("'abc'.startsWith('a') && 'abc'.matches('^a.c$') && "
                                "'a,b'.split(',') == ['a', 'b'] && ['a', 'b'].join('-') == "
                                "'a-b' && 'AbC'.lowerAscii() == 'abc'"))
        # Go's RE2: '$' is the end of the text, not before a final newline
        self.assertFalse(self.ev("self.matches('^a$')", "a\n"))

    def test_schema_types(self):
        s = {"type": "object", "properties": {
            "d": {"type": "string", "format": "duration"},
            "n": {"type": "number"}, "i": {"type": "integer"}}}
        self.assertTrue(self.ev("self.d > duration('1s') && self.n == 2.0 && self.i == 2",
                                {"d": "2s", "n": 2, "i": 2}, s))

    def test_compile_errors(self):
        s = {"type": "object", "properties": {"a": {"type": "string"}}}
        for src, want in (("self.b == 1", "undefined field 'b'"),
                          ("foo(self)", "undeclared reference to 'foo'"),
                          ("other == 1", "undeclared reference to 'other'"),
                          ("self.a ==", "Syntax error"),
                          ("self.a == 'x", "Syntax error"),
                          ("has(self)", "invalid argument to has")):
            with self.assertRaisesRegex(cel.CompileError, want, msg=src):
                cel.compile_rule(src, s)
        # a function the real library has: compiles, not evaluated here
        r = cel.compile_rule("isCIDR(self.a)", s)
        self.assertFalse(r.supported)
        self.assertTrue(cel.compile_rule("self.a == oldSelf.a", s).uses_old_self)

    def test_cidr_format_is_parsecidrsloppy(self):
        ok = ("192.0.2.0/24", "192.0.02.0/24", "2001:db8::/32", "192.0.2.7/32")
        bad = ("192.0.2.0", "192.0.2.0/33", "192.0.2.0/255.255.255.0", "2001:db8::%eth0/64",
               "2001:db8::/129", "192.0.2.0/-1", "x/24")
        for v in ok:
            self.assertTrue(schema._format_ok("cidr", v), v)
        for v in bad:
            self.assertFalse(schema._format_ok("cidr", v), v)


def peer_crd(**extra_v1):
    """A CRD like MetalLB's BGPPeer: v2 stored, v1 served and deprecated,
    conversion None, rules at several levels."""
    spec2 = {"type": "object", "required": ["myASN"],
             "x-kubernetes-validations": [
                 {"rule": "has(self.peerASN) != has(self.dynamicASN)",
                  "message": "exactly one of peerASN and dynamicASN"},
                 {"rule": "!has(self.keepaliveTime) || !has(self.holdTime) || "
                          "duration(self.keepaliveTime) <= duration(self.holdTime)"}],
             "properties": {
                 "myASN": {"type": "integer", "minimum": 1},
                 "peerASN": {"type": "integer"},
                 "dynamicASN": {"type": "string", "enum": ["internal", "external"]},
                 "port": {"type": "integer", "default": 179},
                 "holdTime": {"type": "string", "x-kubernetes-validations": [
                     {"rule": "duration(self) >= duration('3s')",
                      "message": "must be at least 3s"}]},
                 "keepaliveTime": {"type": "string"},
                 "graceful": {"type": "boolean", "x-kubernetes-validations": [
                     {"rule": "self == oldSelf", "message": "immutable"}]},
                 "vrf": {"type": "string"},
                 "tags": {"type": "array", "items": {"type": "string", "x-kubernetes-validations": [
                     {"rule": "self.size() > 1"}]}},
                 "ips": {"type": "array", "items": {"type": "string", "x-kubernetes-validations": [
                     {"rule": "isIP(self)"}]}}}}
    spec1 = {"type": "object", "required": ["myASN", "peerASN"], "properties": {
        "myASN": {"type": "integer"}, "peerASN": {"type": "integer"},
        "holdTime": {"type": "string"}}}
    v2 = {"name": "v2", "served": True, "storage": True,
          "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": spec2}}}}
    v1 = dict({"name": "v1", "served": True, "storage": False, "deprecated": True,
               "schema": {"openAPIV3Schema": {"type": "object",
                                              "properties": {"spec": spec1}}}}, **extra_v1)
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "peers.cel.example"},
            "spec": {"group": "cel.example", "scope": "Namespaced",
                     "names": {"kind": "Peer", "plural": "peers"},
                     "conversion": {"strategy": "None"}, "versions": [v2, v1]}}


V2 = "/apis/cel.example/v2/namespaces/default/peers"
V1 = "/apis/cel.example/v1/namespaces/default/peers"


def peer(name, api="v2", **spec):
    return {"apiVersion": f"cel.example/{api}", "kind": "Peer", "metadata": {"name": name},
            "spec": spec}


class CelAndVersions(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        code, obj, _ = cls.srv.request("POST", CRDS, peer_crd())
        assert code == 201, obj

    def causes(self, resp):
        obj = self.assertStatus(resp, 422, "Invalid")
        return [(c["field"], c["message"]) for c in obj["details"]["causes"]]

    def test_rules_refuse_with_field_and_message(self):
        self.assertEqual(self.causes(self.req("POST", V2, peer("a", myASN=1))),
                         [("spec", "Invalid value: exactly one of peerASN and dynamicASN")])
        self.assertEqual(self.causes(self.req("POST", V2, peer("a", myASN=1, peerASN=2,
                                                               holdTime="2s"))),
                         [("spec.holdTime", 'Invalid value: "2s": must be at least 3s')])
        # no message: the rule itself is quoted
        got = self.causes(self.req("POST", V2, peer("a", myASN=1, peerASN=2, holdTime="3s",
                                                     keepaliveTime="4s")))
        self.assertEqual(got[0][0], "spec")
        self.assertIn("failed rule: !has(self.keepaliveTime)", got[0][1])
        # list items: the item's path
        self.assertEqual(self.causes(self.req("POST", V2, peer("a", myASN=1, peerASN=2,
                                                               tags=["ab", "c"])))[0][0],
                         "spec.tags[1]")
        # a runtime error is a refusal too, naming the error
        got = self.causes(self.req("POST", V2, peer("a", myASN=1, peerASN=2, holdTime="3")))
        self.assertEqual(got, [("spec.holdTime", 'Invalid value: "string": time: missing unit '
                                'in duration "3" evaluating rule: must be at least 3s')])
        # a rule with a function the stand-in does not implement is not enforced
        self.ok("POST", V2, peer("ok", myASN=1, peerASN=2, holdTime="90s", ips=["nope"]),
                want=201)

    def test_openapi_errors_that_block_cel(self):
        # enum (NotSupported), required, type: CEL does not run, one cause says so
        got = self.causes(self.req("POST", V2, peer("b", myASN=1, dynamicASN="both",
                                                     holdTime="1s")))
        self.assertIn(("spec.dynamicASN",
                       'Unsupported value: "both": supported values: "internal", "external"'),
                      got)
        self.assertIn(("<nil>", 'Invalid value: "null": some validation rules were not '
                       "checked because the object was invalid; correct the existing errors "
                       "to complete validation"), got)
        self.assertNotIn("spec.holdTime", [f for f, _ in got])
        # minimum (Invalid) does not block: both are reported
        got = self.causes(self.req("POST", V2, peer("b", myASN=0, peerASN=1, holdTime="1s")))
        self.assertEqual(sorted(f for f, _ in got), ["spec.holdTime", "spec.myASN"])

    def test_transition_rule_only_on_update(self):
        made = self.ok("POST", V2, peer("t", myASN=1, peerASN=2, graceful=True), want=201)
        made["spec"]["graceful"] = False
        self.assertEqual(self.causes(self.req("PUT", f"{V2}/t", made)),
                         [("spec.graceful", "Invalid value: false: immutable")])
        # absent before: nothing to compare, allowed
        self.ok("POST", V2, peer("t2", myASN=1, peerASN=2), want=201)
        self.ok("PATCH", f"{V2}/t2", {"spec": {"graceful": True}},
                ctype="application/merge-patch+json")
        self.ok("PATCH", f"{V2}/t2", {"spec": {"vrf": "red"}},
                ctype="application/merge-patch+json")

    def test_crd_with_a_rule_that_does_not_compile_is_refused(self):
        for rule, want in (("self.nope == 1", "undefined field 'nope'"),
                           ("self ==", "Syntax error"),
                           ("frobnicate(self)", "undeclared reference to 'frobnicate'")):
            crd = peer_crd()
            crd["metadata"]["name"] = "bads.cel.example"
            crd["spec"]["names"] = {"kind": "Bad", "plural": "bads"}
            crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"][
                "x-kubernetes-validations"] = [{"rule": rule}]
            got = self.causes(self.req("POST", CRDS, crd))
            self.assertEqual(got[0][0], "spec.versions[0].schema.openAPIV3Schema"
                             ".properties[spec].x-kubernetes-validations[0].rule", rule)
            self.assertIn("compilation failed: ERROR: <input>:", got[0][1])
            self.assertIn(want, got[0][1])
        # oldSelf under the items of an atomic list cannot be correlated
        crd = peer_crd()
        crd["metadata"]["name"] = "bads.cel.example"
        crd["spec"]["names"] = {"kind": "Bad", "plural": "bads"}
        crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"][
            "properties"]["tags"]["items"]["x-kubernetes-validations"] = [
                {"rule": "self == oldSelf"}]
        got = self.causes(self.req("POST", CRDS, crd))
        self.assertIn("uncorrelatable", got[0][1])

    def test_deprecated_version_stored_as_the_storage_version(self):
        code, made, r = self.req("POST", V1, peer("old", api="v1", myASN=1, peerASN=2,
                                                   holdTime="90s"))
        self.assertEqual(code, 201, made)
        # the real default warning names the newest served version
        self.assertEqual(r.getheader("Warning"),
                         '299 - "cel.example/v1 Peer is deprecated; use cel.example/v2 Peer"')
        self.assertEqual(made["apiVersion"], "cel.example/v1")
        # read from storage: v2's defaults, then v1's schema prunes the answer
        self.assertEqual(made["spec"], {"myASN": 1, "peerASN": 2, "holdTime": "90s"})
        got = self.ok("GET", f"{V2}/old")
        self.assertEqual(got["apiVersion"], "cel.example/v2")
        self.assertEqual(got["spec"]["port"], 179)
        state = self.ok("GET", "/_admin/state")
        stored = [o for o in state["objects"]["peers.cel.example"]
                  if o["metadata"]["name"] == "old"]
        self.assertEqual(stored[0]["apiVersion"], "cel.example/v2")
        # v2-only fields: kept when written through v2, absent from v1's view;
        # a patch through v1 works on that view and so drops them
        self.ok("PATCH", f"{V2}/old", {"spec": {"vrf": "red"}},
                ctype="application/merge-patch+json")
        code, v1view, r = self.req("GET", f"{V1}/old")
        self.assertNotIn("vrf", v1view["spec"])
        self.assertIn("deprecated", r.getheader("Warning"))
        self.assertEqual(self.ok("GET", f"{V2}/old")["spec"]["vrf"], "red")
        self.ok("PATCH", f"{V1}/old", {"spec": {"holdTime": "60s"}},
                ctype="application/merge-patch+json")
        now = self.ok("GET", f"{V2}/old")["spec"]
        self.assertEqual(now["holdTime"], "60s")
        self.assertNotIn("vrf", now)
        # lists and watches through v1 see v1's shape too
        lst = self.ok("GET", V1)
        self.assertTrue(all(i["apiVersion"] == "cel.example/v1" and "port" not in i["spec"]
                            for i in lst["items"]))
        # errors through the deprecated version carry the warning too
        code, _, r = self.req("GET", f"{V1}/none")
        self.assertEqual(code, 404)
        self.assertIn("deprecated", r.getheader("Warning"))
        # v2 requests carry none; a write that changes no field keeps the
        # generation (defaults count as written), and writes nothing the
        # second time (the first moves managedFields to v2)
        code, cur, r = self.req("GET", f"{V2}/old")
        self.assertIsNone(r.getheader("Warning"))
        gen = cur["metadata"]["generation"]
        del cur["spec"]["port"]
        again = self.ok("PUT", f"{V2}/old", cur)
        self.assertEqual(again["metadata"]["generation"], gen)
        third = self.ok("PUT", f"{V2}/old", again)
        self.assertEqual(third["metadata"]["resourceVersion"],
                         again["metadata"]["resourceVersion"])

    def test_custom_deprecation_warning(self):
        crd = peer_crd(deprecationWarning="v1 is going away")
        crd["metadata"]["name"] = "others.cel.example"
        crd["spec"]["names"] = {"kind": "Other", "plural": "others"}
        self.ok("POST", CRDS, crd, want=201)
        code, _, r = self.req("GET", "/apis/cel.example/v1/namespaces/default/others")
        self.assertEqual(code, 200)
        self.assertEqual(r.getheader("Warning"), '299 - "v1 is going away"')

    def test_conversion_block_is_validated(self):
        crd = peer_crd()
        crd["metadata"]["name"] = "convs.cel.example"
        crd["spec"]["names"] = {"kind": "Conv", "plural": "convs"}
        hook = {"clientConfig": {"service": {"name": "w", "namespace": "x"}},
                "conversionReviewVersions": ["v1"]}
        bad = copy.deepcopy(crd)
        bad["spec"]["conversion"] = {"strategy": "None", "webhook": hook}
        got = self.causes(self.req("POST", CRDS, bad))
        self.assertIn(("spec.conversion.webhookClientConfig",
                       "Forbidden: should not be set when strategy is not set to Webhook"), got)
        bad["spec"]["conversion"] = {"strategy": "Webhook"}
        got = self.causes(self.req("POST", CRDS, bad))
        self.assertIn("spec.conversion.webhookClientConfig", [f for f, _ in got])
        bad["spec"]["conversion"] = {"strategy": "Magic"}
        got = self.causes(self.req("POST", CRDS, bad))
        self.assertEqual(got[0][0], "spec.conversion.strategy")


if __name__ == "__main__":
    unittest.main()
