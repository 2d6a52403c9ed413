"""Unit tests of the pure modules: selectors, patches, schemas, JSONPath,
managedFields, store history."""
import unittest

import harness  # noqa: F401  (puts tools/apiserver on sys.path)
from kapi import errors, jsonpath, managed, meta, patch, schema, selectors
from kapi.store import Store


class LabelSelectors(unittest.TestCase):
    def m(self, sel, labels):
        return selectors.LabelSelector.parse(sel).matches(labels)

    def test_operators(self):
        L = {"app": "web", "tier": "front", "n": "5"}
        self.assertTrue(self.m("app=web", L))
        self.assertTrue(self.m("app==web,tier=front", L))
        self.assertFalse(self.m("app=web,tier=back", L))
        self.assertTrue(self.m("app!=db", L))
        self.assertTrue(self.m("missing!=x", L))       # != matches an absent key
        self.assertTrue(self.m("app in (db, web)", L))
        self.assertFalse(self.m("app notin (db,web)", L))
        self.assertTrue(self.m("missing notin (a)", L))
        self.assertTrue(self.m("app", L))
        self.assertFalse(self.m("!app", L))
        self.assertTrue(self.m("!missing", L))
        self.assertTrue(self.m("n>4,n<6", L))
        self.assertFalse(self.m("n>5", L))
        self.assertTrue(self.m("", {}))

    def test_empty_value_and_in_with_empty(self):
        self.assertTrue(self.m("a=", {"a": ""}))
        self.assertTrue(self.m("a in (,x)", {"a": ""}))

    def test_parse_errors_are_400(self):
        for bad in ["a=b,", "a in b", "=x", "a b", "a in (b", "!", "a>b", "in (x)"]:
            with self.assertRaises(errors.ApiError, msg=bad) as cm:
                selectors.LabelSelector.parse(bad)
            self.assertEqual(cm.exception.code, 400)


class FieldSelectors(unittest.TestCase):
    def test_match_and_unknown_field(self):
        fs = selectors.FieldSelector.parse("metadata.name=a,metadata.namespace!=kube-system",
                                           ["metadata.name", "metadata.namespace"])
        self.assertTrue(fs.matches({"metadata.name": "a", "metadata.namespace": "default"}))
        self.assertFalse(fs.matches({"metadata.name": "a", "metadata.namespace": "kube-system"}))
        self.assertEqual(fs.exact_name(), "a")
        with self.assertRaises(errors.ApiError) as cm:
            selectors.FieldSelector.parse("spec.x=1", ["metadata.name"])
        self.assertEqual(cm.exception.code, 400)
        self.assertIn('"spec.x" is not a known field selector', cm.exception.message)

    def test_escaped_comma(self):
        fs = selectors.FieldSelector.parse(r"metadata.name=a\,b", ["metadata.name"])
        self.assertTrue(fs.matches({"metadata.name": "a,b"}))


class MergePatch(unittest.TestCase):
    def test_rfc7386_appendix_a(self):
        # A selection of RFC 7386 Appendix A's examples.
        cases = [({"a": "b"}, {"a": "c"}, {"a": "c"}),
                 ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
                 ({"a": "b"}, {"a": None}, {}),
                 ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
                 ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
                 ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
                 ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
                 ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}})]
        for target, p, want in cases:
            self.assertEqual(patch.merge_patch(target, p), want, (target, p))

    def test_does_not_mutate_target(self):
        t = {"a": {"b": 1}}
        patch.merge_patch(t, {"a": {"b": 2}})
        self.assertEqual(t, {"a": {"b": 1}})


