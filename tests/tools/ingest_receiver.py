#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A stand-in for Pyroscope's ingest endpoint, for tests (Python 3 standard library only).

Checks each request as Pyroscope's /ingest contract says: POST /ingest, query parameters
name=APP{k=v,...}, from and until (Unix seconds, until >= from), format=pprof, and a
multipart/form-data body whose field "profile" is a gzip pprof. Optional requirements
(--token, --basic, --tenant, --header) answer 401 or 400 when missing; --fail-first N answers
the first N requests with --fail-status whatever they hold, and --delay holds every reply.
--tls-cert and --tls-key serve HTTPS instead of HTTP; a client that refuses the certificate
ends the handshake before any request, so nothing is recorded for it.

Writes DIR/port once listening, appends one JSON line per request to DIR/requests.jsonl
(never a secret: only the authorization scheme) and saves accepted profiles as
DIR/profile-NNNNN.pb.gz.
"""
import argparse
import base64
import gzip
import json
import os
import re
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LABEL = r"[A-Za-z0-9_.]+=[^,{};]*"
NAME_RE = re.compile(r"[A-Za-z0-9_./-]+(\{(" + LABEL + r"(," + LABEL + r")*)?\})?")
BODY_MAX = 64 << 20


class Reject(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def protobuf_fields(buf):
    """The fields of one protobuf message: {number: [int or bytes]}. ValueError if malformed."""
    fields, i, n = {}, 0, len(buf)

    def varint():
        nonlocal i
        value = shift = 0
        while True:
            if i >= n or shift > 63:
                raise ValueError("truncated varint")
            b = buf[i]
            i += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return value

    while i < n:
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            value = varint()
        elif wire == 2:
            size = varint()
            value = buf[i : i + size]
            i += size
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
            value = None
        else:
            raise ValueError("bad wire type %d" % wire)
        if i > n or number == 0:
            raise ValueError("truncated message")
        fields.setdefault(number, []).append(value)
    return fields


def protobuf_fields_packed(buf):
    value = shift = 0
    for b in buf:
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            yield value
            value = shift = 0


def pprof_summary(raw):
    """Checks a decompressed pprof; returns its times and sample totals."""
    prof = protobuf_fields(raw)
    if not prof.get(1) or not prof.get(6):
        raise ValueError("no sample types or string table")
    total = 0
    for sample in prof.get(2, []):
        values = protobuf_fields(sample).get(2, [])
        if values and isinstance(values[0], bytes):  # packed
            values = list(protobuf_fields_packed(values[0]))
        total += values[0] if values else 0
    return {
        "time_nanos": (prof.get(9) or [0])[-1],
        "duration_nanos": (prof.get(10) or [0])[-1],
        "samples": len(prof.get(2, [])),
        "sample_total": total,
    }


def form_fields(ctype, body):
    """The fields of a multipart/form-data body: {name: bytes}."""
    m = re.match(r'multipart/form-data;\s*boundary="?([^";]+)"?', ctype or "", re.I)
    if not m:
        raise Reject(400, "Content-Type is not multipart/form-data")
    delim = b"\r\n--" + m.group(1).encode("latin-1")
    chunks = (b"\r\n" + body).split(delim)
    fields = {}
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            return fields
        head, sep, data = chunk.partition(b"\r\n\r\n")
        name = re.search(rb'(?im)^content-disposition:\s*form-data;.*?\bname="([^"]*)"', head)
        if not sep or not name:
            raise Reject(400, "malformed multipart part")
        fields[name.group(1).decode("latin-1")] = data
    raise Reject(400, "multipart body without its closing boundary")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, text):
        data = (text + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def check_auth(self, args):
        auth = self.headers.get("Authorization", "")
        if args.token is not None and auth != "Bearer " + args.token:
            raise Reject(401, "bad or missing bearer token")
        if args.basic is not None:
            want = "Basic " + base64.b64encode(args.basic.encode()).decode()
            if auth != want:
                raise Reject(401, "bad or missing basic authentication")
        if args.tenant is not None and self.headers.get("X-Scope-OrgID") != args.tenant:
            raise Reject(401, "no org id")
        for h in args.header:
            name, _, value = h.partition(":")
            if self.headers.get(name.strip()) != value.strip():
                raise Reject(400, "missing header " + name.strip())

    def check_ingest(self, url, body, record):
        if url.path != "/ingest":
            raise Reject(404, "not found")
        query = {k: v[0] for k, v in parse_qs(url.query, strict_parsing=True).items()}
        record["query"] = query
        for key in ("name", "from", "until"):
            if key not in query:
                raise Reject(400, key + " is required")
        if not NAME_RE.fullmatch(query["name"]):
            raise Reject(400, "invalid name " + query["name"])
        if not query["from"].isdigit() or not query["until"].isdigit():
            raise Reject(400, "from and until must be Unix seconds")
        if int(query["until"]) < int(query["from"]):
            raise Reject(400, "until before from")
        if query.get("format") != "pprof":
            raise Reject(400, "format must be pprof")
        profile = form_fields(self.headers.get("Content-Type"), body).get("profile")
        if profile is None:
            raise Reject(400, "no profile field")
        if not profile.startswith(b"\x1f\x8b"):
            raise Reject(400, "profile is not gzip")
        try:
            raw = gzip.decompress(profile)
            record.update(pprof_summary(raw))
        except (OSError, EOFError, ValueError) as e:
            raise Reject(400, "bad profile: %s" % e)
        if not raw:
            raise Reject(400, "empty profile")
        return profile

    def do_POST(self):
        srv, args = self.server, self.server.args
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > BODY_MAX:
            self.reply(413, "too large")
            return
        body = self.rfile.read(length)
        with srv.lock:
            srv.requests += 1
            seq = srv.requests
        auth = self.headers.get("Authorization")
        record = {
            "seq": seq,
            "method": "POST",
            "path": url.path,
            "auth": auth.split(" ", 1)[0] if auth else None,
            "tenant": self.headers.get("X-Scope-OrgID"),
            "bytes": len(body),
        }
        if args.delay:
            time.sleep(args.delay)
        status, text = 200, "ok"
        try:
            if seq <= args.fail_first:
                raise Reject(args.fail_status, "scripted failure %d of %d" % (seq, args.fail_first))
            self.check_auth(args)
            profile = self.check_ingest(url, body, record)
        except Reject as e:
            status, text = e.status, str(e)
        except ValueError as e:
            status, text = 400, str(e)
        with srv.lock:
            if status == 200:
                srv.saved += 1
                name = "profile-%05d.pb.gz" % srv.saved
                with open(os.path.join(args.dir, name), "wb") as f:
                    f.write(profile)
                record["file"] = name
            record.update(status=status, message=text)
            with open(os.path.join(args.dir, "requests.jsonl"), "a") as f:
                f.write(json.dumps(record, sort_keys=True) + "\n")
        self.reply(status, text)

    def do_GET(self):
        self.reply(405, "method not allowed")

    do_PUT = do_GET


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dir", help="where port, requests.jsonl and profiles go")
    p.add_argument("--port", type=int, default=0, help="0: any free port")
    p.add_argument("--token", help="require Authorization: Bearer TOKEN")
    p.add_argument("--basic", metavar="USER:PASS", help="require basic authentication")
    p.add_argument("--tenant", help="require X-Scope-OrgID: TENANT")
    p.add_argument("--header", action="append", default=[], help="require 'Name: value'")
    p.add_argument("--fail-first", type=int, default=0, metavar="N")
    p.add_argument("--fail-status", type=int, default=503, metavar="CODE")
    p.add_argument("--delay", type=float, default=0.0, metavar="SECS")
    p.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this PEM certificate")
    p.add_argument("--tls-key", metavar="FILE", help="the PEM private key of --tls-cert")
    args = p.parse_args()
    if (args.tls_cert is None) != (args.tls_key is None):
        p.error("--tls-cert and --tls-key go together")

    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.args, srv.lock, srv.requests = args, threading.Lock(), 0
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        # The handshake runs in accept(); one that fails is an OSError, which socketserver
        # drops without a request (or a traceback).
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    # Restarted on the same folder (an outage in a test): numbering goes on.
    srv.saved = len([n for n in os.listdir(args.dir) if re.fullmatch(r"profile-\d+\.pb\.gz", n)])
    tmp = os.path.join(args.dir, ".port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, os.path.join(args.dir, "port"))
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
