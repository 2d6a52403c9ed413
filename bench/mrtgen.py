#!/usr/bin/env python3
"""Writes an MRT TABLE_DUMP_V2 file (RFC 6396 section 4.3) holding N IPv4
host routes (/32) from a start address, for `gobgp mrt inject global`:
the fastest way to hand GoBGP a million routes.

usage: mrtgen.py START N NEXTHOP OUT [PAD]

GoBGP 3.10's CLI closes its AddPathStream before the server has taken the
last few thousand paths: they are lost. PAD (default 50000) IPv6 routes
(2001:db8:ffff::/48 upwards) follow the N IPv4 ones in the file to absorb
that loss; inject into a GoBGP whose neighbor has only IPv4 unicast, and
wait until its IPv4 table holds N.
"""
import ipaddress
import socket
import struct
import sys

TABLE_DUMP_V2 = 13
PEER_INDEX_TABLE = 1
RIB_IPV4_UNICAST = 2
RIB_IPV6_UNICAST = 4


def record(subtype, body):
    return struct.pack("!IHHI", 0, TABLE_DUMP_V2, subtype, len(body)) + body


def main():
    start, n, nexthop, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    pad = int(sys.argv[5]) if len(sys.argv) > 5 else 50000
    first = int(ipaddress.IPv4Address(start))
    nh = socket.inet_aton(nexthop)
    # RFC 6396 4.3.1: one peer, IPv4 address, 4-octet AS (type bit 1).
    peer = struct.pack("!B4s4sI", 0x02, nh, nh, 65001)
    index = struct.pack("!4sH", nh, 0) + struct.pack("!H", 1) + peer
    # Path attributes (RFC 6396 4.3.4: AS_PATH with 4-octet ASNs): ORIGIN
    # IGP, empty AS_PATH (GoBGP prepends its own AS), NEXT_HOP.
    attrs = bytes([0x40, 1, 1, 0]) + bytes([0x40, 2, 0]) + bytes([0x40, 3, 4]) + nh
    entry_tail = struct.pack("!HIH", 0, 0, len(attrs)) + attrs
    with open(out, "wb") as f:
        f.write(record(PEER_INDEX_TABLE, index))
        chunk = []
        for i in range(n):
            body = struct.pack("!IB4sH", i, 32, struct.pack("!I", first + i), 1) + entry_tail
            chunk.append(record(RIB_IPV4_UNICAST, body))
            if len(chunk) == 65536:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))
        # RFC 6396 4.3.4 abbreviates MP_REACH_NLRI in RIB entries to the
        # next hop, but GoBGP 3.10 parses the full attribute (AFI, SAFI,
        # next hop, reserved, NLRI): write that.
        nh6 = socket.inet_pton(socket.AF_INET6, "2001:db8::11")
        base6 = int(ipaddress.IPv6Address("2001:db8:ffff::"))
        chunk = []
        for i in range(pad):
            pfx = (base6 + i).to_bytes(16, "big")
            mp = struct.pack("!HBB", 2, 1, 16) + nh6 + b"\x00" + bytes([128]) + pfx
            attrs6 = bytes([0x40, 1, 1, 0]) + bytes([0x40, 2, 0]) + bytes([0x80, 14, len(mp)]) + mp
            body = (struct.pack("!IB16sH", n + i, 128, pfx, 1) +
                    struct.pack("!HIH", 0, 0, len(attrs6)) + attrs6)
            chunk.append(record(RIB_IPV6_UNICAST, body))
        f.write(b"".join(chunk))
    return 0


if __name__ == "__main__":
    sys.exit(main())
