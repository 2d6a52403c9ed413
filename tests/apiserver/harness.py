"""Starts tools/apiserver/run on a free port and talks to it over HTTPS
with the standard library only."""
import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RUN = os.path.join(ROOT, "tools", "apiserver", "run")
sys.path.insert(0, os.path.join(ROOT, "tools", "apiserver"))


class Server:
    def __init__(self, *extra):
        self.dir = tempfile.mkdtemp(prefix="kapi-test-")
        self.proc = subprocess.Popen(["/usr/bin/python3", RUN, "--dir", self.dir, "--port", "0",
                                      *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("port="):
            raise RuntimeError("apiserver did not start: " + line + self.proc.stderr.read())
        with open(os.path.join(self.dir, "server.json")) as f:
            self.info = json.load(f)
        self.port = self.info["port"]
        self.token = self.info["token"]
        self.ctx = ssl.create_default_context(cafile=self.info["ca"])
        self.kubeconfig = self.info["kubeconfig"]

    def conn(self, timeout=30):
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx,
                                           timeout=timeout)

    def request(self, method, path, body=None, ctype="application/json", token=True,
                headers=None, timeout=30):
        """(status, decoded JSON or raw bytes, headers)."""
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {self.token if token is True else token}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            h["Content-Type"] = ctype
        c = self.conn(timeout)
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            raw = r.read()
            try:
                out = json.loads(raw)
            except ValueError:
                out = raw
            return r.status, out, r
        finally:
            c.close()

    def admin(self, op, **params):
        q = "&".join(f"{k}={v}" for k, v in params.items())
        return self.request("POST", f"/_admin/{op}" + (f"?{q}" if q else ""))

    def watch(self, path, timeout=10):
        """An open watch: next_event() reads one event (or None at the end)."""
        return Watch(self, path, timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def raw_get(server, path, timeout=10):
    """Sends a GET on a bare TLS socket; returns everything until the server
    closes. A chunked body that was cut has no terminating '0\\r\\n\\r\\n'."""
    import socket
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    sock = server.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                 f"Authorization: Bearer {server.token}\r\n\r\n".encode())
    return sock


def read_until_closed(sock):
    out = b""
    while True:
        try:
            data = sock.recv(65536)
        except (ConnectionError, OSError):
            break
        if not data:
            break
        out += data
    sock.close()
    return out


class Watch:
    def __init__(self, server, path, timeout):
        self.c = server.conn(timeout)
        self.c.request("GET", path, headers={"Authorization": f"Bearer {server.token}"})
        self.r = self.c.getresponse()
        self.status = self.r.status

    def next_event(self):
        line = self.r.readline()   # http.client undoes the chunked encoding
        if not line:
            return None
        return json.loads(line)

    def events(self, n):
        return [self.next_event() for _ in range(n)]

    def close(self):
        self.c.close()


class ServerTest(unittest.TestCase):
    """One server per test class."""
    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(*cls.server_args)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def req(self, *a, **kw):
        return self.srv.request(*a, **kw)

    def ok(self, method, path, body=None, want=(200, 201), **kw):
        code, obj, _ = self.srv.request(method, path, body, **kw)
        self.assertIn(code, want if isinstance(want, tuple) else (want,), obj)
        return obj

    def assertStatus(self, resp, code, reason):
        got, obj, _ = resp
        self.assertEqual(got, code, obj)
        self.assertEqual(obj.get("kind"), "Status", obj)
        self.assertEqual(obj.get("code"), code, obj)
        self.assertEqual(obj.get("reason"), reason, obj)
        self.assertEqual(obj.get("status"), "Failure", obj)
        return obj


def wait_until(pred, timeout=5.0, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return False


EIP_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "eips.network.kubesphere.io"},
    "spec": {
        "group": "network.kubesphere.io", "scope": "Cluster",
        "names": {"kind": "Eip", "plural": "eips", "singular": "eip", "shortNames": ["eip"]},
        "versions": [{
            "name": "v1alpha2", "served": True, "storage": True,
            "subresources": {"status": {}},
            "additionalPrinterColumns": [
                {"name": "cidr", "type": "string", "jsonPath": ".spec.address"},
                {"name": "usage", "type": "integer", "jsonPath": ".status.usage"},
                {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}],
            "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {
                    "spec": {"type": "object", "required": ["address"], "properties": {
                        "address": {"type": "string", "pattern": r"^[0-9a-fA-F.:/-]+$"},
                        "protocol": {"type": "string", "enum": ["bgp", "layer2", "vip"],
                                     "default": "bgp"},
                        "priority": {"type": "integer", "minimum": 0, "maximum": 1000},
                        "gateway": {"type": "string", "format": "ipv4"},
                        "extra": {"type": "object",
                                  "x-kubernetes-preserve-unknown-fields": True},
                        "tags": {"type": "array", "items": {"type": "string"},
                                 "x-kubernetes-list-type": "set"},
                    }},
                    "status": {"type": "object", "properties": {
                        "usage": {"type": "integer"},
                        "occupied": {"type": "boolean"},
                    }},
                }}},
        }],
    },
}


def namespaced_crd():
    """A namespaced CRD without a status subresource."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"kind": "Widget", "plural": "widgets"},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": {
                                   "type": "object",
                                   "x-kubernetes-preserve-unknown-fields": True}}}]},
    }
