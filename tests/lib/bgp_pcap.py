#!/usr/bin/env python3
"""The BGP messages in a capture, as they were on the wire: reads a pcap
file (tcpdump -w, Ethernet or Linux cooked captures, IPv4 and IPv6),
puts each TCP connection's bytes back in order (retransmissions once,
nothing past a gap) and prints one line per OPEN, UPDATE and
NOTIFICATION (RFC 4271 section 4), in the order they were sent:

  T SRC DST OPEN
  T SRC DST NOTIFICATION code/subcode
  T SRC DST UPDATE nlri=P,P withdrawn=P,P attrs=C,C lp=N comm=A:B,...
                   large=A:B:C,... ext=HEX,... eor=0|1

T is the capture time (seconds since the epoch) of the segment that
completed the message; SRC and DST are addresses. nlri and withdrawn
include MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760, IPv6 unicast); attrs
lists the path attribute type codes present, in wire order; lp is
LOCAL_PREF (RFC 4271 5.1.5) or "-", comm the communities (RFC 1997),
large the large communities (RFC 8092), ext the extended communities
(RFC 4360) as 16 hex digits each; "-" for none. eor=1: an End-of-RIB
marker (RFC 4724 section 2). No ADD-PATH (RFC 7911): the speakers under
test do not negotiate it.

The capture may still be growing (tcpdump -U): a truncated last record
is ignored.

usage: bgp_pcap.py FILE [SRC [DST]]   (only messages from SRC, to DST)
"""
import ipaddress
import struct
import sys


def records(data):
    """(time, link type, frame) per record of a pcap file."""
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit("not a pcap file")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    link = struct.unpack(e + "I", data[20:24])[0]
    o = 24
    while o + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(e + "IIII", data[o:o + 16])
        if o + 16 + incl > len(data):
            break
        yield sec + frac / (1e9 if nano else 1e6), link, data[o + 16:o + 16 + incl]
        o += 16 + incl


def l3(link, f):
    """(ethertype, payload) of a frame."""
    if link == 1:  # Ethernet, maybe VLAN-tagged
        t, o = struct.unpack(">H", f[12:14])[0], 14
        while t == 0x8100 and len(f) >= o + 4:
            t, o = struct.unpack(">H", f[o + 2:o + 4])[0], o + 4
        return t, f[o:]
    if link == 113:  # Linux cooked (SLL)
        return struct.unpack(">H", f[14:16])[0], f[16:]
    if link == 276:  # Linux cooked v2 (SLL2)
        return struct.unpack(">H", f[0:2])[0], f[20:]
    return 0, b""


def tcp_segment(t, p):
    """(src, dst, tcp header and payload) or None."""
    if t == 0x0800 and len(p) >= 20 and p[9] == 6:
        hl = (p[0] & 15) * 4
        tot = struct.unpack(">H", p[2:4])[0]
        return (str(ipaddress.IPv4Address(p[12:16])), str(ipaddress.IPv4Address(p[16:20])),
                p[hl:tot])
    if t == 0x86DD and len(p) >= 40 and p[6] == 6:
        plen = struct.unpack(">H", p[4:6])[0]
        return (str(ipaddress.IPv6Address(p[8:24])), str(ipaddress.IPv6Address(p[24:40])),
                p[40:40 + plen])
    return None


def streams(path):
    """{(src, sport, dst, dport): [(offset, time, bytes)]} from the ISN."""
    with open(path, "rb") as fh:
        data = fh.read()
    flows = {}
    for ts, link, frame in records(data):
        t, p = l3(link, frame)
        seg = tcp_segment(t, p)
        if not seg or len(seg[2]) < 20:
            continue
        src, dst, tcp = seg
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        flags = tcp[13]
        payload = tcp[(tcp[12] >> 4) * 4:]
        key = (src, sport, dst, dport)
        fl = flows.setdefault(key, {"isn": None, "segs": []})
        if flags & 0x02:  # SYN: the stream starts one past it
            fl["isn"] = (seq + 1) & 0xFFFFFFFF
            fl["segs"] = []
            continue
        if payload:
            fl["segs"].append((seq, ts, payload))
    out = {}
    for key, fl in flows.items():
        if not fl["segs"]:
            continue
        isn = fl["isn"] if fl["isn"] is not None else fl["segs"][0][0]
        out[key] = sorted(((s - isn) & 0xFFFFFFFF, ts, b) for s, ts, b in fl["segs"])
    return out


