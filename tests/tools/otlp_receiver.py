#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A stand-in for the OpenTelemetry Collector's OTLP/HTTP profiles receiver, for tests
(Python 3's standard library, and protoc to decode).

It answers as open-telemetry/opentelemetry-collector's code does, step by step; the comments
name the file and function of each step:
- config/confighttp/server.go (ToServer) wraps the handler: the body is cut at
  max_request_body_size (20 MiB by default, maxRequestBodySizeInterceptor), then
  config/confighttp/compression.go (decompressor.ServeHTTP) decodes Content-Encoding: an
  encoding it has no decoder for, or a gzip header that does not parse, is 400 in plain
  text; the decoded body is cut at the same size.
- receiver/otlpreceiver/otlp.go registers /v1development/profiles (factory.go,
  defaultProfilesURLPath) on a ServeMux: any other path is the mux's 404.
- receiver/otlpreceiver/otlphttp.go, handleProfiles: a method other than POST is 405, a
  Content-Type other than application/x-protobuf or application/json 415 (plain text); a body
  that cannot be read (too large, broken gzip) or unmarshalled 400, with a google.rpc.Status
  in the request's encoding (writeError); else the pipeline's answer.
- receiver/otlpreceiver/internal/profiles/otlp.go, Export: a request without samples is
  accepted without reaching the pipeline; a pipeline error becomes a status through
  internal/errors/errors.go (GetStatusFromError, GetHTTPStatusCodeFromStatus): 503 for a
  temporary one, 429 for resource exhaustion, 500 for a permanent one.
- A reply of 200 carries an ExportProfilesServiceResponse: empty here (no partial success).
JSON bodies, which the collector takes, are refused with 400 saying this receiver does not
read them; so are encodings other than identity, gzip, deflate and zlib.

  otlp_receiver.py DIR [--port N] [--fail-first N [--fail-status CODE]] [--body-limit BYTES]

--fail-first N answers the first N requests that reach the pipeline with --fail-status (503)
as the pipeline's error. Writes DIR/port once listening; appends one JSON line per request to
DIR/requests.jsonl (status, message, path, content type and encoding, and for accepted ones
the canonical form of the request, profile_text.py), and keeps each accepted body, decoded,
as DIR/request-NNNNN.pb.
"""
import argparse
import json
import os
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import profile_text  # noqa: E402

PROFILES_PATH = "/v1development/profiles"  # factory.go, defaultProfilesURLPath
MAX_BODY = 20 * 1024 * 1024  # config/confighttp/server.go, defaultMaxRequestBodySize
PB, JSON = "application/x-protobuf", "application/json"  # encoder.go
# google.golang.org/grpc/codes, as internal/statusutil.NewStatusFromMsgAndHTTPCode maps them.
GRPC_CODE = {400: 3, 401: 16, 403: 7, 404: 12, 429: 8, 500: 13, 502: 14, 503: 14, 504: 14}


class Reply(Exception):
    def __init__(self, status, message, plain=False):
        super().__init__(message)
        self.status, self.plain = status, plain


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def rpc_status(status, message):
    """google.rpc.Status{code = 1, message = 2}, as writeStatusResponse marshals it."""
    msg = message.encode()
    return b"\x08" + varint(GRPC_CODE.get(status, 2)) + b"\x12" + varint(len(msg)) + msg


def media_type(value):
    """mime.ParseMediaType's media type, lower case; "" when there is none."""
    return value.split(";", 1)[0].strip().lower()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def read_body(self, limit):
        """The raw body, at most @limit bytes (http.MaxBytesReader); 400 past it."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, limit + 1))
        if length > limit:
            self.close_connection = True
            raise Reply(400, "http: request body too large")
        return body

    def decoded(self, raw, limit):
        # compression.go: availableDecoders; "" passes the body as it is.
        enc = self.headers.get("Content-Encoding", "")
        if enc == "":
            return raw
        if enc not in ("gzip", "deflate", "zlib"):
            if enc in ("zstd", "snappy", "lz4", "x-snappy-framed"):
                raise Reply(400, "%s: not implemented by this receiver" % enc, plain=True)
            raise Reply(400, "unsupported Content-Encoding: %s" % enc, plain=True)
        if enc == "gzip" and raw[:2] != b"\x1f\x8b":
            raise Reply(400, "gzip: invalid header", plain=True)  # gzip.NewReader fails
        d = zlib.decompressobj(16 + zlib.MAX_WBITS if enc == "gzip" else zlib.MAX_WBITS)
        try:
            out = d.decompress(raw, limit + 1)
        except zlib.error as e:
            raise Reply(400, "%s: %s" % (enc, e))  # a read error in readAndCloseBody
        if len(out) > limit:
            raise Reply(400, "http: request body too large")
        if not d.eof:
            raise Reply(400, "unexpected EOF")
        return out

    def do_POST(self):
        self.handle_request()

    def do_GET(self):
        self.handle_request()

    def do_PUT(self):
        self.handle_request()

    def handle_request(self):
        srv = self.server
        rec = {"path": self.path, "method": self.command,
               "content_type": self.headers.get("Content-Type"),
               "content_encoding": self.headers.get("Content-Encoding")}
        enc = PB
        try:
            # The decompressor wraps the mux: encodings are checked before paths.
            raw = self.read_body(srv.body_limit)
            body = self.decoded(raw, srv.body_limit)
            if self.path.split("?", 1)[0] != PROFILES_PATH:
                raise Reply(404, "404 page not found", plain=True)
            if self.command != "POST":
                raise Reply(405, "405 method not allowed, supported: [POST]", plain=True)
            ctype = media_type(self.headers.get("Content-Type", ""))
            if ctype == JSON:
                enc = JSON
                raise Reply(400, "JSON bodies: not implemented by this receiver")
            if ctype != PB:
                raise Reply(415, "415 unsupported media type, supported: [%s, %s]"
                            % (JSON, PB), plain=True)
            try:
                canon = profile_text.canonical_otlp(profile_text.decode(body, profile_text.OTLP_PROTO))
            except (ValueError, IndexError, KeyError) as e:
                raise Reply(400, "proto: cannot parse invalid wire-format data: %s" % e)
            samples = sum(p["sample_count"] for p in canon["profiles"])
            if samples:  # Export: no samples, no pipeline
                with srv.lock:
                    srv.pipeline_calls += 1
                    failing = srv.pipeline_calls <= srv.fail_first
                if failing:
                    raise Reply(srv.fail_status, "pipeline failure %d of %d"
                                % (srv.pipeline_calls, srv.fail_first))
            with srv.lock:
                srv.accepted += 1
                n = srv.accepted
                with open(os.path.join(srv.dir, "request-%05d.pb" % n), "wb") as f:
                    f.write(body)
            rec.update(status=200, accepted=n, request=canon)
            self.answer(200, PB, b"")
        except Reply as r:
            rec.update(status=r.status, message=str(r))
            if r.plain:
                self.answer(r.status, "text/plain; charset=utf-8", (str(r) + "\n").encode())
            elif enc == JSON:
                self.answer(r.status, JSON, json.dumps(
                    {"code": GRPC_CODE.get(r.status, 2), "message": str(r)}).encode())
            else:
                self.answer(r.status, PB, rpc_status(r.status, str(r)))
        with srv.lock:
            with open(os.path.join(srv.dir, "requests.jsonl"), "a") as f:
                f.write(json.dumps(rec) + "\n")

    def answer(self, status, ctype, body):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--fail-status", type=int, default=503)
    ap.add_argument("--body-limit", type=int, default=MAX_BODY)
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.dir, srv.lock = args.dir, threading.Lock()
    srv.fail_first, srv.fail_status, srv.body_limit = args.fail_first, args.fail_status, args.body_limit
    os.makedirs(args.dir, exist_ok=True)
    srv.pipeline_calls = 0
    srv.accepted = sum(n.startswith("request-") for n in os.listdir(args.dir))
    with open(os.path.join(args.dir, "port.tmp"), "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(os.path.join(args.dir, "port.tmp"), os.path.join(args.dir, "port"))
    srv.serve_forever()


if __name__ == "__main__":
    main()
