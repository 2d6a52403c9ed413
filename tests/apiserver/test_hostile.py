"""Hostile inputs: every parser of client bytes (protobuf bodies, label and
field selectors, JSONPath, continue tokens, patches, schemas) fed malformed
and random data must fail with an API error, never crash; and the server
must survive malformed HTTP. Random cases use a fixed seed per run so a
failure is reproducible; set KAPI_FUZZ_SEED to change it."""
import json
import os
import random
import socket
import time
import unittest

from harness import ServerTest
from kapi import errors, jsonpath, k8sproto, patch, schema, selectors
from kapi.api import _decode_continue

SEED = int(os.environ.get("KAPI_FUZZ_SEED", "1234"))
ROUNDS = int(os.environ.get("KAPI_FUZZ_ROUNDS", "3000"))


def pb_varint(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def pb_field(num, payload):
    return pb_varint(num << 3 | 2) + pb_varint(len(payload)) + payload


def namespace_pb(name=b"ns1"):
    meta = pb_field(1, name) + pb_field(11, pb_field(1, b"k") + pb_field(2, b"v"))
    raw = pb_field(1, meta)
    tm = pb_field(1, b"v1") + pb_field(2, b"Namespace")
    return k8sproto.MAGIC + pb_field(1, tm) + pb_field(2, raw)


class Protobuf(unittest.TestCase):
    def test_valid_namespace(self):
        obj = k8sproto.decode_object(namespace_pb(), "v1", "Namespace")
        self.assertEqual(obj, {"apiVersion": "v1", "kind": "Namespace",
                               "metadata": {"name": "ns1", "labels": {"k": "v"}}})

    def test_hostile_vectors(self):
        good = namespace_pb()
        vectors = [b"", b"k8s", b"json", k8sproto.MAGIC + b"\xff",
                   k8sproto.MAGIC + b"\x0a\xff\xff\xff\xff\x0f",      # length past the end
                   k8sproto.MAGIC + b"\x0b",                          # wire type 3
                   k8sproto.MAGIC + b"\x00",                          # field 0
                   k8sproto.MAGIC + b"\x08" + b"\xff" * 11,           # varint too long
                   k8sproto.MAGIC + pb_field(1, pb_field(2, b"Pod")),  # kind not decodable
                   k8sproto.MAGIC + pb_field(2, pb_field(1, pb_field(1, b"\xff\xfe"))),
                   k8sproto.MAGIC + pb_field(2, b"\x08\x01")]         # metadata as varint
        nested = b"x"
        for _ in range(40):
            nested = pb_field(13, pb_field(1, nested))
        vectors.append(k8sproto.MAGIC + pb_field(2, pb_field(1, nested)))
        for v in vectors:
            with self.assertRaises(errors.ApiError, msg=v):
                k8sproto.decode_object(v, "v1", "Namespace")
        # Cut at a field boundary a message is still valid protobuf; elsewhere not.
        for i in range(len(good)):
            try:
                obj = k8sproto.decode_object(good[:i], "v1", "Namespace")
                self.assertEqual(obj["kind"], "Namespace")
            except errors.ApiError as e:
                self.assertEqual(e.code, 400)

    def test_random_mutations_only_raise_api_errors(self):
        rng = random.Random(SEED)
        good = namespace_pb()
        for _ in range(ROUNDS):
            b = bytearray(good)
            for _ in range(rng.randint(1, 4)):
                op = rng.random()
                i = rng.randrange(len(b))
                if op < 0.4:
                    b[i] = rng.randrange(256)
                elif op < 0.7:
                    del b[i]
                else:
                    b.insert(i, rng.randrange(256))
            try:
                k8sproto.decode_object(bytes(b), "v1", "Namespace")
            except errors.ApiError:
                pass


def random_text(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, n)))