def contiguous(segs):
    """The bytes from offset 0 up to the first gap, and for each byte
    range the time it arrived: [(end offset, time)]."""
    buf = bytearray()
    ends = []
    for off, ts, b in segs:
        if off > len(buf):
            break
        if off + len(b) <= len(buf):
            continue  # a retransmission of what we have
        buf += b[len(buf) - off:]
        ends.append((len(buf), ts))
    return bytes(buf), ends


def prefixes(b, af):
    out = []
    o = 0
    w = 4 if af == 4 else 16
    while o < len(b):
        n = b[o]
        k = (n + 7) // 8
        raw = b[o + 1:o + 1 + k] + bytes(w - k)
        a = ipaddress.IPv4Address(raw) if af == 4 else ipaddress.IPv6Address(raw)
        out.append("%s/%d" % (a, n))
        o += 1 + k
    return out


def update(m):
    wl = struct.unpack(">H", m[0:2])[0]
    withdrawn = prefixes(m[2:2 + wl], 4)
    o = 2 + wl
    al = struct.unpack(">H", m[o:o + 2])[0]
    attrs = m[o + 2:o + 2 + al]
    nlri = prefixes(m[o + 2 + al:], 4)
    codes, lp, comm, large, ext = [], "-", [], [], []
    mp_unreach_empty = False
    o = 0
    while o < len(attrs):
        flags, code = attrs[o], attrs[o + 1]
        if flags & 0x10:
            n, o = struct.unpack(">H", attrs[o + 2:o + 4])[0], o + 4
        else:
            n, o = attrs[o + 2], o + 3
        v = attrs[o:o + n]
        o += n
        codes.append(str(code))
        if code == 5:
            lp = str(struct.unpack(">I", v)[0])
        elif code == 8:
            comm += ["%d:%d" % struct.unpack(">HH", v[i:i + 4]) for i in range(0, len(v), 4)]
        elif code == 32:
            large += ["%d:%d:%d" % struct.unpack(">III", v[i:i + 12]) for i in range(0, len(v), 12)]
        elif code == 16:
            ext += [v[i:i + 8].hex() for i in range(0, len(v), 8)]
        elif code == 14:
            afi, safi, nhl = struct.unpack(">HBB", v[:4])
            if safi == 1 and afi in (1, 2):
                nlri += prefixes(v[4 + nhl + 1:], 4 if afi == 1 else 6)
        elif code == 15:
            afi, safi = struct.unpack(">HB", v[:3])
            if safi == 1 and afi in (1, 2):
                w = prefixes(v[3:], 4 if afi == 1 else 6)
                withdrawn += w
                mp_unreach_empty = not w and len(attrs) == o and len(codes) == 1
    eor = (not withdrawn and not nlri and not attrs) or mp_unreach_empty
    return "nlri=%s withdrawn=%s attrs=%s lp=%s comm=%s large=%s ext=%s eor=%d" % (
        ",".join(nlri) or "-", ",".join(withdrawn) or "-", ",".join(codes) or "-", lp,
        ",".join(comm) or "-", ",".join(large) or "-", ",".join(ext) or "-", 1 if eor else 0)


def messages(key, segs):
    buf, ends = contiguous(segs)
    o = 0
    e = 0
    while o + 19 <= len(buf):
        if buf[o:o + 16] != b"\xff" * 16:
            return  # not BGP, or lost track
        n, t = struct.unpack(">HB", buf[o + 16:o + 19])
        if n < 19 or o + n > len(buf):
            return
        while ends[e][0] < o + n:
            e += 1
        body = buf[o + 19:o + n]
        if t == 1:
            yield ends[e][1], "OPEN"
        elif t == 2:
            yield ends[e][1], "UPDATE " + update(body)
        elif t == 3:
            yield ends[e][1], "NOTIFICATION %d/%d" % (body[0], body[1])
        o += n


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    src = sys.argv[2] if len(sys.argv) > 2 else None
    dst = sys.argv[3] if len(sys.argv) > 3 else None
    out = []
    for key, segs in streams(sys.argv[1]).items():
        if 179 not in (key[1], key[3]):
            continue
        if (src and key[0] != src) or (dst and key[2] != dst):
            continue
        out += [(ts, key[0], key[2], line) for ts, line in messages(key, segs)]
    for ts, s, d, line in sorted(out, key=lambda x: x[0]):
        print("%.6f %s %s %s" % (ts, s, d, line))


if __name__ == "__main__":
    main()
