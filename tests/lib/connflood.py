#!/usr/bin/env python3
"""A client that is nobody's BGP peer: opens TCP connections to ADDR:PORT
from SOURCE and closes them at once, as fast as it can (up to 32 at a
time, so that one SYN dropped by a full backlog does not stall the rest),
for SECONDS or until COUNT connections were established. Prints how many
were established.
"""
import argparse
import errno
import selectors
import socket
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--count", type=int, default=0, help="stop after this many (0: no limit)")
    ap.add_argument("--parallel", type=int, default=32)
    a = ap.parse_args()

    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    sel = selectors.DefaultSelector()
    done = 0
    end = time.monotonic() + a.seconds

    def start():
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((a.source, 0))
        r = s.connect_ex((a.addr, a.port))
        if r not in (0, errno.EINPROGRESS):
            s.close()
            return
        sel.register(s, selectors.EVENT_WRITE)

    while time.monotonic() < end and (not a.count or done < a.count):
        while len(sel.get_map()) < a.parallel:
            start()
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            sel.unregister(s)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                done += 1
            s.close()
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    print(done)


if __name__ == "__main__":
    main()
