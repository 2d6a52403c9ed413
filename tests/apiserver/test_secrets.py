"""core/v1 Secrets as the real server serves them: base64 data decoded as
Go decodes []byte (400 with Go's offset otherwise), stringData merged into
data and never stored, type defaulted to Opaque and immutable, key and
size validation, the required contents of the well-known types,
`immutable`, 404/409, the printed columns, protobuf bodies."""
import base64
import random
import unittest

from harness import ServerTest
from kapi import errors, gobytes, k8sproto
from test_hostile import ROUNDS, SEED, pb_field, pb_varint

NS = "/api/v1/namespaces/default/secrets"


def secret(name, data=None, **extra):
    s = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}}
    if data is not None:
        s["data"] = data
    s.update(extra)
    return s


def b64(s):
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


class GoBase64(unittest.TestCase):
    """The offsets are those of Go's base64.StdEncoding.Decode."""

    def test_accepted(self):
        for src, want in (("", b""), ("\n", b""), ("aGk=", b"hi"), ("aG==", b"h"),
                          ("aGlp", b"hii"), ("aGk\n=", b"hi"), ("aG=\r\n=", b"h"),
                          ("aGk=\n", b"hi"), ("aGlp\naGk=", b"hiihi"),
                          ("aGl=", b"hi"),       # non-zero trailing bits: not strict
                          ("a\nG\rl\np", b"hii")):
            self.assertEqual(gobytes.decode(src), want, src)
        self.assertEqual(gobytes.encode(gobytes.decode("aGl=")), "aGk=")

    def test_refused_at_go_offsets(self):
        for src, at in (("aGk", 0), ("aGlpa", 4), ("aGk=x", 4), ("a===", 1), ("====", 0),
                        ("aG=", 3), ("aG=x", 2), ("a!bc", 1), ("aGk=aGk=", 4),
                        ("aGlp aGk=", 4), ("aGk=\n\nx", 6), ("é", 0)):
            with self.assertRaises(gobytes.CorruptInput, msg=src) as cm:
                gobytes.decode(src)
            self.assertEqual(cm.exception.offset, at, src)
            self.assertEqual(str(cm.exception), f"illegal base64 data at input byte {at}")