class JsonPatch(unittest.TestCase):
    def test_ops(self):
        doc = {"a": {"b": [1, 2]}, "c": "x"}
        out = patch.json_patch(doc, [
            {"op": "add", "path": "/a/b/1", "value": 9},
            {"op": "add", "path": "/a/b/-", "value": 3},
            {"op": "replace", "path": "/c", "value": "y"},
            {"op": "copy", "from": "/c", "path": "/d"},
            {"op": "move", "from": "/d", "path": "/e"},
            {"op": "remove", "path": "/a/b/0"},
            {"op": "test", "path": "/e", "value": "y"},
            {"op": "add", "path": "/f~1g", "value": 1},
        ])
        self.assertEqual(out, {"a": {"b": [9, 2, 3]}, "c": "y", "e": "y", "f/g": 1})
        self.assertEqual(doc, {"a": {"b": [1, 2]}, "c": "x"})

    def test_failures(self):
        bad = [[{"op": "test", "path": "/c", "value": "no"}],
               [{"op": "remove", "path": "/missing"}],
               [{"op": "replace", "path": "/missing", "value": 1}],
               [{"op": "add", "path": "/a/b/7", "value": 1}],
               [{"op": "move", "from": "/a", "path": "/a/x"}],
               [{"op": "frob", "path": "/c"}],
               [{"op": "add", "path": "c", "value": 1}],
               [{"op": "test", "path": "/n", "value": True}]]
        for ops in bad:
            with self.assertRaises(errors.ApiError, msg=ops) as cm:
                patch.json_patch({"a": {"b": [1]}, "c": "x", "n": 1}, ops)
            self.assertEqual(cm.exception.code, 422)


class StrategicMergePatch(unittest.TestCase):
    KEYS = {".spec.ports": "port", ".metadata.finalizers": ""}

    def test_keyed_list_merge_delete_and_order(self):
        live = {"spec": {"ports": [{"port": 80, "name": "http", "nodePort": 30080},
                                   {"port": 443, "name": "https"}], "type": "LoadBalancer"}}
        p = {"spec": {"$setElementOrder/ports": [{"port": 8080}, {"port": 80}],
                      "ports": [{"port": 8080, "name": "alt"}, {"port": 443, "$patch": "delete"},
                                {"port": 80, "targetPort": 8000}]}}
        out = patch.strategic_merge_patch(live, p, self.KEYS)
        self.assertEqual(out["spec"]["ports"], [
            {"port": 8080, "name": "alt"},
            {"port": 80, "name": "http", "nodePort": 30080, "targetPort": 8000}])
        self.assertEqual(out["spec"]["type"], "LoadBalancer")

    def test_unkeyed_list_replaced_and_null_deletes(self):
        live = {"spec": {"externalIPs": ["1.1.1.1"], "x": 1}}
        out = patch.strategic_merge_patch(live, {"spec": {"externalIPs": ["2.2.2.2"],
                                                          "x": None}}, self.KEYS)
        self.assertEqual(out, {"spec": {"externalIPs": ["2.2.2.2"]}})

    def test_primitive_set_and_delete_from_list(self):
        live = {"metadata": {"finalizers": ["a", "b"]}}
        out = patch.strategic_merge_patch(live, {"metadata": {"finalizers": ["c", "a"]}},
                                          self.KEYS)
        self.assertEqual(out["metadata"]["finalizers"], ["a", "b", "c"])
        out = patch.strategic_merge_patch(
            live, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, self.KEYS)
        self.assertEqual(out["metadata"]["finalizers"], ["b"])

    def test_replace_and_retain_keys(self):
        live = {"spec": {"a": 1, "b": 2}}
        out = patch.strategic_merge_patch(live, {"spec": {"$patch": "replace", "c": 3}},
                                          self.KEYS)
        self.assertEqual(out, {"spec": {"c": 3}})
        out = patch.strategic_merge_patch(live, {"spec": {"$retainKeys": ["b"], "b": 5}},
                                          self.KEYS)
        self.assertEqual(out, {"spec": {"b": 5}})

    def test_delete_from_absent_list_leaves_empty_list(self):
        # apimachinery mergeMap: a key absent from the live object takes the
        # patch value through removeDirectives, which drops "$patch" items.
        out = patch.strategic_merge_patch(
            {"status": {}}, {"status": {"conditions": [{"type": "X", "$patch": "delete"},
                                                       {"type": "Y", "status": "True"}]}},
            {".status.conditions": "type"})
        self.assertEqual(out, {"status": {"conditions": [{"type": "Y", "status": "True"}]}})

    def test_missing_merge_key_is_400(self):
        with self.assertRaises(errors.ApiError) as cm:
            patch.strategic_merge_patch({"spec": {"ports": [{"port": 1}]}},
                                        {"spec": {"ports": [{"name": "x"}]}}, self.KEYS)
        self.assertEqual(cm.exception.code, 400)


