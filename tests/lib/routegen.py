#!/usr/bin/env python3
"""Bulk routes for a router under test to send to the speaker, in the form
each router loads fastest (tests/e2e/test_received_routes.sh).

usage: routegen.py bird N4 N6           BIRD static protocols bulk4, bulk6
       routegen.py frr  N4 N6 [no]      FRR address-family blocks of
                                        "network" (or "no network") lines
       routegen.py mrt  N4 N6 NH4 NH6 OUT [COPIES]
                                        MRT TABLE_DUMP_V2 (RFC 6396 4.3)
                                        for `gobgp mrt inject global`

The prefixes: N4 IPv4 /32 from 198.18.0.0 (RFC 2544's benchmarking range:
the documentation ranges hold 768 addresses in all); N6 IPv6, /128 from
2001:db8:1000:: and /64 from 2001:db8:2000::/48 taken in turn, so NLRI of
two lengths share each UPDATE. None of them reaches a kernel FIB.

GoBGP 3.10's CLI closes its AddPathStream before the server has taken the
last few thousand paths of a file (see bench/mrtgen.py): COPIES (default 2)
writes the whole table that many times, so what gets lost is a repeat.
"""
import ipaddress
import socket
import struct
import sys

V4_BASE = int(ipaddress.IPv4Address("198.18.0.0"))
V6_HOST = int(ipaddress.IPv6Address("2001:db8:1000::"))
V6_NET = int(ipaddress.IPv6Address("2001:db8:2000::"))

TABLE_DUMP_V2 = 13
PEER_INDEX_TABLE = 1
RIB_IPV4_UNICAST = 2
RIB_IPV6_UNICAST = 4


def v4(n):
    for i in range(n):
        yield ipaddress.IPv4Address(V4_BASE + i), 32


def v6(n):
    if n > 2 * 65536:
        sys.exit("routegen: at most 131072 IPv6 prefixes")
    for i in range(n):
        if i % 2 == 0:
            yield ipaddress.IPv6Address(V6_HOST + i // 2), 128
        else:
            yield ipaddress.IPv6Address(V6_NET + ((i // 2) << 64)), 64


def bird(n4, n6):
    out = ["protocol static bulk4 { ipv4;"]
    out += ["  route %s/%d blackhole;" % p for p in v4(n4)]
    out += ["}", "protocol static bulk6 { ipv6;"]
    out += ["  route %s/%d blackhole;" % p for p in v6(n6)]
    out += ["}"]
    return out


def frr(n4, n6, neg=""):
    out = [" address-family ipv4 unicast"]
    out += ["  %snetwork %s/%d" % ((neg,) + p) for p in v4(n4)]
    out += [" exit-address-family", " address-family ipv6 unicast"]
    out += ["  %snetwork %s/%d" % ((neg,) + p) for p in v6(n6)]
    out += [" exit-address-family"]
    return out


def mrt_record(subtype, body):
    return struct.pack("!IHHI", 0, TABLE_DUMP_V2, subtype, len(body)) + body


def mrt(n4, n6, nh4, nh6, out, copies):
    nh = socket.inet_aton(nh4)
    nh6b = socket.inet_pton(socket.AF_INET6, nh6)
    # RFC 6396 4.3.1: one peer, IPv4 address, 4-octet AS (type bit 1).
    peer = struct.pack("!B4s4sI", 0x02, nh, nh, 65000)
    index = struct.pack("!4sH", nh, 0) + struct.pack("!H", 1) + peer
    # ORIGIN IGP, empty AS_PATH (GoBGP prepends its own AS), NEXT_HOP.
    attrs4 = bytes([0x40, 1, 1, 0, 0x40, 2, 0, 0x40, 3, 4]) + nh
    recs = []
    seq = 0
    for a, plen in v4(n4):
        nb = (plen + 7) // 8
        body = struct.pack("!IB", seq, plen) + a.packed[:nb] + struct.pack("!H", 1)
        body += struct.pack("!HIH", 0, 0, len(attrs4)) + attrs4
        recs.append(mrt_record(RIB_IPV4_UNICAST, body))
        seq += 1
    for a, plen in v6(n6):
        nb = (plen + 7) // 8
        pfx = a.packed[:nb]
        # RFC 6396 4.3.4 abbreviates MP_REACH_NLRI in RIB entries to the
        # next hop, but GoBGP 3.10 parses the full attribute.
        mp = struct.pack("!HBB", 2, 1, 16) + nh6b + b"\x00" + bytes([plen]) + pfx
        attrs6 = bytes([0x40, 1, 1, 0, 0x40, 2, 0, 0x80, 14, len(mp)]) + mp
        body = struct.pack("!IB", seq, plen) + pfx + struct.pack("!H", 1)
        body += struct.pack("!HIH", 0, 0, len(attrs6)) + attrs6
        recs.append(mrt_record(RIB_IPV6_UNICAST, body))
        seq += 1
    table = b"".join(recs)
    with open(out, "wb") as f:
        f.write(mrt_record(PEER_INDEX_TABLE, index))
        for _ in range(copies):
            f.write(table)


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    fmt, n4, n6 = argv[1], int(argv[2]), int(argv[3])
    if fmt == "bird":
        print("\n".join(bird(n4, n6)))
    elif fmt == "frr":
        print("\n".join(frr(n4, n6, "no " if argv[4:5] == ["no"] else "")))
    elif fmt == "mrt" and len(argv) >= 7:
        mrt(n4, n6, argv[4], argv[5], argv[6], int(argv[7]) if len(argv) > 7 else 2)
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
