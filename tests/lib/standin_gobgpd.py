#!/usr/bin/env python3
"""Stand-in for `berth speaker`, built on gobgpd, used to validate the e2e
harness before berth's speaker exists (BERTH_STANDIN=gobgpd). It accepts the
same command line and the same OpenELB manifests, and mimics the contract:
connect out to every BgpPeer, announce every Service ingress IP as /32 or
/128 with the node's own address of that family as next hop, re-read on
SIGHUP or when a manifest file changes and apply only the difference, and
withdraw then exit 0 on SIGTERM. It is a test tool, not a product: fields
it does not need are ignored.
"""
import argparse
import ipaddress
import json
import os
import signal
import subprocess
import sys
import time

import yaml

API = "127.0.0.1:50071"


def log(msg):
    print(time.strftime("%H:%M:%S"), "standin:", msg, flush=True)


def gobgp(*args, check=True):
    host, port = API.split(":")
    r = subprocess.run(["gobgp", "-u", host, "-p", port] + list(args),
                       capture_output=True, text=True)
    if check and r.returncode != 0:
        log("gobgp %s failed: %s" % (" ".join(args), r.stderr.strip()))
    return r


def node_addrs(family):
    """Global addresses of the node's non-dummy interfaces, in order."""
    out = subprocess.run(["ip", "-j", "-d", "-" + family, "addr", "show"],
                         capture_output=True, text=True).stdout
    res = []
    for link in json.loads(out or "[]"):
        if link.get("link_type") == "loopback" or link.get("ifname", "").startswith("svc"):
            continue
        if "dummy" in json.dumps(link.get("linkinfo", {})):
            continue
        for a in link.get("addr_info", []):
            if a.get("scope") == "global":
                res.append(a["local"])
    return res