SCHEMA = {
    "type": "object",
    "properties": {
        "spec": {"type": "object", "required": ["address"], "properties": {
            "address": {"type": "string", "pattern": "^[0-9./]+$", "maxLength": 18},
            "port": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 179},
            "mode": {"type": "string", "enum": ["bgp", "layer2"]},
            "ip": {"type": "string", "format": "ipv4"},
            "ip6": {"type": "string", "format": "ipv6"},
            "ratio": {"type": "number", "exclusiveMaximum": True, "maximum": 1},
            "ios": {"x-kubernetes-int-or-string": True},
            "opt": {"type": "string", "nullable": True},
            "defnull": {"type": "string", "default": "d"},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2,
                     "x-kubernetes-list-type": "set"},
            "peers": {"type": "array", "x-kubernetes-list-type": "map",
                      "x-kubernetes-list-map-keys": ["name"],
                      "items": {"type": "object", "properties": {
                          "name": {"type": "string"},
                          "asn": {"type": "integer", "default": 65000}}}},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                     "properties": {"known": {"type": "object", "properties": {
                         "a": {"type": "string"}}}}},
            "embedded": {"type": "object", "x-kubernetes-embedded-resource": True,
                         "properties": {"spec": {"type": "object"}}},
            "one": {"type": "string", "oneOf": [{"pattern": "^a"}, {"pattern": "b$"}]},
        }},
    },
}


