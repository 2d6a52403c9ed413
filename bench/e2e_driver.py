#!/usr/bin/env python3
"""The measuring half of bench/e2e; runs inside the router's namespace.

It talks to the API server stand-in over HTTPS (stdlib only), watches
Services to timestamp the controller's status writes, and reads the
kernel's route notifications (rtnetlink, RTMGRP_IPV4_ROUTE) to timestamp
the moment BIRD puts a route into the router's FIB. All times are
time.monotonic() taken in this one process.

  e2e_driver.py latency API_DIR --services N --moves M
  e2e_driver.py rss API_DIR --services N --first-ip A --pids P1,P2,P3
"""
import argparse
import http.client
import ipaddress
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time

NODES = {"192.0.2.11": "n1", "192.0.2.12": "n2", "192.0.2.13": "n3"}
ALL = frozenset(NODES)


class Api:
    """One keep-alive HTTPS connection to the stand-in."""

    def __init__(self, api_dir):
        with open(os.path.join(api_dir, "server.json")) as f:
            info = json.load(f)
        u = info["url"].split("//", 1)[1]
        self.host, port = u.rsplit(":", 1)
        self.port = int(port)
        self.ctx = ssl.create_default_context(cafile=info["ca"])
        self.token = info["token"]
        self.conn = self._connect()

    def _connect(self, timeout=30):
        return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout)

    def call(self, method, path, body=None, ctype="application/json"):
        hdr = {"Authorization": "Bearer " + self.token, "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdr["Content-Type"] = ctype
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, data, hdr)
                # The stand-in writes headers and body in two segments
                # without TCP_NODELAY: with our delayed ACK, Nagle holds the
                # body ~40 ms. Quick ACKs keep that out of the client's
                # figures (the daemons' own connections still pay it).
                if self.conn.sock is not None:
                    self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                r = self.conn.getresponse()
                out = r.read()
                break
            except (http.client.HTTPException, OSError):
                if attempt:
                    raise
                self.conn.close()
                self.conn = self._connect()
        if r.status >= 300:
            raise RuntimeError("%s %s: %d %s" % (method, path, r.status, out[:300]))
        return json.loads(out) if out else None

    def watch(self, path, on_event):
        """Streams watch events to on_event(obj_type, obj) in a thread."""

        def run():
            c = self._connect(timeout=None)
            c.request("GET", path, headers={"Authorization": "Bearer " + self.token})
            r = c.getresponse()
            while True:
                line = r.readline()
                if not line:
                    return
                ev = json.loads(line)
                on_event(ev["type"], ev["object"])

        t = threading.Thread(target=run, daemon=True)
        t.start()


class Fib:
    """The router's IPv4 /32 routes as the kernel reports them."""

    RTM_NEWROUTE, RTM_DELROUTE = 24, 25
    RTA_DST, RTA_GATEWAY, RTA_MULTIPATH = 1, 5, 9

    def __init__(self):
        self.hops = {}  # prefix -> frozenset of next hops
        self.seen = {}  # prefix -> monotonic time of first appearance
        self.changed = {}  # prefix -> monotonic time of the last change
        self.cv = threading.Condition()
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        try:  # SO_RCVBUFFORCE (root): 10,000 routes arrive in a burst
            s.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)
        except OSError:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
        s.bind((0, 0x40))  # RTMGRP_IPV4_ROUTE
        self.sock = s
        threading.Thread(target=self._run, daemon=True).start()

    @staticmethod
    def _attrs(buf, off, end):
        while off + 4 <= end:
            ln, ty = struct.unpack_from("HH", buf, off)
            if ln < 4:
                return
            yield ty & 0x3FFF, buf[off + 4 : off + ln]
            off += (ln + 3) & ~3

    def _parse(self, msg, ty):
        fam, dlen = msg[16], msg[17]
        if fam != socket.AF_INET or dlen != 32:
            return None
        dst, hops = None, set()
        for a, v in self._attrs(msg, 28, len(msg)):
            if a == self.RTA_DST:
                dst = socket.inet_ntoa(v)
            elif a == self.RTA_GATEWAY:
                hops.add(socket.inet_ntoa(v))
            elif a == self.RTA_MULTIPATH:
                o = 0
                while o + 8 <= len(v):
                    nl = struct.unpack_from("H", v, o)[0]
                    if nl < 8:
                        break
                    for na, nv in self._attrs(v, o + 8, o + nl):
                        if na == self.RTA_GATEWAY:
                            hops.add(socket.inet_ntoa(nv))
                    o += (nl + 3) & ~3
        if dst is None:
            return None
        return dst, (frozenset(hops) if ty == self.RTM_NEWROUTE else None)

    def _run(self):
        while True:
            data = self.sock.recv(1 << 20)
            now = time.monotonic()
            off, upd = 0, []
            while off + 16 <= len(data):
                ln, ty = struct.unpack_from("IH", data, off)
                if ln < 16:
                    break
                if ty in (self.RTM_NEWROUTE, self.RTM_DELROUTE):
                    r = self._parse(data[off : off + ln], ty)
                    if r:
                        upd.append(r)
                off += (ln + 3) & ~3
            if upd:
                with self.cv:
                    for dst, hops in upd:
                        if hops is None:
                            self.hops.pop(dst, None)
                        else:
                            self.hops[dst] = hops
                            self.seen.setdefault(dst, now)
                        self.changed[dst] = now
                    self.cv.notify_all()

    def wait(self, pred, timeout):
        with self.cv:
            return self.cv.wait_for(pred, timeout)


