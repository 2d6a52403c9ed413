#!/usr/bin/python3
"""Slow-client attack on a speaker's HTTP endpoint (run by hand; loopback
only): how long /healthz takes to answer while N connections from one
address hold the metrics port, and right after they go away.

It starts `berth speaker` in manifest mode (no peers, no BGP listener)
with --metrics-address 127.0.0.1:PORT and, with --split, also
--health-address 127.0.0.1:PORT2. The attacker opens N connections from
127.0.0.2 to the metrics port and keeps them open:

  idle       connect, send nothing
  slowloris  send half a request, then one header byte every --dribble s
             (below the server's idle timeout, so it never fires)

and reopens any the server closes (after --reopen s). Meanwhile a probe
does what the kubelet does, GET /healthz and /readyz from 127.0.0.1 with
a 2 s timeout, every --interval s: against the metrics port (single
listener) or, with --split, the health port. --attack s of attack, then
the attacker closes everything and the probe goes on for --after s.
Prints p50/max answer time and failures, during and after.

usage: http_abuse.py --berth build/berth [--split] [--mode idle|slowloris]
       [--conns 1000] [--attack 20] [--after 20]
"""
import argparse
import os
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

MANIFEST = """apiVersion: network.kubesphere.io/v1alpha2
kind: BgpConf
metadata:
  name: default
spec:
  as: 64500
  listenPort: -1
  routerId: 192.0.2.11
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def probe_once(port, path, timeout=2.0):
    """One HTTP/1.0 GET from 127.0.0.1: (seconds, status or None)."""
    t0 = time.monotonic()
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" % path.encode())
        data = b""
        while True:
            left = timeout - (time.monotonic() - t0)
            if left <= 0:
                raise socket.timeout()
            s.settimeout(left)
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else None
        return time.monotonic() - t0, status
    except (OSError, ValueError):
        return time.monotonic() - t0, None
    finally:
        s.close()


class Attacker:
    def __init__(self, port, conns, mode, dribble, reopen):
        self.port, self.conns, self.mode = port, conns, mode
        self.dribble, self.reopen = dribble, reopen
        self.sel = selectors.DefaultSelector()
        self.socks = {}  # sock -> next dribble time
        self.pending = []  # reopen times
        self.opened = self.closed_by_server = 0
        self.stop = threading.Event()

    def open_one(self):
        s = socket.socket()
        s.setblocking(False)
        s.bind(("127.0.0.2", 0))
        try:
            s.connect(("127.0.0.1", self.port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            self.pending.append(time.monotonic() + self.reopen)
            return
        self.opened += 1
        self.socks[s] = time.monotonic()
        self.sel.register(s, selectors.EVENT_READ)
        if self.mode == "slowloris":
            try:
                s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            except OSError:
                pass

    def drop(self, s, by_server):
        self.sel.unregister(s)
        del self.socks[s]
        s.close()
        if by_server:
            self.closed_by_server += 1
            self.pending.append(time.monotonic() + self.reopen)

    def run(self):
        for _ in range(self.conns):
            self.open_one()
        while not self.stop.is_set():
            for key, _ in self.sel.select(timeout=0.05):
                try:
                    if key.fileobj.recv(4096):
                        continue
                except BlockingIOError:
                    continue
                except OSError:
                    pass
                self.drop(key.fileobj, True)
            now = time.monotonic()
            due = [t for t in self.pending if t <= now]
            self.pending = [t for t in self.pending if t > now]
            for _ in due:
                self.open_one()
            if self.mode == "slowloris":
                for s, t in list(self.socks.items()):
                    if now - t >= self.dribble:
                        try:
                            s.send(b"X")
                        except BlockingIOError:
                            pass
                        except OSError:
                            self.drop(s, True)
                            continue
                        self.socks[s] = now
        for s in list(self.socks):
            self.drop(s, False)


def summary(samples):
    ok = [t for t, st in samples if st == 200]
    bad = len(samples) - len(ok)
    if not ok:
        return f"{len(samples)} probes, none answered ({bad} failed)"
    return (f"{len(samples)} probes: p50 {statistics.median(ok) * 1000:.1f} ms, "
            f"max {max(t for t, _ in samples) * 1000:.1f} ms, {bad} failed (no 200 within 2 s)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--berth", required=True)
    ap.add_argument("--split", action="store_true", help="probe a separate --health-address")
    ap.add_argument("--mode", choices=("idle", "slowloris"), default="slowloris")
    ap.add_argument("--conns", type=int, default=1000)
    ap.add_argument("--dribble", type=float, default=1.0)
    ap.add_argument("--reopen", type=float, default=0.1)
    ap.add_argument("--attack", type=float, default=20)
    ap.add_argument("--after", type=float, default=20)
    ap.add_argument("--interval", type=float, default=0.2)
    a = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, a.conns + 256)), hard))
    mport, hport = free_port(), free_port()
    with tempfile.TemporaryDirectory() as d:
        mf = os.path.join(d, "bgp.yaml")
        with open(mf, "w") as f:
            f.write(MANIFEST)
        argv = [a.berth, "speaker", "--node", "n1", "--manifests", mf,
                "--metrics-address", f"127.0.0.1:{mport}", "--log-level", "warn"]
        if a.split:
            argv += ["--health-address", f"127.0.0.1:{hport}"]
        log = open(os.path.join(d, "speaker.log"), "w")
        sp = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        try:
            pport = hport if a.split else mport
            for _ in range(100):
                if probe_once(pport, "/healthz")[1] == 200:
                    break
                time.sleep(0.05)
            else:
                sys.exit("speaker did not come up: " + open(log.name).read()[-500:])
            att = Attacker(mport, a.conns, a.mode, a.dribble, a.reopen)
            th = threading.Thread(target=att.run)
            th.start()
            phases = {"during": [], "after": []}
            t_end = time.monotonic() + a.attack
            phase, first_ok, t_after = "during", None, 0.0
            while True:
                now = time.monotonic()
                if phase == "during" and now >= t_end:
                    att.stop.set()
                    th.join()
                    phase, t_after = "after", time.monotonic()
                    t_end = t_after + a.after
                elif phase == "after" and now >= t_end:
                    break
                for path in ("/healthz", "/readyz"):
                    t = time.monotonic()
                    dur, st = probe_once(pport, path)
                    phases[phase].append((dur, st))
                    if phase == "after" and st == 200 and first_ok is None:
                        first_ok = t + dur - t_after

                time.sleep(a.interval)
            print(f"{'split' if a.split else 'single'} listener, {a.conns} {a.mode} "
                  f"connections from 127.0.0.2 ({att.opened} opened, "
                  f"{att.closed_by_server} closed by the server)")
            print(f"  during {a.attack:.0f} s: {summary(phases['during'])}")
            print(f"  after  {a.after:.0f} s: {summary(phases['after'])}")
            if first_ok is None:
                print("  no answer at all after the attack")
            else:
                print(f"  first 200 {first_ok:.2f} s after the attacker closed its connections")
            print(f"  speaker alive: {sp.poll() is None}")
        finally:
            sp.terminate()
            sp.wait(10)


if __name__ == "__main__":
    main()