class SecretsApi(ServerTest):
    def test_discovery(self):
        res = {r["name"]: r for r in self.ok("GET", "/api/v1")["resources"]}
        self.assertEqual(res["secrets"]["kind"], "Secret")
        self.assertTrue(res["secrets"]["namespaced"])
        self.assertEqual(sorted(res["secrets"]["verbs"]),
                         ["create", "delete", "deletecollection", "get", "list", "patch",
                          "update", "watch"])
        self.assertNotIn("secrets/status", res)

    def test_create_get_404_409(self):
        self.assertStatus(self.req("GET", f"{NS}/s1"), 404, "NotFound")
        got = self.ok("POST", NS, secret("s1", {"key": b64("v")}), want=201)
        self.assertEqual(got["type"], "Opaque")
        self.assertEqual(got["data"], {"key": b64("v")})
        self.assertEqual(got["metadata"]["namespace"], "default")
        self.assertTrue(got["metadata"]["uid"] and got["metadata"]["resourceVersion"])
        st = self.assertStatus(self.req("POST", NS, secret("s1", {"key": b64("w")})),
                               409, "AlreadyExists")
        self.assertEqual(st["message"], 'secrets "s1" already exists')
        self.assertEqual(st["details"], {"name": "s1", "kind": "secrets"})
        # the first one stays
        self.assertEqual(self.ok("GET", f"{NS}/s1")["data"], {"key": b64("v")})
        self.assertStatus(self.req("POST", "/api/v1/namespaces/nope/secrets", secret("x")),
                          404, "NotFound")
        self.ok("DELETE", f"{NS}/s1")
        self.assertStatus(self.req("GET", f"{NS}/s1"), 404, "NotFound")

    def test_base64_decoded_like_go(self):
        st = self.assertStatus(self.req("POST", NS, secret("bad", {"k": "not base64!"})),
                               400, "BadRequest")
        self.assertEqual(st["message"], 'Secret in version "v1" cannot be handled as a Secret: '
                         "illegal base64 data at input byte 3")
        st = self.assertStatus(self.req("POST", NS, secret("bad", {"k": "aGk"})),
                               400, "BadRequest")
        self.assertIn("illegal base64 data at input byte 0", st["message"])
        self.assertStatus(self.req("GET", f"{NS}/bad"), 404, "NotFound")
        # newlines are skipped and trailing bits ignored; the answer is canonical
        got = self.ok("POST", NS, secret("lax", {"a": "aG\nk=", "b": "aGl=", "c": None}))
        self.assertEqual(got["data"], {"a": "aGk=", "b": "aGk=", "c": ""})
        for body, msg in (
                (secret("t", {"k": 5}), "json: cannot unmarshal number into Go struct field "
                 "Secret.data of type []uint8"),
                (secret("t", ["x"]), "json: cannot unmarshal array into Go struct field "
                 "Secret.data of type map[string][]uint8"),
                (secret("t", stringData={"k": True}), "json: cannot unmarshal bool into Go "
                 "struct field Secret.stringData of type string"),
                (secret("t", type=1), "json: cannot unmarshal number into Go struct field "
                 "Secret.type of type v1.SecretType"),
                (secret("t", immutable="yes"), "json: cannot unmarshal string into Go struct "
                 "field Secret.immutable of type bool")):
            st = self.assertStatus(self.req("POST", NS, body), 400, "BadRequest")
            self.assertTrue(st["message"].endswith(msg), st["message"])
        # a patch that leaves a bad value is refused the same way
        self.ok("POST", NS, secret("p", {"k": b64("v")}))
        self.assertStatus(self.req("PATCH", f"{NS}/p", {"data": {"k": "%%%"}},
                                   ctype="application/merge-patch+json"), 400, "BadRequest")
        self.assertEqual(self.ok("GET", f"{NS}/p")["data"], {"k": b64("v")})

    def test_string_data_merged_and_never_stored(self):
        got = self.ok("POST", NS, secret("sd", {"a": b64("1"), "b": b64("2")},
                                         stringData={"b": "two", "c": "three"}))
        self.assertEqual(got["data"], {"a": b64("1"), "b": b64("two"), "c": b64("three")})
        self.assertNotIn("stringData", got)
        self.assertNotIn("stringData", self.ok("GET", f"{NS}/sd"))
        got = self.ok("PATCH", f"{NS}/sd", {"stringData": {"a": "one"}},
                      ctype="application/merge-patch+json")
        self.assertEqual(got["data"]["a"], b64("one"))
        self.assertNotIn("stringData", got)

    def test_validation(self):
        def invalid(body, field, path=NS, method="POST"):
            st = self.assertStatus(self.req(method, path, body), 422, "Invalid")
            fields = [c["field"] for c in st["details"]["causes"]]
            self.assertIn(field, fields, st)
            return st

        st = invalid(secret("k", {"bad/key": b64("x")}), "data[bad/key]")
        self.assertIn("a valid config key must consist of alphanumeric characters",
                      st["message"])
        invalid(secret("k", {"..": b64("x")}), "data[..]")
        invalid(secret("k", {"..x": b64("x")}), "data[..x]")
        invalid(secret("k", {"": b64("x")}), "data[]")
        invalid(secret("k", {"k" * 254: b64("x")}), "data[" + "k" * 254 + "]")
        invalid(secret("Upper", {"k": b64("x")}), "metadata.name")
        invalid(secret("a_b"), "metadata.name")
        self.ok("POST", NS, secret("dots.are-fine"))   # a DNS subdomain, not a label
        big = b64(b"\0" * (512 * 1024 + 1))
        st = invalid(secret("big", {"a": big, "b": big}), "data")
        self.assertIn("1048576", st["message"])
        self.ok("POST", NS, secret("max", {"a": b64(b"\0" * (1024 * 1024))}))
        # the well-known types need their entries
        invalid(secret("tls", {"tls.crt": b64("c")}, type="kubernetes.io/tls"), "data[tls.key]")
        st = invalid(secret("tls", {}, type="kubernetes.io/tls"), "data[tls.crt]")
        self.assertEqual(len(st["details"]["causes"]), 2)
        self.ok("POST", NS, secret("tls", {"tls.crt": b64("c"), "tls.key": b64("k")},
                                   type="kubernetes.io/tls"))
        invalid(secret("ba", {}, type="kubernetes.io/basic-auth"), "data[username]")
        self.ok("POST", NS, secret("ba", {"password": ""}, type="kubernetes.io/basic-auth"))
        invalid(secret("ssh", {"ssh-privatekey": ""}, type="kubernetes.io/ssh-auth"),
                "data[ssh-privatekey]")
        invalid(secret("sa", type="kubernetes.io/service-account-token"),
                "metadata.annotations[kubernetes.io/service-account.name]")
        invalid(secret("dc", {".dockerconfigjson": b64("{")},
                       type="kubernetes.io/dockerconfigjson"), "data[.dockerconfigjson]")
        self.ok("POST", NS, secret("dc", {".dockerconfigjson": b64("{}")},
                                   type="kubernetes.io/dockerconfigjson"))
        self.ok("POST", NS, secret("custom", type="example.com/anything"))

    def test_type_and_immutable(self):
        self.ok("POST", NS, secret("im", {"k": b64("v")}))
        st = self.assertStatus(self.req("PUT", f"{NS}/im", secret(
            "im", {"k": b64("v")}, type="example.com/other")), 422, "Invalid")
        self.assertEqual([c["field"] for c in st["details"]["causes"]], ["type"])
        # an update that omits the type gets the default again: unchanged
        self.ok("PUT", f"{NS}/im", secret("im", {"k": b64("w")}))
        self.ok("PUT", f"{NS}/im", secret("im", {"k": b64("w")}, immutable=True))
        st = self.assertStatus(self.req("PUT", f"{NS}/im", secret(
            "im", {"k": b64("x")}, immutable=True)), 422, "Invalid")
        self.assertEqual([c["field"] for c in st["details"]["causes"]], ["data"])
        st = self.assertStatus(self.req("PUT", f"{NS}/im", secret(
            "im", {"k": b64("w")})), 422, "Invalid")
        self.assertEqual([c["field"] for c in st["details"]["causes"]], ["immutable"])
        # metadata may still change
        got = self.ok("PATCH", f"{NS}/im", {"metadata": {"labels": {"a": "b"}}},
                      ctype="application/merge-patch+json")
        self.assertEqual(got["metadata"]["labels"], {"a": "b"})

    def test_table(self):
        self.ok("POST", NS, secret("tab", {"a": b64("1"), "b": b64("2")}))
        t = self.ok("GET", f"{NS}/tab", headers={
            "Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
        self.assertEqual([c["name"] for c in t["columnDefinitions"]],
                         ["Name", "Type", "Data", "Age"])
        self.assertEqual(t["rows"][0]["cells"][:3], ["tab", "Opaque", 2])

    def test_protobuf_body(self):
        meta = pb_field(1, b"pb")
        raw = pb_field(1, meta) + pb_field(2, pb_field(1, b"bin") + pb_field(2, b"\0\xff")) + \
            pb_field(3, b"Opaque") + pb_field(4, pb_field(1, b"s") + pb_field(2, b"str")) + \
            pb_varint(5 << 3) + b"\x01"
        tm = pb_field(1, b"v1") + pb_field(2, b"Secret")
        body = k8sproto.MAGIC + pb_field(1, tm) + pb_field(2, raw)
        obj = k8sproto.decode_object(body, "v1", "Secret")
        self.assertEqual(obj, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pb"},
                               "data": {"bin": "AP8="}, "type": "Opaque",
                               "stringData": {"s": "str"}, "immutable": True})
        got = self.ok("POST", NS, body, ctype="application/vnd.kubernetes.protobuf", want=201)
        self.assertEqual(got["data"], {"bin": "AP8=", "s": b64("str")})
        self.assertTrue(got["immutable"])
        with self.assertRaises(errors.ApiError):
            k8sproto.decode_object(k8sproto.MAGIC + pb_field(1, tm) + pb_field(2, b"\x12\x02\x08"),
                                   "v1", "Secret")
        # random damage to the body is refused with a Status, never a crash
        rng = random.Random(SEED)
        for _ in range(ROUNDS):
            b = bytearray(body)
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(len(b))
                b[i] = rng.randrange(256)
            try:
                k8sproto.decode_object(bytes(b), "v1", "Secret")
            except errors.ApiError as e:
                self.assertIn(e.code, (400, 415))


if __name__ == "__main__":
    unittest.main()
