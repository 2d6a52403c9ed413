#!/usr/bin/env python3
"""Bad BFD input for tests/lib/bfd_suite.sh: datagrams from FROM to TO's
UDP port 3784 that a BFD speaker must drop and count without a state
change (RFC 5880 section 6.8.6, RFC 5881 section 5), N of each kind:

  short       8 bytes                                      reason "short"
  version     a Control packet with version 0              "version"
  length      Length 200 in a 24-byte datagram             "length"
  mult        Detect Mult 0                                "mult"
  oversized   2,000 bytes (over 255: berth says "length")  "length"
  ttl         State Down, Your Discriminator 0: what would  "ttl"
              take the session from FROM down (its address
              selects it), but sent with TTL 64
  no_session  State Down, TTL 255, a Your Discriminator     "no_session"
              that no session has

Each is sent from its own socket bound to FROM (source ports 49152-65535,
as RFC 5881 section 4 has them). Prints "kind=N ..." of what was sent.

usage: bfd_junk.py FROM TO [N]
"""
import socket
import struct
import sys

PORT = 3784


def control(version=1, state=3, mult=3, length=24, my=0x5EED0001, your=0x5EED0002):
    # RFC 5880 section 4.1: Vers|Diag, Sta|flags, Detect Mult, Length, My
    # Discriminator, Your Discriminator, three intervals (us).
    return struct.pack("!BBBBIIIII", (version << 5), (state << 6), mult, length, my, your,
                       300000, 300000, 0)


def kinds():
    return [
        ("short", 255, b"\x20\xc0\x03\x18\x00\x00\x00\x01"),
        ("version", 255, control(version=0)),
        ("length", 255, control(length=200)),
        ("mult", 255, control(mult=0)),
        ("oversized", 255, bytes([7 << 5]) + bytes(range(256)) * 7 + bytes(207)),
        ("ttl", 64, control(state=1, your=0)),
        ("no_session", 255, control(state=1, your=0x0BADD15C)),
    ]


def main():
    src, dst = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    sent = []
    for i, (name, ttl, data) in enumerate(kinds()):
        for j in range(n):
            s = socket.socket(fam, socket.SOCK_DGRAM)
            if fam == socket.AF_INET:
                s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
            else:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
            s.bind((src, 50000 + i * 100 + j))
            s.sendto(data, (dst, PORT))
            s.close()
        sent.append("%s=%d" % (name, n))
    print(" ".join(sent))


if __name__ == "__main__":
    main()