class TextParsers(unittest.TestCase):
    def test_selectors_random(self):
        rng = random.Random(SEED)
        alpha = "ab=!,() innotx\\<>.-_/"
        for _ in range(ROUNDS):
            s = random_text(rng, alpha, 20)
            try:
                selectors.LabelSelector.parse(s).matches({"a": "b"})
            except errors.ApiError as e:
                self.assertEqual(e.code, 400)
            try:
                selectors.FieldSelector.parse(s, ["a", "metadata.name"]).matches({})
            except errors.ApiError as e:
                self.assertEqual(e.code, 400)

    def test_jsonpath_random(self):
        rng = random.Random(SEED)
        alpha = ".[]*?()@=\"'ab01-{}$ "
        for _ in range(ROUNDS):
            s = random_text(rng, alpha, 16)
            try:
                jsonpath.find(jsonpath.parse(s), {"a": [{"b": 1}], "b": {"a": "x"}})
            except jsonpath.JSONPathError:
                pass

    def test_continue_tokens(self):
        import base64
        rng = random.Random(SEED)
        tokens = ["", "!!!", "e30", base64.b64encode(b'{"v":"meta.k8s.io/v1"}').decode(),
                  base64.b64encode(b'{"v":"meta.k8s.io/v1","rv":"x","start":"a"}').decode(),
                  base64.b64encode(b'[1,2]').decode(), base64.b64encode(b"\xff\xfe").decode()]
        tokens += [random_text(rng, "abcAB01+/=-_", 30) for _ in range(300)]
        for t in tokens:
            with self.assertRaises(errors.ApiError, msg=t):
                _decode_continue(t)

    def test_patches_random(self):
        rng = random.Random(SEED)

        def rand_json(depth=0):
            r = rng.random()
            if depth > 3 or r < 0.3:
                return rng.choice([None, 0, 1, "x", True, "", "/a", "-"])
            if r < 0.6:
                return [rand_json(depth + 1) for _ in range(rng.randint(0, 3))]
            keys = ["a", "b", "op", "path", "value", "from", "$patch", "$retainKeys",
                    "$setElementOrder/a", "$deleteFromPrimitiveList/a", "port"]
            return {rng.choice(keys): rand_json(depth + 1) for _ in range(rng.randint(0, 3))}

        doc = {"a": [1, {"port": 1}], "b": {"c": "d"}}
        ops = ["add", "remove", "replace", "move", "copy", "test", "nope"]
        paths = ["", "/", "/a", "/a/0", "/a/-", "/a/9", "/b/c", "/b/~1x", "/x/y", "a"]
        for _ in range(ROUNDS):
            p = [{"op": rng.choice(ops), "path": rng.choice(paths), "from": rng.choice(paths),
                  "value": rand_json()} for _ in range(rng.randint(0, 3))]
            for body, fn in ((p, lambda d, b: patch.json_patch(d, b)),
                             (rand_json(), lambda d, b: patch.merge_patch(d, b)),
                             (rand_json(), lambda d, b: patch.strategic_merge_patch(
                                 d, b, {".a": "port", ".b": ""}))):
                try:
                    fn(doc, body)
                except errors.ApiError:
                    pass
        self.assertEqual(doc, {"a": [1, {"port": 1}], "b": {"c": "d"}})

    def test_schema_functions_on_random_values(self):
        rng = random.Random(SEED)
        s = {"type": "object", "properties": {
            "a": {"type": "array", "items": {"type": "integer", "maximum": 3},
                  "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k"]},
            "b": {"type": "string", "pattern": "(", "format": "cidr", "default": "x"},
            "c": {"type": "number", "multipleOf": 0.5, "anyOf": [{"minimum": 1}]}},
            "additionalProperties": {"type": "boolean"}}
        vals = [None, 1, 1.5, "s", True, [], {}, [{"k": 1}, {"k": 1}], {"k": [1]}, "10.0.0.0/8"]
        for _ in range(ROUNDS):
            obj = {rng.choice(["a", "b", "c", "d"]): rng.choice(vals) for _ in range(3)}
            schema.prune(s, obj)
            schema.apply_defaults(s, obj)
            for reason, field, msg in schema.validate(s, obj):
                self.assertTrue(reason.startswith("Field") and isinstance(msg, str))


