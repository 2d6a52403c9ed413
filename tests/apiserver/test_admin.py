"""Test controls: injected failures and latency, dropped watches, restarts,
compaction, state dump and persistence, the insecure port, signals."""
import http.client
import json
import os
import signal
import threading
import time
import unittest

from harness import Server, ServerTest, raw_get, read_until_closed, wait_until

SVCS = "/api/v1/namespaces/default/services"


def svc(name):
    return {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}}


class Faults(ServerTest):
    def test_next_writes_fail(self):
        code, out, _ = self.srv.admin("fail", code=409, count=2)
        self.assertEqual(code, 200, out)
        self.assertStatus(self.req("POST", SVCS, svc("f1")), 409, "Conflict")
        self.ok("GET", SVCS)                                   # reads are not writes
        self.assertStatus(self.req("DELETE", f"{SVCS}/kubernetes"), 409, "Conflict")
        self.ok("POST", SVCS, svc("f1"), want=201)            # count used up
        self.srv.admin("fail", code=500, count=1, verbs="update", resource="services")
        self.ok("PATCH", f"{SVCS}/f1", {"metadata": {"labels": {"a": "b"}}},
                ctype="application/merge-patch+json")          # a patch is not an update
        cur = self.ok("GET", f"{SVCS}/f1")
        self.assertStatus(self.req("PUT", f"{SVCS}/f1", cur), 500, "InternalError")
        self.ok("PUT", f"{SVCS}/f1", cur)
        self.srv.admin("fail", code=429, count=1)
        code, obj, r = self.req("DELETE", f"{SVCS}/f1")
        self.assertEqual((code, obj["reason"]), (429, "TooManyRequests"))
        self.assertEqual(r.getheader("Retry-After"), "1")

    def test_latency(self):
        self.srv.admin("latency", ms=300)
        try:
            t = time.monotonic()
            self.ok("GET", "/api/v1/namespaces")
            self.assertGreaterEqual(time.monotonic() - t, 0.3)
        finally:
            self.srv.admin("latency", ms=0)
        t = time.monotonic()
        self.ok("GET", "/api/v1/namespaces")
        self.assertLess(time.monotonic() - t, 0.3)

    def test_state_dump(self):
        code, state, _ = self.req("GET", "/_admin/state")
        self.assertEqual(code, 200)
        names = [o["metadata"]["name"] for o in state["objects"]["namespaces"]]
        self.assertIn("kube-system", names)
        self.assertGreater(state["resourceVersion"], 1)

    def test_concurrent_updates_conflict_not_lose_writes(self):
        self.ok("POST", SVCS, dict(svc("cnt"), metadata={"name": "cnt",
                                                         "annotations": {"n": "0"}}), want=201)
        conflicts = []

        def bump():
            for _ in range(10):
                while True:
                    cur = self.srv.request("GET", f"{SVCS}/cnt")[1]
                    cur["metadata"]["annotations"]["n"] = str(int(cur["metadata"]["annotations"]
                                                                  ["n"]) + 1)
                    code, _, _ = self.srv.request("PUT", f"{SVCS}/cnt", cur)
                    if code == 200:
                        break
                    self.assertEqual(code, 409)
                    conflicts.append(1)

        threads = [threading.Thread(target=bump) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(self.ok("GET", f"{SVCS}/cnt")["metadata"]["annotations"]["n"], "40")


class DropAndRestart(ServerTest):
    def test_drop_watches(self):
        sock = raw_get(self.srv, f"{SVCS}?watch=1&timeoutSeconds=30")
        time.sleep(0.3)
        code, out, _ = self.srv.admin("drop-watches")
        self.assertGreaterEqual(out["dropped"], 1)
        body = read_until_closed(sock)
        self.assertIn(b'"ADDED"', body)                       # the kubernetes service
        self.assertTrue(body.endswith(b"\r\n0\r\n\r\n"), body[-40:])   # a clean end
        sock = raw_get(self.srv, f"{SVCS}?watch=1&timeoutSeconds=30")
        time.sleep(0.3)
        self.srv.admin("drop-watches", abrupt=1)
        body = read_until_closed(sock)
        self.assertIn(b'"ADDED"', body)
        self.assertFalse(body.endswith(b"0\r\n\r\n"), body[-40:])       # cut off

    def test_restart_keeps_objects_and_expires_old_versions(self):
        rv = self.ok("GET", SVCS)["metadata"]["resourceVersion"]
        before = self.ok("POST", SVCS, svc("survivor"), want=201)
        sock = raw_get(self.srv, f"{SVCS}?watch=1&resourceVersion={rv}&timeoutSeconds=30")
        time.sleep(0.3)
        code, out, _ = self.srv.admin("restart", downtime_ms=700)
        self.assertEqual(code, 200)
        body = read_until_closed(sock)                         # the open watch is cut
        self.assertIn(b"200 OK", body)
        self.assertFalse(body.endswith(b"0\r\n\r\n"), body[-40:])
        time.sleep(0.2)
        with self.assertRaises(OSError):
            self.srv.request("GET", "/version", timeout=2)   # down for a while
        self.assertTrue(wait_until(lambda: _up(self.srv), 5))
        self.assertEqual(self.ok("GET", f"{SVCS}/survivor")["metadata"]["uid"],
                         before["metadata"]["uid"])
        # The restarted server's watch history starts now: older versions are gone.
        w = self.srv.watch(f"{SVCS}?watch=1&resourceVersion={rv}")
        self.assertEqual(w.next_event()["object"]["code"], 410)
        w.close()
        rv2 = self.ok("GET", SVCS)["metadata"]["resourceVersion"]
        self.srv.admin("restart", keep_history=1)
        time.sleep(0.3)
        self.assertTrue(wait_until(lambda: _up(self.srv), 5))
        self.ok("POST", SVCS, svc("after"), want=201)
        w = self.srv.watch(f"{SVCS}?watch=1&resourceVersion={rv2}&timeoutSeconds=2")
        ev = w.next_event()
        self.assertEqual((ev["type"], ev["object"]["metadata"]["name"]), ("ADDED", "after"))
        w.close()


class RuntimeConfig(ServerTest):
    """--runtime-config G/V=false (and the admin op): what kube-apiserver
    shows for a built-in group/version it does not serve."""
    server_args = ("--runtime-config", "discovery.k8s.io/v1=false")
    SLICES = "/apis/discovery.k8s.io/v1/endpointslices"
    OFF = {"discovery.k8s.io/v1": "false"}
    ON = {"discovery.k8s.io/v1": "true"}

    def assertUnserved(self):
        for path in (self.SLICES + "?limit=500", self.SLICES + "?watch=1",
                     "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/x",
                     "/apis/discovery.k8s.io/v1", "/apis/discovery.k8s.io"):
            obj = self.assertStatus(self.req("GET", path), 404, "NotFound")
            self.assertEqual(obj["message"], "the server could not find the requested resource")
            self.assertEqual(obj["details"], {})
        groups = [g["name"] for g in self.ok("GET", "/apis")["groups"]]
        self.assertNotIn("discovery.k8s.io", groups)
        self.assertIn("coordination.k8s.io", groups)
        self.assertNotIn("/apis/discovery.k8s.io/v1", self.ok("GET", "/")["paths"])

    def test_off_and_on(self):
        self.assertUnserved()
        self.assertStatus(self.req("POST", self.SLICES, {"metadata": {"name": "x"}}), 404,
                          "NotFound")
        code, out, _ = self.srv.admin("runtime-config", **self.ON)
        self.assertEqual((code, out["disabled"]), (200, []))
        self.assertEqual(self.ok("GET", self.SLICES)["kind"], "EndpointSliceList")
        self.assertIn("discovery.k8s.io", [g["name"] for g in self.ok("GET", "/apis")["groups"]])
        # turned off again: open watches of the resource end, as at a restart
        sock = raw_get(self.srv, f"{self.SLICES}?watch=1&timeoutSeconds=30")
        time.sleep(0.3)
        code, out, _ = self.srv.admin("runtime-config", **self.OFF)
        self.assertEqual((code, out["disabled"]), (200, ["discovery.k8s.io/v1"]))
        self.assertTrue(read_until_closed(sock).endswith(b"\r\n0\r\n\r\n"))
        self.assertUnserved()
        # only built-in group/versions, only true or false
        for bad in ({"nope.example.com/v1": "false"}, {"discovery.k8s.io/v9": "false"},
                    {"discovery.k8s.io/v1": "maybe"}):
            code, out, _ = self.srv.admin("runtime-config", **bad)
            self.assertEqual(code, 400, out)
        self.srv.admin("runtime-config", **self.ON)
        self.ok("GET", self.SLICES)


def _up(srv):
    try:
        return srv.request("GET", "/version", timeout=2)[0] == 200
    except OSError:
        return False


class Persistence(unittest.TestCase):
    def test_state_file_survives_a_process_restart(self):
        import shutil
        import tempfile
        tmp = tempfile.mkdtemp(prefix="kapi-state-")
        self.addCleanup(shutil.rmtree, tmp, True)
        state = os.path.join(tmp, "state.json")
        a = Server("--state", state)
        try:
            made = a.request("POST", SVCS, svc("kept"))[1]
        finally:
            a.stop()
        with open(state) as f:
            self.assertIn("kept", f.read())
        b = Server("--state", state)
        try:
            code, got, _ = b.request("GET", f"{SVCS}/kept")
            self.assertEqual(code, 200)
            self.assertEqual(got["metadata"]["uid"], made["metadata"]["uid"])
            # New writes continue the revision sequence.
            code, new, _ = b.request("POST", SVCS, svc("new"))
            self.assertGreater(int(new["metadata"]["resourceVersion"]),
                               int(made["metadata"]["resourceVersion"]))
        finally:
            b.stop()


class InsecurePortAndSignals(unittest.TestCase):
    def test_insecure_port_and_sigusr1(self):
        s = Server("--insecure-port", "0")
        try:
            port = s.info["insecure_port"]
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", "/api/v1/namespaces/default")
            r = c.getresponse()
            self.assertEqual(r.status, 200)
            self.assertEqual(json.loads(r.read())["metadata"]["name"], "default")
            c.request("GET", f"{SVCS}?watch=1&timeoutSeconds=20")
            r = c.getresponse()
            self.assertEqual(json.loads(r.readline())["type"], "ADDED")
            os.kill(s.proc.pid, signal.SIGUSR1)               # drop watches
            self.assertEqual(r.readline(), b"")
            c.close()
        finally:
            s.stop()
        self.assertEqual(s.proc.returncode, 0)               # SIGTERM: clean exit


if __name__ == "__main__":
    unittest.main()
