#!/usr/bin/python3
"""Load driver for the API server stand-in (tools/apiserver): what berth's
controller does when it allocates addresses, without berth.

It starts a stand-in preloaded (--state) with N LoadBalancer Services,
opens W watches on services (allowWatchBookmarks, from the list's
resourceVersion), then P worker processes, each with one keep-alive HTTPS
connection, write every Service once:

  put    PUT the Service (an annotation), PUT its /status, POST an Event
  merge  PATCH (merge) the Service, PATCH (merge) /status, POST an Event
  smp    the same with strategic merge patches
  status only the /status write (PUT), no annotation and no Event
  status-merge / status-smp: only the /status write, as a PATCH

PATCHes carry metadata.resourceVersion as a precondition, PUTs the object
as last returned. Every write must succeed (a 409 is an error) and every
watch must see every MODIFIED event. Prints requests/s per mode.

usage: apiserver_load.py [--n N] [--procs P] [--watchers W] [--mode M ...]
       [--keep DIR]   (extra stand-in flags after --, e.g. -- --quiet)
env KAPI_PROFILE=FILE is passed to the stand-in (cProfile, see its README);
KAPI_RUN=PATH runs another copy of tools/apiserver/run (to compare).
"""
import argparse
import http.client
import ipaddress
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
RUN = os.environ.get("KAPI_RUN") or os.path.join(ROOT, "tools", "apiserver", "run")
SVC = "/api/v1/namespaces/default/services"


def make_state(path, n):
    net = ipaddress.ip_network("10.96.0.0/12")
    svcs = []
    for i in range(n):
        ip = str(net[10 + i])
        svcs.append({"apiVersion": "v1", "kind": "Service", "metadata": {
            "name": f"b{i}", "namespace": "default", "uid": str(uuid.uuid4()),
            "creationTimestamp": "2024-01-01T00:00:00Z", "resourceVersion": str(100 + i)},
            "spec": {"type": "LoadBalancer", "selector": {"app": f"b{i}"},
                     "ports": [{"name": "p", "port": 80, "protocol": "TCP", "targetPort": 80,
                                "nodePort": 30000 + i % 2700}],
                     "clusterIP": ip, "clusterIPs": [ip], "ipFamilies": ["IPv4"],
                     "ipFamilyPolicy": "SingleStack", "sessionAffinity": "None",
                     "externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster",
                     "allocateLoadBalancerNodePorts": True},
            "status": {"loadBalancer": {}}})
    with open(path, "w") as f:
        json.dump({"resourceVersion": 100 + n, "objects": {"services": svcs}}, f)
    return {s["metadata"]["name"]: s for s in svcs}


