#!/usr/bin/python3
"""A gateway that sends interim responses before its answer: for every
request, 100 Continue and 103 Early Hints (with a Link header), then
200 OK with a body naming the client certificate's subject. HTTP/1.1 and,
with ALPN h2, HTTP/2 (python3-h2). Requires a client certificate from the
trust bundle, like a strict mTLS gateway.

usage: interim_peer.py PORT CHAIN KEY CA_BUNDLE
"""
import socket
import ssl
import sys
import threading
import time

import h2.config
import h2.connection
import h2.events

EARLY = [(':status', '103'), ('link', '</style.css>; rel=preload')]


def subject_of(tls):
    cert = tls.getpeercert() or {}
    for rdn in cert.get('subject', ()):
        for k, v in rdn:
            if k == 'commonName':
                return v
    return '?'


def serve_h1(tls):
    body = ('verified=SUCCESS subject=CN=%s\n' % subject_of(tls)).encode()
    buf = b''
    while True:
        while b'\r\n\r\n' not in buf:
            data = tls.recv(65536)
            if not data:
                return
            buf += data
        head, buf = buf.split(b'\r\n\r\n', 1)
        length = 0
        for line in head.split(b'\r\n')[1:]:
            name, _, value = line.partition(b':')
            if name.strip().lower() == b'content-length':
                length = int(value.strip())
        while len(buf) < length:
            data = tls.recv(65536)
            if not data:
                return
            buf += data
        buf = buf[length:]
        # each response in its own TLS record, the final one a moment later:
        # the client reads the interim ones on their own
        tls.sendall(b'HTTP/1.1 100 Continue\r\n\r\n')
        tls.sendall(b'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n')
        time.sleep(0.02)
        tls.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: '
                    + str(len(body)).encode() + b'\r\n\r\n' + body)


def serve_h2(tls):
    body = ('verified=SUCCESS subject=CN=%s\n' % subject_of(tls)).encode()
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))
    conn.initiate_connection()
    tls.sendall(conn.data_to_send())
    while True:
        data = tls.recv(65536)
        if not data:
            return
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.RequestReceived):
                s = ev.stream_id
                conn.send_headers(s, EARLY)
                tls.sendall(conn.data_to_send())
                time.sleep(0.02)
                conn.send_headers(s, [(':status', '200'), ('content-type', 'text/plain'),
                                      ('content-length', str(len(body)))])
                conn.send_data(s, body, end_stream=True)
            elif isinstance(ev, h2.events.ConnectionTerminated):
                tls.sendall(conn.data_to_send())
                return
        out = conn.data_to_send()
        if out:
            tls.sendall(out)


def handle(ctx, sock):
    try:
        with ctx.wrap_socket(sock, server_side=True) as tls:
            if tls.selected_alpn_protocol() == 'h2':
                serve_h2(tls)
            else:
                serve_h1(tls)
    except (OSError, ssl.SSLError, h2.exceptions.ProtocolError):
        pass


def main():
    port, chain, key, ca = sys.argv[1:5]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain, key)
    ctx.load_verify_locations(ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.set_alpn_protocols(['h2', 'http/1.1'])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', int(port)))
    srv.listen(128)
    while True:
        sock, _ = srv.accept()
        threading.Thread(target=handle, args=(ctx, sock), daemon=True).start()


if __name__ == '__main__':
    main()
