#!/usr/bin/env python3
"""What went over the wire in BGP UPDATEs, from `tcpdump -l -n -vv` text
(tcpdump decodes BGP and dumps each attribute's bytes in hex): one line per
announced prefix,

  SENDER PREFIX [NAME=HEX...]

SENDER the IP source address, PREFIX from "Updated routes" (IPv4) or the
MP_REACH_NLRI attribute (RFC 4760), and for the attributes below the
attribute's value as hex (NAME=- when absent):

  ext    Extended Communities (RFC 4360), 8 octets each
  comm   Communities (RFC 1997)
  large  Large Communities (RFC 8092)
  lpref  LOCAL_PREF

Withdrawals and End-of-RIB markers print nothing. The hex is the value
only: tcpdump's dump of an attribute starts after its header.

With --time (for `tcpdump -tt` text) each line starts with the capture
time of the packet that carried the UPDATE, in seconds since the epoch.

usage: bgp_wire.py [--time] FILE
"""
import re
import sys

ATTRS = {
    "Extended Community": "ext",
    "Community": "comm",
    "Large Community": "large",
    "Local Preference": "lpref",
}
# "1796596464.120524 IP (tos 0x0, ..." (tcpdump -tt)
STAMP = re.compile(r"^(\d+\.\d+) ")
# "    192.0.2.11.52728 > 192.0.2.1.179: Flags [P.], ..."
SRC = re.compile(r"^\s+([0-9a-fA-F.:]+)\.\d+ > [0-9a-fA-F.:]+\.\d+: ")
# "\t  Extended Community (16), length: 8, Flags [OT]: "
ATTR = re.compile(r"^\t  (\S.*?) \((\d+)\), length: \d+")
HEX = re.compile(r"^\t\s+0x[0-9a-f]{4}:\s+((?:[0-9a-f]{2,4}\s?)+)")
PREFIX = re.compile(r"^\t\s+([0-9a-fA-F.:]+/\d+)\s*$")


def updates(lines):
    """(time, sender, {name: hex}, [prefixes]) per UPDATE message."""
    stamp = None
    src = None
    cur = None
    attr = None
    for line in lines:
        line = line.rstrip("\n")
        m = STAMP.match(line)
        if m:
            stamp = m.group(1)
        m = SRC.match(line)
        if m:
            src = m.group(1)
            continue
        if line.startswith("\tUpdate Message (2)"):
            if cur:
                yield cur
            cur = (stamp, src, {}, [])
            attr = None
            continue
        if cur is None:
            continue
        if not line.startswith("\t"):
            # the next packet's header line
            yield cur
            cur = None
            continue
        if line.startswith("\t") and not line.startswith("\t "):
            # another BGP message in the same segment
            yield cur
            cur = None
            continue
        m = ATTR.match(line)
        if m:
            attr = ATTRS.get(m.group(1))
            if attr:
                cur[2][attr] = ""
            continue
        m = HEX.match(line)
        if m and attr:
            cur[2][attr] += m.group(1).replace(" ", "")
            continue
        m = PREFIX.match(line)
        if m:
            cur[3].append(m.group(1))
    if cur:
        yield cur


def main():
    args = sys.argv[1:]
    timed = args[:1] == ["--time"]
    if timed:
        args = args[1:]
    with open(args[0], errors="replace") as f:
        for stamp, src, attrs, prefixes in updates(f):
            for p in prefixes:
                line = "%s %s %s" % (
                    src, p, " ".join("%s=%s" % (n, attrs.get(n) or "-") for n in ATTRS.values()))
                print("%s %s" % (stamp, line) if timed else line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
