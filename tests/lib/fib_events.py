#!/usr/bin/env python3
"""When a router's kernel route changed: reads the output of
`ip -ts monitor route` (tests/lib/netns.sh: fib_watch) and prints the
milliseconds from T0 (seconds since the epoch, bash's $EPOCHREALTIME) to
the first change of PREFIX's route after T0 that matches:

  lost NEXTHOP    the route no longer has NEXTHOP (or was deleted)
  gained NEXTHOP  the route has NEXTHOP
  weight NEXTHOP=W  the route has NEXTHOP with weight W (a route of one
                  next hop, which ip prints without a weight: 1)

Prints nothing (exit 1) when no such change was seen. The kernel's own
timestamps (microseconds, local time as `ip -ts` prints them), so the
figure does not depend on how fast anyone polls.

usage: fib_events.py FILE PREFIX lost|gained|weight NEXTHOP[=W] T0
"""
import datetime
import re
import sys

TS = re.compile(r"^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)\] ?(.*)$")


def events(path):
    """(epoch seconds, [lines]) per event: a timestamped line and the
    indented nexthop lines after it."""
    cur = None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = TS.match(line)
            if m:
                if cur:
                    yield cur
                t = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f").timestamp()
                cur = (t, [m.group(2)])
            elif cur and line[:1] in ("\t", " "):
                cur[1].append(line)
    if cur:
        yield cur


def host_prefix(p):
    # ip prints host routes without their length.
    return re.sub(r"/(32|128)$", "", p)


def main():
    path, prefix, kind, nexthop, t0 = sys.argv[1:6]
    prefix, t0 = host_prefix(prefix), float(t0)
    want = None
    if kind == "weight":
        nexthop, want = nexthop.split("=", 1)
    for t, lines in events(path):
        if t < t0:
            continue
        words = lines[0].split()
        deleted = bool(words) and words[0] == "Deleted"
        if deleted:
            words = words[1:]
        if not words or host_prefix(words[0]) != prefix:
            continue
        text = " ".join(lines)
        vias = re.findall(r"\bvia (?:inet6? )?([0-9a-fA-F.:]+)", text)
        has = not deleted and nexthop in vias
        if kind == "weight":
            # "nexthop via A dev D weight W" per next hop of a multipath route
            weights = dict(re.findall(r"\bvia (?:inet6? )?([0-9a-fA-F.:]+)[^\n]*?\bweight (\d+)", "\n".join(lines)))
            if len(vias) == 1 and not weights:
                weights = {vias[0]: "1"}
            if not deleted and weights.get(nexthop) == want:
                print("%.1f" % ((t - t0) * 1000))
                return 0
            continue
        if (kind == "lost" and not has) or (kind == "gained" and has):
            print("%.1f" % ((t - t0) * 1000))
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