def load(paths, node):
    conf, peers, addrs = None, {}, set()
    for p in paths:
        with open(p) as f:
            for doc in yaml.safe_load_all(f):
                if not doc:
                    continue
                kind = doc.get("kind")
                spec = doc.get("spec") or {}
                name = (doc.get("metadata") or {}).get("name")
                if kind == "BgpConf" and name == "default":
                    conf = spec
                elif kind == "BgpPeer":
                    sel = (spec.get("nodeSelector") or {}).get("matchLabels") or {}
                    host = sel.get("kubernetes.io/hostname")
                    if host is None or host == node:
                        peers[name] = spec
                elif kind == "Service":
                    for ing in ((doc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
                        if ing.get("ip"):
                            addrs.add(str(ipaddress.ip_address(ing["ip"])))
    if conf is None:
        raise ValueError("no BgpConf named default")
    return conf, peers, addrs


FAMILY = {"AFI_IP": "ipv4-unicast", "AFI_IP6": "ipv6-unicast"}


def toml(conf, peers, router_id):
    gr = conf.get("gracefulRestart") or {}
    port = conf.get("listenPort") or 179
    out = ["[global.config]", "  as = %d" % conf["as"],
           '  router-id = "%s"' % router_id, "  port = %d" % port,
           "[global.apply-policy.config]", '  default-export-policy = "accept-route"']
    for name, p in sorted(peers.items()):
        c = p.get("conf") or {}
        t = ((p.get("timers") or {}).get("config")) or {}
        tr = p.get("transport") or {}
        mh = p.get("ebgpMultihop") or {}
        out += ["[[neighbors]]", "  [neighbors.config]",
                '    neighbor-address = "%s"' % c["neighborAddress"],
                "    peer-as = %d" % c["peerAs"]]
        if c.get("authPassword"):
            out.append('    auth-password = "%s"' % c["authPassword"])
        out += ["  [neighbors.timers.config]",
                "    hold-time = %d" % int(t.get("holdTime", 90)),
                "    keepalive-interval = %d" % int(t.get("keepaliveInterval", int(t.get("holdTime", 90)) // 3)),
                "    connect-retry = %d" % int(t.get("connectRetry", 30)),
                "  [neighbors.transport.config]",
                "    passive-mode = %s" % ("true" if tr.get("passiveMode") else "false"),
                "    remote-port = %d" % int(tr.get("remotePort", 179))]
        if mh.get("enabled"):
            out += ["  [neighbors.ebgp-multihop.config]", "    enabled = true",
                    "    multihop-ttl = %d" % int(mh.get("multihopTtl", 255))]
        if gr.get("enabled"):
            out += ["  [neighbors.graceful-restart.config]", "    enabled = true",
                    "    restart-time = %d" % int(gr.get("restartTime", 120))]
        fams = [FAMILY[(a.get("config") or {}).get("family", {}).get("afi")]
                for a in p.get("afiSafis") or [] if (a.get("config") or {}).get("enabled")]
        for f in fams or ["ipv4-unicast"]:
            out += ["  [[neighbors.afi-safis]]", "    [neighbors.afi-safis.config]",
                    '      afi-safi-name = "%s"' % f]
            if gr.get("enabled"):
                out += ["    [neighbors.afi-safis.mp-graceful-restart.config]", "      enabled = true"]
    return "\n".join(out) + "\n"


class Standin:
    def __init__(self, args):
        self.args = args
        self.dir = os.path.join(os.path.dirname(os.path.abspath(args.manifests[0])),
                                ".standin-" + args.node)
        os.makedirs(self.dir, exist_ok=True)
        self.toml = os.path.join(self.dir, "gobgpd.toml")
        self.gobgpd = None
        self.announced = set()
        self.mtimes = {}
        self.reload_pending = False
        self.stop = False

    def mtime_snapshot(self):
        m = {}
        for p in self.args.manifests:
            try:
                st = os.stat(p)
                m[p] = (st.st_mtime_ns, st.st_ino, st.st_size)
            except OSError:
                m[p] = None
        return m

    def nexthop(self, addr):
        if ipaddress.ip_address(addr).version == 4:
            return node_addrs("4")[0]
        return self.args.nexthop6 or node_addrs("6")[0]

    def apply(self, first):
        conf, peers, addrs = load(self.args.manifests, self.args.node)
        rid = conf.get("routerId") or self.args.router_id or node_addrs("4")[0]
        text = toml(conf, peers, rid)
        old = open(self.toml).read() if os.path.exists(self.toml) else None
        if text != old:
            with open(self.toml, "w") as f:
                f.write(text)
            if not first:
                log("peers changed, reloading gobgpd")
                self.gobgpd.send_signal(signal.SIGHUP)
        if first:
            marker = os.path.join(self.dir, "running")
            cmd = ["gobgpd", "-f", self.toml, "-t", "toml", "--api-hosts", API,
                   "--pprof-disable", "-p", "-l", self.args.log_level or "info"]
            if os.path.exists(marker):
                # The previous instance died without a clean stop: set the
                # restart flag (RFC 4724 section 3, R bit).
                cmd.append("-r")
            open(marker, "w").close()
            self.gobgpd = subprocess.Popen(cmd)
            with open(os.path.join(self.dir, "gobgpd.pid"), "w") as f:
                f.write(str(self.gobgpd.pid))
            for _ in range(100):
                if gobgp("global", check=False).returncode == 0:
                    break
                time.sleep(0.1)
        for a in sorted(addrs - self.announced):
            fam = "ipv4" if ipaddress.ip_address(a).version == 4 else "ipv6"
            plen = 32 if fam == "ipv4" else 128
            log("announce %s/%d" % (a, plen))
            gobgp("global", "rib", "add", "-a", fam, "%s/%d" % (a, plen), "nexthop", self.nexthop(a))
        for a in sorted(self.announced - addrs):
            fam = "ipv4" if ipaddress.ip_address(a).version == 4 else "ipv6"
            plen = 32 if fam == "ipv4" else 128
            log("withdraw %s/%d" % (a, plen))
            gobgp("global", "rib", "del", "-a", fam, "%s/%d" % (a, plen))
        self.announced = addrs

    def run(self):
        signal.signal(signal.SIGHUP, lambda *_: setattr(self, "reload_pending", True))
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stop", True))
        signal.signal(signal.SIGINT, lambda *_: setattr(self, "stop", True))
        self.mtimes = self.mtime_snapshot()
        self.apply(True)
        while not self.stop:
            time.sleep(0.2)
            m = self.mtime_snapshot()
            if m != self.mtimes or self.reload_pending:
                self.mtimes = m
                self.reload_pending = False
                try:
                    self.apply(False)
                except Exception as e:  # keep the last good configuration
                    log("reload failed, keeping the running configuration: %s" % e)
            if self.gobgpd.poll() is not None:
                log("gobgpd exited with %d" % self.gobgpd.returncode)
                return 1
        log("stopping: withdrawing everything")
        for a in sorted(self.announced):
            fam = "ipv4" if ipaddress.ip_address(a).version == 4 else "ipv6"
            gobgp("global", "rib", "del", "-a", fam, "%s/%d" % (a, 32 if fam == "ipv4" else 128))
        time.sleep(0.5)
        self.gobgpd.terminate()
        self.gobgpd.wait()
        os.unlink(os.path.join(self.dir, "running"))
        return 0


def main():
    ap = argparse.ArgumentParser(prog="standin speaker")
    ap.add_argument("cmd", choices=["speaker"])
    ap.add_argument("--node", required=True)
    ap.add_argument("--manifests", nargs="+", required=True)
    ap.add_argument("--router-id")
    ap.add_argument("--nexthop6")
    ap.add_argument("--log-level")
    return Standin(ap.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
