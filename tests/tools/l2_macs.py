#!/usr/bin/env python3
"""Which MACs answer for layer 2 addresses (tests/e2e/test_l2.sh, the lab).

Sends, in rounds of --interval ms for --duration s, an ARP request (IPv4)
or a neighbour solicitation to the solicited-node group (IPv6, RFC 4861
section 7.2.2) for each ADDR out of IFACE (spread over the first half of
the round), on an AF_PACKET socket, and prints per
address which MACs answered. Unlike `arping` (which goes unicast after the
first reply) every request is broadcast or multicast, so every host that
answers is seen, in every round:

  ADDR macs=M1[,M2...]|- rounds=N answered=K max_simul=S announced=M...|- first_ns=T

macs: the MACs named in the answers (ARP sender hardware address; NA
target link-layer address option, else the frame's source); answered: the
rounds with at least one answer; max_simul: the most distinct MACs that
answered within one round (two is split brain, not a handover);
announced: MACs seen in gratuitous ARP or unsolicited NA (S flag clear)
for ADDR; first_ns: when the first answer came (CLOCK_REALTIME, 0: none).
SIGTERM ends the census early, with what it saw; so does --until-all
once every ADDR has been answered.

With --announce it sends instead one gratuitous ARP request (RFC 5227
section 3) or unsolicited NA with Override to ff02::1 (RFC 4861 section
7.2.6) per ADDR from IFACE, as a new owner does, and exits: the tools'
own test (test_l2_tools.sh) moves addresses by hand with it. Python
standard library only; runs as root in a namespace.
"""
import argparse
import fcntl
import ipaddress
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ARP = 0x0806
ETH_P_IPV6 = 0x86DD
SIOCGIFADDR = 0x8915
SIOCGIFHWADDR = 0x8927
PACKET_OUTGOING = 4
BCAST = b"\xff" * 6


def fmt_mac(b):
    return ":".join("%02x" % x for x in b)


def if_hwaddr(ifname):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        req = struct.pack("256s", ifname.encode()[:15])
        return fcntl.ioctl(s.fileno(), SIOCGIFHWADDR, req)[18:24]
    finally:
        s.close()


def if_ipv4(ifname):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        req = struct.pack("256s", ifname.encode()[:15])
        return fcntl.ioctl(s.fileno(), SIOCGIFADDR, req)[20:24]
    except OSError:
        return b"\0" * 4  # an ARP probe (RFC 5227 section 2.1.1) still gets answers
    finally:
        s.close()


def if_ipv6(ifname):
    """A global address of ifname if it has one, else its link-local one."""
    best = None
    with open("/proc/net/if_inet6") as f:
        for line in f:
            a, _idx, _plen, scope, _flags, name = line.split()
            if name != ifname:
                continue
            packed = bytes.fromhex(a)
            if scope == "00":
                return packed
            if scope == "20" and best is None:
                best = packed
    if best is None:
        sys.exit("l2_macs: %s has no IPv6 address" % ifname)
    return best


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def arp_request(mac, spa, tpa):
    eth = BCAST + mac + struct.pack("!H", ETH_P_ARP)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + spa + b"\0" * 6 + tpa
    return eth + arp


def ns_packet(mac, src, target):
    """RFC 4861 section 4.3, to the solicited-node group of target."""
    dst = bytes.fromhex("ff02" + "00" * 9 + "01ff") + target[13:]
    icmp = struct.pack("!BBHI", 135, 0, 0, 0) + target + struct.pack("!BB", 1, 1) + mac
    pseudo = src + dst + struct.pack("!I3xB", len(icmp), 58)
    icmp = icmp[:2] + struct.pack("!H", csum(pseudo + icmp)) + icmp[4:]
    ip6 = struct.pack("!IHBB", 6 << 28, len(icmp), 58, 255) + src + dst
    eth = b"\x33\x33" + dst[12:] + mac + struct.pack("!H", ETH_P_IPV6)
    return eth + ip6 + icmp


def garp(mac, addr):
    eth = BCAST + mac + struct.pack("!H", ETH_P_ARP)
    return eth + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + addr + b"\0" * 6 + addr


def unsolicited_na(mac, target):
    """RFC 4861 section 4.4: Override set, Solicited clear, from target."""
    dst = bytes.fromhex("ff02" + "00" * 13 + "01")
    icmp = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + target + struct.pack("!BB", 2, 1) + mac
    pseudo = target + dst + struct.pack("!I3xB", len(icmp), 58)
    icmp = icmp[:2] + struct.pack("!H", csum(pseudo + icmp)) + icmp[4:]
    ip6 = struct.pack("!IHBB", 6 << 28, len(icmp), 58, 255) + target + dst
    return b"\x33\x33\x00\x00\x00\x01" + mac + struct.pack("!H", ETH_P_IPV6) + ip6 + icmp


