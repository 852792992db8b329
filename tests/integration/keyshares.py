#!/usr/bin/env python3
"""Key shares of every TLS ClientHello sent to PORT in a pcap file.

Prints one line per ClientHello: the connection's client port, then each
key_share entry as GROUP:HEX. Reads the classic pcap format written by
tcpdump -w (Ethernet framing on Linux loopback, or Linux cooked capture),
IPv4 and IPv6, and reassembles each connection's client-to-server bytes
from its SYN on, so a ClientHello split over segments is still read.
    keyshares.py CAPTURE.pcap PORT
"""
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise SystemExit("%s: not a pcap file" % path)
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise SystemExit("%s: not a classic pcap file" % path)
    linktype = struct.unpack(end + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        yield linktype, data[off:off + incl]
        off += incl


def ip_payload(linktype, frame):
    if linktype == 1:        # Ethernet
        return frame[14:]
    if linktype == 113:      # Linux cooked capture v1
        return frame[16:]
    if linktype == 276:      # Linux cooked capture v2
        return frame[20:]
    if linktype in (0, 12, 101):
        return frame[4:] if linktype == 0 else frame
    raise SystemExit("unsupported link type %d" % linktype)


def tcp_segment(ip):
    if not ip:
        return None
    version = ip[0] >> 4
    if version == 4:
        if ip[9] != 6:
            return None
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        return ip[ihl:total]
    if version == 6:
        if ip[6] != 6:
            return None
        plen = struct.unpack(">H", ip[4:6])[0]
        return ip[40:40 + plen]
    return None


def key_shares(stream):
    """The key_share entries of the ClientHello at the start of stream."""
    # Reassemble handshake bytes from the TLS records that carry them.
    hs = b""
    off = 0
    while off + 5 <= len(stream):
        ctype, _, length = struct.unpack(">BHH", stream[off:off + 5])
        if ctype != 22:
            break
        hs += stream[off + 5:off + 5 + length]
        off += 5 + length
        if len(hs) >= 4 and len(hs) >= 4 + int.from_bytes(hs[1:4], "big"):
            break
    if len(hs) < 4 or hs[0] != 1:
        return None
    body = hs[4:4 + int.from_bytes(hs[1:4], "big")]
    p = 2 + 32                                  # version, random
    p += 1 + body[p]                            # session id
    p += 2 + struct.unpack(">H", body[p:p + 2])[0]  # cipher suites
    p += 1 + body[p]                            # compression methods
    ext_end = p + 2 + struct.unpack(">H", body[p:p + 2])[0]
    p += 2
    shares = []
    while p + 4 <= ext_end:
        etype, elen = struct.unpack(">HH", body[p:p + 4])
        ext = body[p + 4:p + 4 + elen]
        p += 4 + elen
        if etype != 51:
            continue
        q = 2
        while q + 4 <= len(ext):
            group, klen = struct.unpack(">HH", ext[q:q + 4])
            shares.append("%d:%s" % (group, ext[q + 4:q + 4 + klen].hex()))
            q += 4 + klen
    return shares


def main():
    path, port = sys.argv[1], int(sys.argv[2])
    flows = []           # [client port, bytes]
    current = {}         # client port -> index in flows
    for linktype, frame in packets(path):
        seg = tcp_segment(ip_payload(linktype, frame))
        if seg is None or len(seg) < 20:
            continue
        sport, dport = struct.unpack(">HH", seg[:4])
        if dport != port:
            continue
        flags = seg[13]
        if flags & 0x02:                 # SYN: a new connection from sport
            current[sport] = len(flows)
            flows.append([sport, b""])
            continue
        data = seg[(seg[12] >> 4) * 4:]
        if data and sport in current:
            flows[current[sport]][1] += data
    for sport, stream in flows:
        shares = key_shares(stream)
        if shares is not None:
            print(sport, " ".join(shares))


if __name__ == "__main__":
    main()