def proc_cpu(pid):
    """user+system CPU seconds of a process (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Client:
    """A keep-alive HTTPS client that costs little: requests made as bytes,
    responses read by Content-Length (the load should be the server's)."""

    def __init__(self, info):
        self.info = info
        self.ctx = ssl.create_default_context(cafile=info["ca"])
        self.sock = None
        self.buf = b""
        self.hdr = {"Authorization": "Bearer " + info["token"], "User-Agent": "berth/bench",
                    "Accept": "application/json"}
        self.head = ("Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\nUser-Agent: berth/bench\r\n"
                     "Accept: application/json\r\n" % info["token"]).encode()

    def req(self, method, path, body=None, ctype="application/json"):
        if self.sock is None:
            raw = socket.create_connection(("127.0.0.1", self.info["port"]), timeout=60)
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock = self.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        data = b"" if body is None else body if isinstance(body, bytes) else \
            json.dumps(body).encode()
        extra = b"" if body is None else b"Content-Type: %s\r\nContent-Length: %d\r\n" % (
            ctype.encode(), len(data))
        self.sock.sendall(b"%s %s HTTP/1.1\r\n%s%s\r\n%s" % (
            method.encode(), path.encode(), self.head, extra, data))
        while b"\r\n\r\n" not in self.buf:
            self._recv()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        head += b"\r\n"
        status = int(head[9:12])
        i = head.lower().find(b"\r\ncontent-length:")
        n = int(head[i + 17:head.index(b"\r\n", i + 2)]) if i >= 0 else 0
        while len(self.buf) < n:
            self._recv()
        raw, self.buf = self.buf[:n], self.buf[n:]
        return status, raw

    def _recv(self):
        data = self.sock.recv(262144)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buf += data


def event_for(i, now):
    return {"apiVersion": "v1", "kind": "Event", "metadata": {
        "name": f"b{i}.{uuid.uuid4().hex[:16]}", "namespace": "default"},
        "involvedObject": {"kind": "Service", "namespace": "default", "name": f"b{i}",
                           "apiVersion": "v1"},
        "reason": "IPAllocated", "message": f"allocated 10.200.{i // 250}.{i % 250 + 1}",
        "source": {"component": "berth-controller"}, "type": "Normal", "count": 1,
        "firstTimestamp": now, "lastTimestamp": now}


_RV = re.compile(rb'"resourceVersion": "([0-9]+)"')


def work(info, objs, idx, mode, out_fd):
    """One worker process: writes the Services idx with one connection."""
    c = Client(info)
    bad = []
    nreq = 0
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for i in idx:
        name = f"b{i}"
        obj = objs[name]
        ip = f"10.200.{i // 250}.{i % 250 + 1}"
        ann = {"eip.openelb.kubesphere.io/v1alpha2": "bench"}
        ing = {"loadBalancer": {"ingress": [{"ip": ip}]}}
        rv = obj["metadata"]["resourceVersion"]
        if mode in ("put", "merge", "smp"):
            if mode == "put":
                new = dict(obj, metadata=dict(obj["metadata"], annotations=ann))
                code, raw = c.req("PUT", f"{SVC}/{name}", new)
            else:
                ct = "application/merge-patch+json" if mode == "merge" else \
                    "application/strategic-merge-patch+json"
                code, raw = c.req("PATCH", f"{SVC}/{name}", {"metadata": {
                    "resourceVersion": rv, "annotations": ann}}, ct)
            nreq += 1
            if code != 200:
                bad.append((name, code, raw[:200]))
                continue
            if mode == "put":
                obj = json.loads(raw)
                rv = obj["metadata"]["resourceVersion"]
            else:
                rv = _RV.search(raw).group(1).decode()
        if mode in ("put", "status"):
            code, raw = c.req("PUT", f"{SVC}/{name}/status", dict(obj, status=ing))
        else:
            ct = "application/strategic-merge-patch+json" if mode.endswith("smp") else \
                "application/merge-patch+json"
            code, raw = c.req("PATCH", f"{SVC}/{name}/status",
                              {"metadata": {"resourceVersion": rv}, "status": ing}, ct)
        nreq += 1
        if code != 200:
            bad.append((name, code, raw[:200]))
            continue
        if not mode.startswith("status"):
            code, raw = c.req("POST", "/api/v1/namespaces/default/events", event_for(i, now))
            nreq += 1
            if code != 201:
                bad.append((name, code, raw[:200]))
    os.write(out_fd, json.dumps({"n": nreq, "bad": [list(map(str, b)) for b in bad]}).encode())
    os.close(out_fd)


class WatchReader(threading.Thread):
    """Reads a services watch and counts MODIFIED events."""

    def __init__(self, info, rv):
        super().__init__(daemon=True)
        self.c = Client(info)
        self.c.conn = http.client.HTTPSConnection("127.0.0.1", info["port"],
                                                  context=self.c.ctx, timeout=600)
        self.c.conn.request("GET", f"{SVC}?watch=1&allowWatchBookmarks=true"
                            f"&resourceVersion={rv}", headers=self.c.hdr)
        self.r = self.c.conn.getresponse()
        assert self.r.status == 200, self.r.status
        self.modified = 0
        self.last = time.monotonic()

    def run(self):
        # Counts events without decoding them (the driver should cost little).
        pat = b'{"type": "MODIFIED"'
        tail = b""
        try:
            while True:
                data = self.r.read1(262144)
                if not data:
                    return
                buf = tail + data
                n = buf.count(pat)
                if n:
                    self.modified += n
                    self.last = time.monotonic()
                tail = buf[-(len(pat) - 1):]
        except (OSError, ValueError, http.client.HTTPException):
            return


def run_mode(args, mode):
    d = args.keep or tempfile.mkdtemp(prefix="kapi-load.")
    os.makedirs(d, exist_ok=True)
    objs = make_state(os.path.join(d, "state.json"), args.n)
    cmd = [RUN, "--dir", d, "--port", "0", "--daemon", "--state", os.path.join(d, "state.json"),
           "--history", "200000"] + args.extra
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    try:
        with open(os.path.join(d, "server.json")) as f:
            info = json.load(f)
        c = Client(info)
        code, raw = c.req("GET", f"{SVC}?limit=1")
        rv = json.loads(raw)["metadata"]["resourceVersion"]
        watchers = [WatchReader(info, rv) for _ in range(args.watchers)]
        for w in watchers:
            w.start()
        with open(os.path.join(d, "apiserver.log")) as f:
            log0 = sum(1 for _ in f)
        pids = []
        cpu0 = proc_cpu(info["pid"])
        t0 = time.monotonic()
        for p in range(args.procs):
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(r)
                try:
                    work(info, objs, range(p, args.n, args.procs), mode, w)
                    os._exit(0)
                except BaseException as e:
                    print("worker:", repr(e), file=sys.stderr)
                    os._exit(1)
            os.close(w)
            pids.append((pid, r))
        total, bad = 0, []
        ccpu = 0.0
        for pid, r in pids:
            with os.fdopen(r) as f:
                data = f.read()
            _, status, ru = os.wait4(pid, 0)
            ccpu += ru.ru_utime + ru.ru_stime
            if not data:
                bad.append(f"worker {pid} failed ({status})")
                continue
            res = json.loads(data)
            total += res["n"]
            bad += res["bad"]
        dt = time.monotonic() - t0
        cpu = proc_cpu(info["pid"]) - cpu0
        # every write must reach every watcher
        want = args.n * (2 if mode in ("put", "merge", "smp") else 1)
        end = time.monotonic() + 30
        while time.monotonic() < end and any(w.modified < want for w in watchers):
            time.sleep(0.05)
        lag = max((w.last for w in watchers), default=t0 + dt) - (t0 + dt)
        print(f"{mode:13s} {total} requests in {dt:.2f} s: {total / dt:.0f} req/s; "
              f"{args.watchers} watchers saw {[w.modified for w in watchers]} MODIFIED "
              f"(want {want}), last event {max(lag, 0) * 1000:.0f} ms after the last "
              f"response; {len(bad)} errors; stand-in CPU {cpu:.2f} s = "
              f"{cpu / max(total, 1) * 1e6:.0f} us/request "
              f"(driver {ccpu / max(total, 1) * 1e6:.0f})", flush=True)
        for b in bad[:5]:
            print("  error:", b)
        time.sleep(0.3)  # the log is flushed on a timer
        with open(os.path.join(d, "apiserver.log")) as f:
            lines = sum(1 for _ in f) - log0
        if lines < total:
            print(f"  apiserver.log has {lines} new lines for {total} requests")
        ok = not bad and all(w.modified == want for w in watchers)
        return ok, total / dt
    finally:
        subprocess.run([RUN, "stop", "--dir", d], stdout=subprocess.DEVNULL)
        if not args.keep:
            shutil.rmtree(d, ignore_errors=True)


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=3000, help="Services (each written once)")
    p.add_argument("--procs", type=int, default=4, help="worker processes (1 connection each)")
    p.add_argument("--watchers", type=int, default=3)
    p.add_argument("--mode", action="append",
                   choices=["put", "merge", "smp", "status", "status-merge", "status-smp"])
    p.add_argument("--keep", help="use this directory and keep it")
    args = p.parse_args(argv)
    args.extra = extra
    ok = True
    for mode in args.mode or ["put", "status", "smp"]:
        good, _ = run_mode(args, mode)
        ok = ok and good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