class Schemas(unittest.TestCase):
    def fields(self, causes):
        return sorted((r, f) for r, f, _ in causes)

    def test_valid_object_has_no_causes(self):
        obj = {"spec": {"address": "10.0.0.0/24", "port": 80, "mode": "bgp", "ip": "10.0.0.1",
                        "ip6": "fd00::1", "ratio": 0.5, "ios": "50%", "opt": None,
                        "tags": ["a"], "peers": [{"name": "x"}], "labels": {"a": "b"}}}
        self.assertEqual(schema.validate(SCHEMA, obj), [])

    def test_each_rule_reports_its_field(self):
        obj = {"spec": {"address": "nope!", "port": 70000, "mode": "vip", "ip": "1.2.3",
                        "ip6": "1.2.3.4", "ratio": 1, "ios": 1.5, "tags": ["a", "a", "b"],
                        "peers": [{"name": "x"}, {"name": "x"}], "labels": {"a": 1},
                        "one": "ab"}}
        causes = schema.validate(SCHEMA, obj)
        got = self.fields(causes)
        for want in [("FieldValueInvalid", "spec.address"), ("FieldValueInvalid", "spec.port"),
                     ("FieldValueNotSupported", "spec.mode"), ("FieldValueInvalid", "spec.ip"),
                     ("FieldValueInvalid", "spec.ip6"), ("FieldValueInvalid", "spec.ratio"),
                     ("FieldValueTypeInvalid", "spec.ios"), ("FieldValueTooMany", "spec.tags"),
                     ("FieldValueDuplicate", "spec.tags[1]"),
                     ("FieldValueDuplicate", "spec.peers[1]"),
                     ("FieldValueTypeInvalid", "spec.labels.a"),
                     ("FieldValueInvalid", "spec.one")]:
            self.assertIn(want, got)
        msgs = {f: m for _, f, m in causes}
        self.assertEqual(msgs["spec.port"], "Invalid value: 70000: spec.port in body should be "
                         "less than or equal to 65535")
        self.assertEqual(msgs["spec.mode"],
                         'Unsupported value: "vip": supported values: "bgp", "layer2"')
        self.assertIn("should match '^[0-9./]+$'", msgs["spec.address"])

    def test_required_and_types(self):
        causes = schema.validate(SCHEMA, {"spec": {"port": "80"}})
        self.assertIn(("FieldValueRequired", "spec.address", "Required value"), causes)
        self.assertIn(("FieldValueTypeInvalid", "spec.port"), self.fields(causes))
        causes = schema.validate(SCHEMA, {"spec": "x"})
        self.assertEqual(self.fields(causes), [("FieldValueTypeInvalid", "spec")])

    def test_null_needs_nullable(self):
        causes = schema.validate(SCHEMA, {"spec": {"address": "1", "mode": None}})
        self.assertEqual(self.fields(causes), [("FieldValueTypeInvalid", "spec.mode")])

    def test_prune_keeps_known_and_preserved(self):
        obj = {"apiVersion": "x/v1", "kind": "K",
               "metadata": {"name": "n", "bogus": 1, "labels": {"a": "b"}},
               "spec": {"address": "1", "unknown": 1,
                        "free": {"anything": {"x": 1}, "known": {"a": "s", "drop": 2}},
                        "embedded": {"apiVersion": "v1", "kind": "Pod",
                                     "metadata": {"name": "p", "junk": 1},
                                     "spec": {}, "other": 1},
                        "peers": [{"name": "x", "junk": True}]},
               "status": {"x": 1}, "top": 2}
        pruned = schema.prune(SCHEMA, obj)
        self.assertEqual(sorted(pruned), sorted([
            "metadata.bogus", "spec.unknown", "spec.free.known.drop",
            "spec.embedded.metadata.junk", "spec.embedded.other", "spec.peers[0].junk",
            "status", "top"]))
        self.assertEqual(obj["metadata"], {"name": "n", "labels": {"a": "b"}})
        self.assertEqual(obj["spec"]["free"], {"anything": {"x": 1}, "known": {"a": "s"}})
        self.assertEqual(obj["spec"]["embedded"], {"apiVersion": "v1", "kind": "Pod",
                                                   "metadata": {"name": "p"}, "spec": {}})
        self.assertEqual(obj["apiVersion"], "x/v1")

    def test_defaults(self):
        obj = {"spec": {"address": "1", "defnull": None, "peers": [{"name": "a"},
                                                                     {"name": "b", "asn": 1}]}}
        schema.apply_defaults(SCHEMA, obj)
        self.assertEqual(obj["spec"]["port"], 179)
        self.assertEqual(obj["spec"]["defnull"], "d")
        self.assertEqual([p["asn"] for p in obj["spec"]["peers"]], [65000, 1])
        self.assertNotIn("mode", obj["spec"])            # no default, stays absent
        empty = {}
        schema.apply_defaults(SCHEMA, empty)
        self.assertEqual(empty, {})                      # spec absent: nothing defaulted

    def test_set_duplicates_name_the_item(self):
        # the second appearance of each value, once (listtype validation)
        s = {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"}
        self.assertEqual([(r, f) for r, f, _ in schema.validate(s, ["a", "b", "a", "a", "b"],
                                                                "spec.l")],
                         [("FieldValueDuplicate", "spec.l[2]"),
                          ("FieldValueDuplicate", "spec.l[4]")])
        self.assertEqual(schema.validate(s, ["a", "b"], "spec.l"), [])

    def test_pattern_has_go_semantics(self):
        # Go's '$' is the end of the text: "12\n" does not match ^[0-9]+$
        # (Python's '$' would match before the newline)
        s = {"type": "string", "pattern": "^[0-9]+$"}
        self.assertEqual(schema.validate(s, "12"), [])
        self.assertEqual(len(schema.validate(s, "12\n")), 1)
        # RE2's \d is ASCII: Arabic-Indic digits are no digits
        self.assertEqual(len(schema.validate({"type": "string", "pattern": r"^\d+$"},
                                             "\u0661\u0662")), 1)
        self.assertEqual(len(schema.validate({"type": "string", "pattern": r"^\w$"}, "\u00e9")), 1)
        # \z is Go's end of text too; $ in a class and \$ are literal
        self.assertEqual(len(schema.validate({"type": "string", "pattern": r"^a\z"}, "a\n")), 1)
        self.assertEqual(schema.validate({"type": "string", "pattern": r"^a[$]\$$"}, "a$$"), [])
        # with the m flag, '$' is the end of a line, in Go as in Python
        self.assertEqual(schema.validate({"type": "string", "pattern": "(?m)^a$"}, "a\nb"), [])
        # RE2's POSIX classes inside brackets
        s = {"type": "string", "pattern": "^[[:alpha:]_]+$"}
        self.assertEqual(schema.validate(s, "ab_c"), [])
        self.assertEqual(len(schema.validate(s, "a:b")), 1)
        # unanchored, as Go's MatchString
        self.assertEqual(schema.validate({"type": "string", "pattern": "b"}, "abc"), [])

    def test_berth_community_patterns(self):
        u16 = ("(0|[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|"
               "6553[0-5])")
        s = {"type": "string", "pattern": f"^(no-export|blackhole|{u16}:{u16})$"}
        for ok in ("0:0", "65535:65535", "65000:100", "no-export", "blackhole"):
            self.assertEqual(schema.validate(s, ok), [], ok)
        for bad in ("65536:1", "1:", ":1", "1:2:3", "-1:2", " 1:2", "1:2 ", "1:2\n",
                    "no_export", "", "01:2", "no-export\n"):
            self.assertEqual(len(schema.validate(s, bad)), 1, repr(bad))

    def test_invalid_patterns(self):
        for bad in ("(", "a(?=b)", "a(?!b)", "(?<=a)b", "(?<!a)b", r"(a)\1", "(?P<x>a)(?P=x)",
                    "(?>a)", "a*+", "a++", r"\Qa\E", r"a\Z", "[a", "[[:bogus:]]", "(?U)a*"):
            with self.assertRaises(schema.GoRegexError, msg=bad):
                schema.go_regex(bad)
            errs = schema.structural_errors({"type": "object", "properties": {
                "a": {"type": "string", "pattern": bad}}})
            self.assertEqual([f for f, _ in errs],
                             ["spec.validation.openAPIV3Schema.properties[a].pattern"], bad)
            self.assertIn("must be a valid regular expression, but isn't", errs[0][1])
            # a value is not judged by a pattern the CRD could not have had
            self.assertEqual(schema.validate({"type": "string", "pattern": bad}, "x"), [])
        # RE2 has these; so does Python, with the same meaning
        for good in ("(?i)abc", "(?P<n>a)", "(?<n>a)", "[]a]", "[^]a]", r"\(", "a{2,3}",
                     r"[\d.]+", "(?s:.)"):
            schema.go_regex(good)
            self.assertEqual(schema.structural_errors({"type": "object", "properties": {
                "a": {"type": "string", "pattern": good}}}), [], good)

    def test_structural_errors(self):
        self.assertEqual(schema.structural_errors(SCHEMA), [])
        errs = schema.structural_errors({"type": "object", "properties": {
            "a": {}, "b": {"type": "array"}, "c": {"anyOf": [{"type": "string"}]}}})
        fields = [f for f, _ in errs]
        self.assertIn("spec.validation.openAPIV3Schema.properties[a].type", fields)
        self.assertIn("spec.validation.openAPIV3Schema.properties[b].items", fields)
        self.assertIn("spec.validation.openAPIV3Schema.properties[c].anyOf[0].type", fields)


class JSONPath(unittest.TestCase):
    DOC = {"spec": {"a": [{"t": "x", "v": 1}, {"t": "y", "v": 2}], "m": {"k.k": "v"}},
           "status": {"ok": True}}

    def find(self, expr):
        return jsonpath.find(jsonpath.parse(expr), self.DOC)

    def test_paths(self):
        self.assertEqual(self.find(".spec.a[1].v"), [2])
        self.assertEqual(self.find(".spec.a[*].t"), ["x", "y"])
        self.assertEqual(self.find(".spec.m['k.k']"), ["v"])
        self.assertEqual(self.find('.spec.a[?(@.t=="y")].v'), [2])
        self.assertEqual(self.find(".spec.missing"), [])
        self.assertEqual(self.find(".spec.a[-1].t"), ["y"])
        self.assertEqual(jsonpath.text(self.find(".status.ok")[0]), "true")
        self.assertEqual(jsonpath.text([1, "a"]), "[1 a]")

    def test_bad(self):
        for bad in ["spec", ".a[", ".a[?(@.x>1)]"]:
            with self.assertRaises(jsonpath.JSONPathError):
                jsonpath.parse(bad)


class ManagedFields(unittest.TestCase):
    def obj(self, **spec):
        return {"apiVersion": "v1", "kind": "X", "metadata": {"name": "a"}, "spec": spec}

    def owners(self, obj):
        return {e["manager"]: managed.from_fields_v1(e["fieldsV1"])
                for e in obj["metadata"].get("managedFields", [])}

    def test_update_takes_changed_fields(self):
        a = self.obj(x=1, y=2)
        managed.record_update(a, None, "one", "v1")
        b = self.obj(x=1, y=3)
        b["metadata"]["managedFields"] = a["metadata"]["managedFields"]
        managed.record_update(b, a, "two", "v1")
        self.assertEqual(self.owners(b), {"one": {("spec", "x")}, "two": {("spec", "y")}})

    def test_apply_conflict_force_and_removal(self):
        live = self.obj(x=1)
        managed.record_update(live, None, "other", "v1")
        with self.assertRaises(errors.ApiError) as cm:
            managed.apply(live, self.obj(x=2), "me", False, "v1")
        self.assertEqual(cm.exception.code, 409)
        self.assertEqual(cm.exception.details["causes"][0]["field"], ".spec.x")
        self.assertEqual(cm.exception.details["causes"][0]["reason"], "FieldManagerConflict")
        # Same value: shared ownership, no conflict.
        shared = managed.apply(live, self.obj(x=1, z=5), "me", False, "v1")
        self.assertEqual(self.owners(shared)["me"], {("spec", "x"), ("spec", "z")})
        self.assertIn(("spec", "x"), self.owners(shared)["other"])
        # Dropping z from my config removes it (nobody else owns it), x stays.
        again = managed.apply(shared, self.obj(), "me", False, "v1")
        self.assertEqual(again["spec"], {"x": 1})
        forced = managed.apply(live, self.obj(x=2), "me", True, "v1")
        self.assertEqual(forced["spec"]["x"], 2)
        self.assertNotIn("other", self.owners(forced))

    def test_fields_v1_round_trip(self):
        paths = {("spec", "a", "b"), ("metadata", "labels", "x.y/z")}
        self.assertEqual(managed.from_fields_v1(managed.to_fields_v1(paths)), paths)


class StoreHistory(unittest.TestCase):
    def obj(self, name, v):
        return {"metadata": {"name": name, "namespace": "d"}, "v": v}

    def test_list_at_and_compaction(self):
        s = Store(history_limit=100)
        a1 = s.commit("x", "ADDED", self.obj("a", 1), None)
        rv1 = s.rv
        a2 = s.commit("x", "MODIFIED", self.obj("a", 2), a1)
        s.commit("x", "ADDED", self.obj("b", 1), None)
        s.commit("x", "DELETED", a2, a2)
        self.assertEqual([o["v"] for o in s.list_at("x", rv1)], [1])
        self.assertEqual([o["metadata"]["name"] for o in s.list("x")[0]], ["b"])
        evs = s.events_since("x", rv1)
        self.assertEqual([e.type for e in evs], ["MODIFIED", "ADDED", "DELETED"])
        self.assertEqual(evs[-1].obj["metadata"]["resourceVersion"], str(s.rv))
        s.compact()
        self.assertIsNone(s.events_since("x", rv1))
        self.assertIsNone(s.list_at("x", rv1))
        self.assertEqual(s.events_since("x", s.rv), [])

    def test_history_limit_compacts(self):
        s = Store(history_limit=2)
        prev = s.commit("x", "ADDED", self.obj("a", 0), None)
        start = s.rv
        for i in range(1, 5):
            prev = s.commit("x", "MODIFIED", self.obj("a", i), prev)
        self.assertIsNone(s.events_since("x", start))
        self.assertEqual(len(s.events_since("x", s.rv - 2)), 2)


class Ages(unittest.TestCase):
    def test_human_duration(self):
        cases = [(5, "5s"), (119, "119s"), (125, "2m5s"), (600, "10m"), (3 * 3600 + 60, "3h1m"),
                 (10 * 3600, "10h"), (3 * 86400 + 3600, "3d1h"), (20 * 86400, "20d"),
                 (800 * 86400, "2y70d"), (-5, "<invalid>")]
        for secs, want in cases:
            self.assertEqual(meta.human_duration(secs), want, secs)

    def test_rfc3339(self):
        self.assertEqual(meta.parse_rfc3339("1970-01-01T00:01:00Z"), 60)
        self.assertEqual(meta.parse_rfc3339("1970-01-01T01:00:00+01:00"), 0)
        self.assertIsNone(meta.parse_rfc3339("yesterday"))


if __name__ == "__main__":
    unittest.main()
