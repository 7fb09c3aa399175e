#!/usr/bin/env python3
"""A stand-in OTLP/HTTP collector for bench/observability-overhead.sh.

Listens on 127.0.0.1 on each port given, answers every POST with 200 and an empty body (an empty
protobuf Export*ServiceResponse: everything accepted), and counts per port and path the requests,
their bytes and, for /v1/traces, the spans in them (read from the protobuf with a few lines of
wire-format walking, so nothing beyond the standard library is needed). The spans are counted
when /stats is asked, not while requests arrive: walking the protobuf in Python costs CPU that
would otherwise compete with the servers under test on the same cores. GET /stats on a port
answers "requests bytes spans" of its /v1/traces. Prints "ready" once every port listens.

Usage: otlp_sink.py PORT [PORT ...]
"""
import gzip
import http.server
import sys
import threading

LOCK = threading.Lock()
COUNTS = {}  # (port, path) -> [requests, bytes, spans]
PENDING = {}  # port -> trace request bodies not yet counted


def _varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def _fields(buf):
    """(field number, bytes) of the length-delimited fields of one message; others skipped."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, i = _varint(buf, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            n, i = _varint(buf, i)
            yield number, buf[i:i + n]
            i += n
        else:
            raise ValueError("unexpected wire type %d" % wire)


def count_spans(body):
    """ExportTraceServiceRequest: resource_spans = 1 -> scope_spans = 2 -> spans = 2."""
    spans = 0
    for number, resource in _fields(body):
        if number != 1:
            continue
        for number2, scope in _fields(resource):
            if number2 != 2:
                continue
            spans += sum(1 for number3, _ in _fields(scope) if number3 == 2)
    return spans


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as an OTLP exporter expects

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        size = len(body)
        gzipped = self.headers.get("Content-Encoding", "") == "gzip"
        with LOCK:
            c = COUNTS.setdefault((self.server.server_port, self.path), [0, 0, 0])
            c[0] += 1
            c[1] += size
            if self.path == "/v1/traces":
                PENDING.setdefault(self.server.server_port, []).append((gzipped, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with LOCK:
            port = self.server.server_port
            for gzipped, body in PENDING.pop(port, []):
                try:
                    spans = count_spans(gzip.decompress(body) if gzipped else body)
                except (ValueError, IndexError, OSError):
                    spans = 0
                COUNTS.setdefault((port, "/v1/traces"), [0, 0, 0])[2] += spans
            c = COUNTS.get((self.server.server_port, "/v1/traces"), [0, 0, 0])
            others = sum(v[0] for (p, path), v in COUNTS.items()
                         if p == self.server.server_port and path != "/v1/traces")
        text = ("%d %d %d %d\n" % (c[0], c[1], c[2], others)).encode()
        self.send_response(200 if self.path == "/stats" else 404)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *args):
        pass


def main():
    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", int(p)), Handler)
               for p in sys.argv[1:]]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