def pct(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))]


def summary(name, xs):
    ms = [x * 1000 for x in xs]
    return "%-44s n=%-5d p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms" % (
        name, len(ms), pct(ms, 50), pct(ms, 99), max(ms))


def service(name, policy, annotations=None):
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default",
                         "annotations": dict({"protocol.openelb.kubesphere.io/v1alpha1": "bgp"},
                                             **(annotations or {}))},
            # No node ports: 10,000 Services would exhaust 30000-32767,
            # and a BGP load balancer routes to the nodes without them.
            "spec": {"type": "LoadBalancer", "externalTrafficPolicy": policy,
                     "allocateLoadBalancerNodePorts": False,
                     "selector": {"app": name},
                     "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}}


def endpoints(node):
    return [{"addresses": ["10.244.%s.10" % node[1:]], "nodeName": node,
             "conditions": {"ready": True}}]


def slice_obj(svc, node):
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": svc + "-lab", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": svc}},
            "addressType": "IPv4", "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
            "endpoints": endpoints(node)}


SVCS = "/api/v1/namespaces/default/services"
SLICES = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"


def latency(args):
    api, fib = Api(args.api_dir), Fib()
    status_at = {}  # service name -> monotonic time its ingress appeared
    lock = threading.Lock()

    def on_svc(_ty, obj):
        ing = (obj.get("status") or {}).get("loadBalancer", {}).get("ingress") or []
        if ing:
            with lock:
                status_at.setdefault(obj["metadata"]["name"], time.monotonic())

    api.watch(SVCS + "?watch=1&allowWatchBookmarks=false", on_svc)
    time.sleep(0.5)
    first, full, call, to_status, status_to_full = [], [], [], [], []
    fails = 0
    for i in range(args.services):
        name = "b%04d" % i
        node = "n%d" % (i % 3 + 1)
        # Every other one Local, among the first 4,000 only: a Local
        # Service takes a health-check node port even without node ports
        # (as in Kubernetes), and 30000-32767 holds 2,768 of them.
        local = i % 2 == 1 and i < 4000
        if local:
            api.call("POST", SLICES, slice_obj(name, node))
        want = frozenset([{"n1": "192.0.2.11", "n2": "192.0.2.12", "n3": "192.0.2.13"}[node]]) if local else ALL
        known = set(fib.seen)
        t0 = time.monotonic()
        api.call("POST", SVCS, service(name, "Local" if local else "Cluster"))
        t1 = time.monotonic()
        new = lambda: [p for p in fib.seen if p not in known and p.startswith("198.18.")]
        ok = fib.wait(lambda: any(fib.hops.get(p) == want for p in new()), 10)
        if not ok:
            fails += 1
            print("service %s: no route with next hops %s within 10 s" % (name, sorted(want)),
                  file=sys.stderr)
            continue
        with fib.cv:
            p = [p for p in new() if fib.hops.get(p) == want][0]
            first.append(fib.seen[p] - t0)
            full.append(fib.changed[p] - t0)
        with lock:
            st = status_at.get(name)
        call.append(t1 - t0)
        if st is not None:
            to_status.append(st - t0)
            status_to_full.append(fib.changed[p] - st)
        if (i + 1) % 100 == 0:
            print("  %d Services" % (i + 1), file=sys.stderr, flush=True)
    print("Phase 1: %d Services created one after another (%d Local, the rest Cluster), "
          "%d without a route" % (args.services, min(args.services, 4000) // 2, fails))
    print("  " + summary("create call (POST round trip)", call))
    print("  " + summary("create -> status written (controller)", to_status))
    print("  " + summary("status -> all next hops in FIB", status_to_full))
    print("  " + summary("create -> route in FIB (first next hop)", first))
    print("  " + summary("create -> route complete (all next hops)", full))

    # Phase 2: one Local Service's pod moves n1 -> n2 -> n3 -> n1 ...
    name = "mover"
    api.call("POST", SLICES, slice_obj(name, "n1"))
    known = set(fib.seen)
    api.call("POST", SVCS, service(name, "Local"))
    fib.wait(lambda: any(p not in known and p.startswith("198.18.") for p in fib.seen), 10)
    addr = [p for p in fib.seen if p not in known and p.startswith("198.18.")][0]
    moves = []
    for j in range(args.moves):
        node = "n%d" % ((j + 1) % 3 + 1)
        gw = {"n1": "192.0.2.11", "n2": "192.0.2.12", "n3": "192.0.2.13"}[node]
        time.sleep(0.3)  # let the previous move settle everywhere
        t0 = time.monotonic()
        api.call("PATCH", SLICES + "/" + name + "-lab", {"endpoints": endpoints(node)},
                 "application/merge-patch+json")
        if fib.wait(lambda: fib.hops.get(addr) == frozenset([gw]), 10):
            moves.append(fib.changed[addr] - t0)
        else:
            print("move %d: route did not follow to %s" % (j, node), file=sys.stderr)
    print("Phase 2: the pod of Local Service %s (%s) moves %d times" % (name, addr, args.moves))
    print("  " + summary("EndpointSlice PATCH -> route via new node", moves))


def vm(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


def rss(args):
    api, fib = Api(args.api_dir), Fib()
    pids = [int(p) for p in args.pids.split(",")]
    base = ipaddress.IPv4Address(args.first_ip)
    before = [vm(p, "VmHWM") for p in pids]
    t0 = time.monotonic()
    workers = 8

    errors = []

    def work(w):
        try:
            work1(w)
        except Exception as e:  # reported below; the phase is void
            errors.append(repr(e))

    def work1(w):
        a = Api(args.api_dir)
        for i in range(w, args.services, workers):
            name = "r%05d" % i
            a.call("POST", SVCS, service(name, "Cluster"))
            a.call("PATCH", SVCS + "/" + name + "/status",
                   {"status": {"loadBalancer": {"ingress": [{"ip": str(base + i)}]}}},
                   "application/merge-patch+json")
            if w == 0 and i % 1000 == 0:
                print("  ~%d Services" % i, file=sys.stderr, flush=True)

    ts = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        sys.exit("phase 3: API calls failed: " + errors[0])
    t1 = time.monotonic()
    want = {str(base + i) for i in range(args.services)}

    def count():
        with fib.cv:
            return sum(1 for p in want if fib.hops.get(p) == ALL)

    # Polled: a predicate over 10,000 prefixes per notification is too slow.
    end = t1 + 300
    while count() < len(want) and time.monotonic() < end:
        time.sleep(0.2)
    t2 = time.monotonic()
    done = count()
    ok = done == len(want)
    time.sleep(2)
    print("Phase 3: %d Cluster Services with status written directly (%.1f s of API calls, 8 connections); "
          "%d of them in the router's FIB with 3 next hops %.1f s after the last write%s"
          % (args.services, t1 - t0, done, t2 - t1, "" if ok else " (TIMEOUT)"))
    for n, p in enumerate(pids):
        print("  speaker n%d: VmHWM %6.1f MB (%.1f MB before), VmRSS %6.1f MB"
              % (n + 1, vm(p, "VmHWM") / 1024.0, before[n] / 1024.0, vm(p, "VmRSS") / 1024.0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("phase", choices=["latency", "rss"])
    ap.add_argument("api_dir")
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--moves", type=int, default=20)
    ap.add_argument("--first-ip", default="198.18.8.0")
    ap.add_argument("--pids", default="")
    args = ap.parse_args()
    latency(args) if args.phase == "latency" else rss(args)


if __name__ == "__main__":
    main()
