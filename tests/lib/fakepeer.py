#!/usr/bin/env python3
"""A hostile BGP peer for the e2e tests. It listens, lets the speaker under
test connect, completes the OPEN/KEEPALIVE exchange, then sends one crafted
message per connection ("case") and records what the speaker answered: the
NOTIFICATION code/subcode, or "none" when the session stayed up (the right
answer for errors RFC 7606 handles by treat-as-withdraw). One JSON line per
case goes to --out.
"""
import argparse
import json
import select
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16


def msg(mtype, body, marker=MARKER, length=None):
    n = 19 + len(body) if length is None else length
    return marker + struct.pack("!HB", n, mtype) + body


def open_msg(asn, rid, hold):
    caps = b""
    caps += bytes([1, 4]) + struct.pack("!HBB", 1, 0, 1)  # MP IPv4 unicast (RFC 4760)
    caps += bytes([1, 4]) + struct.pack("!HBB", 2, 0, 1)  # MP IPv6 unicast
    caps += bytes([65, 4]) + struct.pack("!I", asn)  # 4-octet AS (RFC 6793)
    opt = bytes([2, len(caps)]) + caps
    my_as = asn if asn < 65536 else 23456
    return msg(1, struct.pack("!BHH4sB", 4, my_as, hold, socket.inet_aton(rid), len(opt)) + opt)


def attr(flags, code, value):
    return bytes([flags, code, len(value)]) + value


def update(withdrawn=b"", attrs=b"", nlri=b"", wlen=None):
    wl = len(withdrawn) if wlen is None else wlen
    return msg(2, struct.pack("!H", wl) + withdrawn + struct.pack("!H", len(attrs)) + attrs + nlri)


def good_attrs(asn, nexthop, as4):
    # AS_PATH with 4-octet numbers only when both sides offered the
    # capability (RFC 6793 section 4).
    seg = struct.pack("!I", asn) if as4 else struct.pack("!H", asn if asn < 65536 else 23456)
    return (attr(0x40, 1, b"\x00") +  # ORIGIN IGP
            attr(0x40, 2, bytes([2, 1]) + seg) +  # AS_PATH: one AS_SEQUENCE
            attr(0x40, 3, nexthop))  # NEXT_HOP


def cases(asn, nh, as4):
    """name -> (bytes to send, expected answer). RFC sections in comments."""
    a = good_attrs(asn, socket.inet_aton(nh), as4)
    return {
        # RFC 4271 6.1: marker not all ones -> Connection Not Synchronized.
        "bad_marker": (msg(4, b"", marker=b"\xfe" * 16), "1/1"),
        # RFC 4271 6.1: length below 19 -> Bad Message Length.
        "short_length": (msg(4, b"", length=18), "1/2"),
        # RFC 4271 6.1: unknown type -> Bad Message Type.
        "bad_type": (msg(9, b""), "1/3"),
        # RFC 4271 6.3: withdrawn length beyond the message -> Malformed
        # Attribute List (RFC 7606 keeps it a session reset: section 4).
        "withdrawn_overrun": (update(wlen=0xFFF0), "3/1"),
        # RFC 4271 6.3 / RFC 7606 5.3: NLRI prefix length 33 ->
        # Invalid Network Field, session reset.
        "nlri_prefix_33": (update(attrs=a, nlri=bytes([33]) + b"\xc6\x33\x64\x00\x00"), "3/10"),
        # RFC 7606 7.3: NEXT_HOP length 3 -> treat-as-withdraw, no
        # NOTIFICATION: the session must stay up.
        "nexthop_len_3": (update(attrs=good_attrs(asn, b"\xc0\x00\x02", as4),
                                 nlri=bytes([24]) + b"\xc6\x33\x64"), "none"),
        # RFC 7606 7.1: ORIGIN value 7 -> treat-as-withdraw.
        "origin_value_7": (update(attrs=attr(0x40, 1, b"\x07") + a[4:],
                                  nlri=bytes([24]) + b"\xc6\x33\x64"), "none"),
    }