def parse_arp(frame):
    """(addr, mac, is_answer) for an ARP reply or gratuitous ARP, else None."""
    if len(frame) < 42:
        return None
    htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", frame[14:22])
    if (htype, ptype, hlen, plen) != (1, 0x0800, 6, 4):
        return None
    sha, spa, tpa = frame[22:28], frame[28:32], frame[38:42]
    if op == 2:
        return spa, sha, spa != tpa
    if op == 1 and spa == tpa:
        return spa, sha, False
    return None


def parse_na(frame):
    """(target, mac, solicited) for a neighbour advertisement, else None."""
    if len(frame) < 14 + 40 + 24 or frame[14 + 6] != 58:
        return None
    icmp = frame[54:]
    if icmp[0] != 136 or icmp[1] != 0:
        return None
    solicited = bool(icmp[4] & 0x40)
    target = icmp[8:24]
    mac = frame[6:12]
    opts = icmp[24:]
    while len(opts) >= 8 and opts[1]:
        n = opts[1] * 8
        if opts[0] == 2 and n >= 8:
            mac = opts[2:8]
        opts = opts[n:]
    return target, mac, solicited


def receive(s, by_key):
    """Reads what s holds now; answers and announcements go to their Addr."""
    while True:
        try:
            frame, sa = s.recvfrom(2048)
        except BlockingIOError:
            return
        if sa[2] == PACKET_OUTGOING:
            continue
        got = parse_arp(frame) if sa[1] == ETH_P_ARP else parse_na(frame)
        if not got or got[0] not in by_key:
            continue
        x = by_key[got[0]]
        if got[2]:
            x.first_ns = x.first_ns or time.time_ns()
            x.macs[got[1]] = x.macs.get(got[1], 0) + 1
            x.round_macs.add(got[1])
        else:
            x.announced.add(got[1])


class Addr:
    def __init__(self, text):
        self.text = text
        ip = ipaddress.ip_address(text)
        self.v6 = ip.version == 6
        self.packed = ip.packed
        self.macs = {}  # mac -> answers
        self.announced = set()
        self.round_macs = set()
        self.answered = 0
        self.max_simul = 0
        self.first_ns = 0  # CLOCK_REALTIME of the first answer

    def end_round(self):
        if self.round_macs:
            self.answered += 1
        self.max_simul = max(self.max_simul, len(self.round_macs))
        self.round_macs = set()

    def line(self, rounds):
        macs = ",".join(sorted(fmt_mac(m) for m in self.macs)) or "-"
        ann = ",".join(sorted(fmt_mac(m) for m in self.announced)) or "-"
        return "%s macs=%s rounds=%d answered=%d max_simul=%d announced=%s first_ns=%d" % (
            self.text, macs, rounds, self.answered, self.max_simul, ann, self.first_ns)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-I", "--iface", default="eth0")
    ap.add_argument("-d", "--duration", type=float, default=1.0, help="seconds")
    ap.add_argument("-i", "--interval", type=float, default=100, help="ms between rounds")
    ap.add_argument("--until-all", action="store_true",
                    help="stop after the first round in which every ADDR has been answered")
    ap.add_argument("--announce", action="store_true", help="announce ADDR... and exit")
    ap.add_argument("addrs", nargs="+")
    a = ap.parse_args()
    addrs = [Addr(x) for x in a.addrs]
    by_key = {x.packed: x for x in addrs}
    mac = if_hwaddr(a.iface)
    spa = if_ipv4(a.iface)
    src6 = if_ipv6(a.iface) if any(x.v6 for x in addrs) and not a.announce else None

    socks = []
    for proto in (ETH_P_ARP, ETH_P_IPV6):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
        s.bind((a.iface, proto))
        s.setblocking(False)
        socks.append(s)
    if a.announce:
        for x in addrs:
            socks[1 if x.v6 else 0].send(unsolicited_na(mac, x.packed) if x.v6 else garp(mac, x.packed))
        return
    requests = [(x, ns_packet(mac, src6, x.packed) if x.v6 else arp_request(mac, spa, x.packed))
                for x in addrs]

    # SIGTERM ends the census after the current round, with its results.
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    interval = a.interval / 1000.0
    rounds = max(1, int(round(a.duration / interval)))
    t0 = time.monotonic()
    done = 0
    for r in range(rounds):
        if stop:
            break
        start = t0 + r * interval
        end = start + interval
        # Requests spread over the first half of the round, not a burst: a
        # thousand at once would overflow the responders' socket buffers
        # and measure that instead.
        step = interval / 2 / len(requests)
        sent = 0
        while True:
            now = time.monotonic()
            while sent < len(requests) and now >= start + sent * step:
                x, pkt = requests[sent]
                socks[1 if x.v6 else 0].send(pkt)
                sent += 1
            wake = start + sent * step if sent < len(requests) else end
            if now >= end and sent == len(requests):
                break
            ready, _, _ = select.select(socks, [], [], max(0.0, wake - now))
            for s in ready:
                receive(s, by_key)
        for x in addrs:
            x.end_round()
        done += 1
        if a.until_all and all(x.first_ns for x in addrs):
            break
    for x in addrs:
        print(x.line(done))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