class MalformedHTTP(ServerTest):
    def raw(self, data, read=True):
        sock = self.srv.ctx.wrap_socket(socket.create_connection(("127.0.0.1", self.srv.port),
                                                                 timeout=5),
                                        server_hostname="127.0.0.1")
        try:
            sock.sendall(data)
            if not read:
                return b""
            out = b""
            while True:
                try:
                    chunk = sock.recv(65536)
                except (TimeoutError, socket.timeout, ConnectionError, OSError):
                    break
                if not chunk:
                    break
                out += chunk
            return out
        finally:
            sock.close()

    def test_server_survives_garbage(self):
        auth = f"Authorization: Bearer {self.srv.token}\r\n".encode()
        cases = [
            b"GARBAGE\r\n\r\n",
            b"GET / HTTP/1.1\r\n" + b"X: " + b"a" * 70000 + b"\r\n\r\n",
            b"POST /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n" + auth +
            b"Content-Length: nope\r\nConnection: close\r\n\r\n",
            b"POST /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n" + auth +
            b"Content-Length: 99999999\r\nConnection: close\r\n\r\n",
            b"POST /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n" + auth +
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n",
            b"POST /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n" + auth +
            b"Content-Type: application/vnd.kubernetes.protobuf\r\nContent-Length: 6\r\n"
            b"Connection: close\r\n\r\nk8s\x00\x0a\xff",
            b"GET /api/v1/namespaces/%ff%fe HTTP/1.1\r\nHost: x\r\n" + auth +
            b"Connection: close\r\n\r\n",
        ]
        # Python's http.server answers a request line without a version HTTP/0.9-style.
        self.assertIn(b"Error code: 400", self.raw(cases[0]))
        for c in cases[1:]:
            out = self.raw(c)
            if out:
                self.assertRegex(out.split(b"\r\n", 1)[0], rb"^HTTP/1\.[01] [45]\d\d ", c[:60])
        big = self.raw(cases[3])
        self.assertIn(b" 413 ", big.split(b"\r\n", 1)[0])
        self.assertIn(b"RequestEntityTooLarge", big)
        # A client that connects and says nothing, and one that drops mid-TLS.
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=5)
        s.sendall(b"\x16\x03\x01\x00")
        s.close()
        time.sleep(0.2)
        code, obj, _ = self.req("GET", "/api/v1/namespaces/default")
        self.assertEqual(code, 200, obj)

    def test_random_request_bodies(self):
        rng = random.Random(SEED)
        for i in range(60):
            body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))
            if i % 3 == 0:
                body = json.dumps({"metadata": {"name": rng.choice(["a", "", 5, None])},
                                   "spec": rng.choice([[], "x", {"ports": "no"}])}).encode()
            ctype = rng.choice(["application/json", "application/merge-patch+json",
                                "application/json-patch+json", "application/apply-patch+yaml",
                                "application/strategic-merge-patch+json",
                                "application/vnd.kubernetes.protobuf"])
            method = rng.choice(["POST", "PUT", "PATCH"])
            path = "/api/v1/namespaces/default/services" + ("" if method == "POST" else
                                                             "/kubernetes?fieldManager=f")
            code, obj, _ = self.req(method, path, body, ctype=ctype)
            self.assertIn(code, (200, 201, 400, 404, 405, 409, 415, 422), (body, obj))
            if code >= 400:
                self.assertEqual(obj["kind"], "Status", obj)
        self.assertEqual(self.req("GET", "/api/v1/namespaces/default/services/kubernetes")[0],
                         200)


if __name__ == "__main__":
    unittest.main()