def read_msg(sock, deadline):
    buf = b""
    while len(buf) < 19:
        buf += recv_some(sock, 19 - len(buf), deadline)
    n = struct.unpack("!H", buf[16:18])[0]
    while len(buf) < n:
        buf += recv_some(sock, n - len(buf), deadline)
    return buf[18], buf[19:n]


def recv_some(sock, n, deadline):
    left = deadline - time.time()
    if left <= 0 or not select.select([sock], [], [], left)[0]:
        raise TimeoutError
    d = sock.recv(n)
    if not d:
        raise ConnectionError("closed")
    return d


def offers_as4(open_body):
    """True when an OPEN body carries the 4-octet AS capability (65)."""
    i, end = 10, 10 + open_body[9]
    while i + 2 <= end:
        ptype, plen = open_body[i], open_body[i + 1]
        if ptype == 2:
            j = i + 2
            while j + 2 <= i + 2 + plen:
                if open_body[j] == 65:
                    return True
                j += 2 + open_body[j + 1]
        i += 2 + plen
    return False


def run_case(conn, name, args):
    deadline = time.time() + 10
    t, body = read_msg(conn, deadline)
    if t != 1:
        return {"case": name, "error": "first message type %d, not OPEN" % t}
    data, expect = cases(args.asn, args.nexthop, offers_as4(body))[name]
    conn.sendall(open_msg(args.asn, args.id, 3) + msg(4, b""))
    while True:  # wait for the speaker's KEEPALIVE: OpenConfirm -> Established
        t, body = read_msg(conn, deadline)
        if t == 3:
            return {"case": name, "error": "NOTIFICATION %d/%d during OPEN" % (body[0], body[1])}
        if t == 4:
            break
    conn.sendall(data)
    got, data_field = "none", ""
    # Keep the session alive past the negotiated hold time (3 s) to see
    # that a treat-as-withdraw case really leaves it up.
    end = time.time() + 4.5
    last_ka = 0.0
    try:
        while time.time() < end:
            if time.time() - last_ka > 1:
                conn.sendall(msg(4, b""))
                last_ka = time.time()
            try:
                t, body = read_msg(conn, min(end, time.time() + 1))
            except TimeoutError:
                continue
            if t == 3:
                got, data_field = "%d/%d" % (body[0], body[1]), body[2:].hex()
                break
    except ConnectionError:
        got = "closed-without-notification"
    return {"case": name, "expect": expect, "got": got, "data": data_field}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--port", type=int, default=179)
    ap.add_argument("--asn", type=int, required=True)
    ap.add_argument("--id", required=True)
    ap.add_argument("--nexthop", required=True)
    ap.add_argument("--cases", required=True, help="comma separated, or 'all'")
    ap.add_argument("--out", required=True)
    ap.add_argument("--accept-timeout", type=int, default=20)
    args = ap.parse_args()
    table = cases(args.asn, args.nexthop, True)
    names = list(table) if args.cases == "all" else args.cases.split(",")
    unknown = [n for n in names if n not in table]
    if unknown:
        print("unknown cases:", unknown, file=sys.stderr)
        return 2
    fam = socket.AF_INET6 if ":" in args.listen else socket.AF_INET
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.listen, args.port))
    srv.listen(4)
    with open(args.out, "a") as out:
        for name in names:
            srv.settimeout(args.accept_timeout)
            try:
                conn, peer = srv.accept()
            except socket.timeout:
                out.write(json.dumps({"case": name, "error": "no connection in %d s" % args.accept_timeout}) + "\n")
                out.flush()
                continue
            try:
                res = run_case(conn, name, args)
            except (TimeoutError, ConnectionError) as e:
                res = {"case": name, "error": "session setup failed: %r" % e}
            finally:
                conn.close()
            res["from"] = peer[0]
            print(json.dumps(res), flush=True)
            out.write(json.dumps(res) + "\n")
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
