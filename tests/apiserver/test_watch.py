"""Watch streams: initial state, resume from a resourceVersion, selector
transitions, 410 Gone, bookmarks, timeouts, sendInitialEvents, tables."""
import time
import unittest

from harness import ServerTest

SVCS = "/api/v1/namespaces/default/services"
NODES = "/api/v1/nodes"


def node(name, **labels):
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}}


class Watches(ServerTest):
    server_args = ("--bookmark-interval", "0.3")

    def create(self, name, **labels):
        return self.ok("POST", NODES, node(name, **labels), want=201)

    def test_initial_state_then_changes(self):
        self.create("w-init", role="x")
        w = self.srv.watch(f"{NODES}?watch=true&labelSelector=role%3Dx&timeoutSeconds=5")
        self.assertEqual(w.status, 200)
        ev = w.next_event()
        self.assertEqual((ev["type"], ev["object"]["metadata"]["name"]), ("ADDED", "w-init"))
        self.assertEqual((ev["object"]["kind"], ev["object"]["apiVersion"]), ("Node", "v1"))
        self.ok("PATCH", f"{NODES}/w-init", {"metadata": {"annotations": {"a": "1"}}},
                ctype="application/merge-patch+json")
        ev = w.next_event()
        self.assertEqual(ev["type"], "MODIFIED")
        self.assertEqual(ev["object"]["metadata"]["annotations"], {"a": "1"})
        self.ok("DELETE", f"{NODES}/w-init")
        ev = w.next_event()
        self.assertEqual(ev["type"], "DELETED")
        self.assertEqual(ev["object"]["metadata"]["name"], "w-init")
        w.close()

    def test_resume_from_resource_version_sees_exactly_later_changes(self):
        a = self.create("w-a", grp="resume")
        rv = a["metadata"]["resourceVersion"]
        self.create("w-b", grp="resume")
        self.ok("DELETE", f"{NODES}/w-a")
        w = self.srv.watch(f"{NODES}?watch=1&resourceVersion={rv}&labelSelector=grp%3Dresume"
                           "&timeoutSeconds=3")
        evs = w.events(2)
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"]) for e in evs],
                         [("ADDED", "w-b"), ("DELETED", "w-a")])
        self.assertGreater(int(evs[1]["object"]["metadata"]["resourceVersion"]),
                           int(evs[0]["object"]["metadata"]["resourceVersion"]))
        w.close()

    def test_selector_transitions(self):
        self.create("w-sel", color="red")
        lst = self.ok("GET", f"{NODES}?labelSelector=color%3Dblue")
        w = self.srv.watch(f"{NODES}?watch=1&labelSelector=color%3Dblue&timeoutSeconds=5"
                           f"&resourceVersion={lst['metadata']['resourceVersion']}")
        self.ok("PATCH", f"{NODES}/w-sel", {"metadata": {"labels": {"color": "blue"}}},
                ctype="application/merge-patch+json")
        self.assertEqual(w.next_event()["type"], "ADDED")
        self.ok("PATCH", f"{NODES}/w-sel", {"metadata": {"labels": {"color": "green"}}},
                ctype="application/merge-patch+json")
        ev = w.next_event()
        self.assertEqual(ev["type"], "DELETED")
        self.assertEqual(ev["object"]["metadata"]["labels"], {"color": "blue"})
        w.close()

    def test_too_old_resource_version_is_410_event(self):
        rv = self.create("w-old")["metadata"]["resourceVersion"]
        self.ok("DELETE", f"{NODES}/w-old")
        self.srv.admin("compact")
        w = self.srv.watch(f"{NODES}?watch=1&resourceVersion={rv}")
        self.assertEqual(w.status, 200)
        ev = w.next_event()
        self.assertEqual(ev["type"], "ERROR")
        st = ev["object"]
        self.assertEqual((st["kind"], st["code"], st["reason"]), ("Status", 410, "Expired"))
        self.assertTrue(st["message"].startswith(f"too old resource version: {rv} ("))
        self.assertIsNone(w.next_event())            # the stream ends after the error
        w.close()

    def test_bookmarks(self):
        rv = self.ok("GET", NODES)["metadata"]["resourceVersion"]
        w = self.srv.watch(f"{NODES}?watch=1&allowWatchBookmarks=true&resourceVersion={rv}"
                           "&timeoutSeconds=5")
        ev = w.next_event()
        self.assertEqual(ev["type"], "BOOKMARK")
        self.assertEqual(ev["object"]["kind"], "Node")
        self.assertGreaterEqual(int(ev["object"]["metadata"]["resourceVersion"]), int(rv))
        self.assertEqual(set(ev["object"]["metadata"]), {"resourceVersion", "creationTimestamp"})
        # Changes elsewhere move the bookmark past them.
        svc = self.ok("POST", SVCS, {"metadata": {"name": "bm"}, "spec": {"ports": [{"port": 1}]}},
                      want=201)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            ev = w.next_event()
            if int(ev["object"]["metadata"]["resourceVersion"]) >= \
                    int(svc["metadata"]["resourceVersion"]):
                break
        self.assertEqual(ev["type"], "BOOKMARK")
        self.assertGreaterEqual(int(ev["object"]["metadata"]["resourceVersion"]),
                                int(svc["metadata"]["resourceVersion"]))
        w.close()
        # Without allowWatchBookmarks there are none.
        w = self.srv.watch(f"{NODES}?watch=1&resourceVersion={rv}&timeoutSeconds=1")
        self.assertIsNone(w.next_event())
        w.close()

    def test_timeout_ends_the_stream(self):
        start = time.monotonic()
        w = self.srv.watch(f"{NODES}?watch=1&timeoutSeconds=1&resourceVersion="
                           + self.ok("GET", NODES)["metadata"]["resourceVersion"])
        self.assertIsNone(w.next_event())
        self.assertLess(time.monotonic() - start, 3)
        w.close()

    def test_send_initial_events(self):
        self.create("w-sie", sie="1")
        w = self.srv.watch(f"{NODES}?watch=1&sendInitialEvents=true&allowWatchBookmarks=true"
                           "&resourceVersionMatch=NotOlderThan&labelSelector=sie&timeoutSeconds=3")
        ev = w.next_event()
        self.assertEqual((ev["type"], ev["object"]["metadata"]["name"]), ("ADDED", "w-sie"))
        ev = w.next_event()
        self.assertEqual(ev["type"], "BOOKMARK")
        self.assertEqual(ev["object"]["metadata"]["annotations"],
                         {"k8s.io/initial-events-end": "true"})
        w.close()
        self.assertStatus(self.req("GET", f"{NODES}?watch=1&sendInitialEvents=true"), 422,
                          "Invalid")

    def test_table_watch_and_legacy_path(self):
        self.create("w-tab")
        c = self.srv.conn()
        c.request("GET", f"{NODES}?watch=1&timeoutSeconds=1&fieldSelector=metadata.name%3Dw-tab",
                  headers={"Authorization": f"Bearer {self.srv.token}",
                           "Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
        r = c.getresponse()
        self.assertEqual(r.getheader("Transfer-Encoding"), "chunked")
        import json
        ev = json.loads(r.readline())
        self.assertEqual(ev["object"]["kind"], "Table")
        self.assertEqual(ev["object"]["rows"][0]["cells"][0], "w-tab")
        c.close()
        w = self.srv.watch("/api/v1/watch/nodes/w-tab?timeoutSeconds=1")
        self.assertEqual(w.next_event()["object"]["metadata"]["name"], "w-tab")
        w.close()

    def test_watch_of_a_namespace_only(self):
        self.ok("POST", "/api/v1/namespaces", {"metadata": {"name": "wns"}}, want=201)
        w = self.srv.watch("/api/v1/namespaces/wns/services?watch=1&timeoutSeconds=3")
        for ns in ("default", "wns"):
            self.ok("POST", f"/api/v1/namespaces/{ns}/services",
                    {"metadata": {"name": "only"}, "spec": {"ports": [{"port": 1}]}}, want=201)
        ev = w.next_event()
        self.assertEqual(ev["object"]["metadata"]["namespace"], "wns")
        self.ok("DELETE", "/api/v1/namespaces/wns")
        self.assertEqual(w.next_event()["type"], "DELETED")
        w.close()


if __name__ == "__main__":
    unittest.main()
