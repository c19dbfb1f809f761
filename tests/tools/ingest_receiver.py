#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A stand-in for Pyroscope's /ingest endpoint, for tests (Python 3 standard library only).

It reads each request the way grafana/pyroscope's code does, step by step, and answers with
the status that code would give; the comments name the server's file and function of each
step. What it does not implement (bodies in formats other than pprof) it refuses with 422
and says so, where the server would read them otherwise, never as a pprof.

  ingest_receiver.py DIR [--port N] [--tls-cert F --tls-key F]
                         [--body-limit BYTES] [--max-profile-size BYTES]
                         [--reject-older-than SECS] [--reject-newer-than SECS]
                         [--tenant ID] [--token T] [--basic USER:PASS] [--header 'N: V']
                         [--fail-first N [--fail-status CODE] [--location URL]]
                         [--echo-headers] [--delay SECS]

Limits default to the server's: a 256 MiB body (413 past it), a 4 MiB profile once
decompressed, profiles timed within the last hour and the next 10 minutes (422 outside).
--tenant turns multitenancy on: X-Scope-OrgID is then required (401 without it). --token and
--basic play a gateway in front of the server (Pyroscope itself checks neither): 401 unless
the request carries them. --header answers 400 without that header. --fail-first N answers
the first N requests with --fail-status (503) whatever they hold, with a Location header
(--location) for a redirect; --echo-headers plays a gateway that quotes the request's headers
in its error replies, secrets and all; --delay holds every reply.
A client that refuses the TLS certificate ends the handshake before any request, so nothing
is recorded for it.

Writes DIR/port once listening; appends one JSON line per request to DIR/requests.jsonl (never
a secret: only the authorization scheme), and keeps each ingested profile as the server
parsed it (the body, or the multipart field) in DIR/profile-NNNNN.pb.gz. A record holds the
status and message, the query, how the body was read ("form"), the profile's times, sample
types and totals, and what Pyroscope would store: the series labels and profile type ids, the
sample labels that became series labels (with their values) and those it drops, and the
names of the stacks' root functions.
"ingested" is false for a 200 that stores nothing (the server's empty-profile path).
"""
import argparse
import base64
import email.message
import email.parser
import email.policy
import json
import os
import re
import ssl
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote_to_bytes

MIB = 1 << 20
# pkg/validation/limits.go, RegisterFlags: the defaults of the limits the write path applies.
BODY_LIMIT = 256 * MIB  # -distributor.ingestion-body-limit-mb
MAX_PROFILE_SIZE = 4 * MIB  # -validation.max-profile-size-bytes (decompressed)
MAX_SAMPLES = 16000  # -validation.max-profile-stacktrace-samples
MAX_SAMPLE_LABELS = 100  # -validation.max-profile-stacktrace-sample-labels
MAX_LABEL_NAMES = 30  # -validation.max-label-names-per-series
MAX_LABEL_NAME_LEN = 1024  # -validation.max-length-label-name
MAX_LABEL_VALUE_LEN = 2048  # -validation.max-length-label-value
REJECT_OLDER_THAN = 3600  # -validation.reject-older-than (1h)
REJECT_NEWER_THAN = 600  # -validation.reject-newer-than (10m)
FORM_MAX = 32 * MIB  # pkg/og/convert/pprof/profile.go, loadPprofFromForm: ReadForm(32 << 20)
VALUES_KEPT = 500  # label values and root names a record lists at most (ours, not the server's)

# pkg/util/connectgrpc/connectgrpc.go, HTTPToCode: the "code" of an error reply.
CONNECT_CODES = {400: "invalid_argument", 401: "unauthenticated", 403: "permission_denied",
                 404: "unimplemented", 413: "invalid_argument", 429: "resource_exhausted",
                 502: "unavailable", 503: "unavailable", 504: "deadline_exceeded"}


class Refusal(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


# --- the query: pkg/ingester/pyroscope/ingest_handler.go, parseInputMetadataFromRequest ---

def go_query(raw):
    """net/url ParseQuery as r.URL.Query() uses it: pairs it cannot read are skipped."""
    values = {}
    for pair in raw.split("&"):
        if not pair or ";" in pair:  # Go refuses ';' separators and drops that pair
            continue
        key, _, value = pair.partition("=")
        try:
            key, value = (go_unescape(s) for s in (key, value))
        except ValueError:
            continue
        values.setdefault(key, []).append(value)
    return values


def go_unescape(s):
    """url.QueryUnescape: '+' is a space, a bad %-escape is an error."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", s):
        raise ValueError("bad escape")
    return unquote_to_bytes(s.replace("+", " ")).decode("utf-8", "surrogateescape")


def label_name_ok(k):
    """api/model/labelset/validate.go, ValidateLabelName (without the reserved-name check)."""
    return k != "" and re.fullmatch(r"[A-Za-z0-9_.]+", k) is not None


def parse_name(name):
    """api/model/labelset/labelset.go, Parse: "app{k=v,...}" to labels; Refusal(400) if bad."""
    labels, state, key, value = {}, "name", "", ""
    for c in name + "{":
        if state == "name":
            if c != "{":
                value += c
                continue
            app = value.strip()
            # validate.go, ValidateServiceName
            if app == "":
                raise Refusal(400, "name: service name is required")
            bad = re.search(r"[^A-Za-z0-9_./-]", app)
            if bad:
                raise Refusal(400, "name: invalid service name: %s: character is not allowed: "
                                   "%r" % (app, bad.group()))
            labels["__name__"] = app
            state = "labels"
        elif state == "labels":
            if c == "}":
                state = "done"
            elif c == "=":
                state, value = "value", ""
            else:
                key += c
        elif state == "value":
            if c not in ",}":
                value += c
                continue
            state, k = "labels", key.strip()
            if k != "__name__" and not label_name_ok(k):
                raise Refusal(400, "name: invalid label name: %s" % k)
            labels[k], key = value.strip(), ""
    return labels


def attime(s, now_ns):
    """pkg/og/util/attime/attime.go, Parse: never an error; what it cannot read is "now"."""
    s = s.strip().replace("_", "").replace(",", "").replace(" ", "")
    if re.fullmatch(r"\d+", s):
        if len(s) == 8:
            try:
                return int(time.mktime(time.strptime(s + " UTC", "%Y%m%d %Z"))) * 10**9
            except ValueError:
                pass
        scale = {13: 10**6, 16: 10**3, 19: 1}.get(len(s), 10**9)
        return int(s) * scale
    return now_ns  # offsets ("now-1h") are not needed here


# --- the body: ingest_handler.go, readInputRawDataFromRequest ---

def body_form(fmt, ctype):
    """Which reading the server's switch picks, its cases in the server's order."""
    if fmt == "trie" or ctype == "binary/octet-stream+trie":
        return "trie"
    if fmt == "tree" or ctype == "binary/octet-stream+tree":
        return "tree"
    if fmt in ("lines", "jfr", "pprof", "speedscope"):
        return fmt
    if "multipart/form-data" in ctype:
        return "multipart"
    return "groups"  # the default case: folded text


def form_files(ctype, body):
    """The file parts of a multipart body, as Go's multipart ReadForm files them.

    pkg/og/util/form/form.go, ParseBoundary and ReadField: only parts with a file name are
    files, and ReadField reads nothing else (a "profile" part without a filename is no
    profile). Errors are ValueError."""
    msg = email.message.Message()
    msg["Content-Type"] = ctype
    boundary = msg.get_param("boundary")
    if not boundary:
        raise ValueError("malformed multipart content type header")
    if len(body) > FORM_MAX:
        raise ValueError("multipart: message too large")
    delim = b"\r\n--" + boundary.encode("latin-1")
    chunks = (b"\r\n" + body).split(delim)
    files = {}
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            return files
        line_end = chunk.find(b"\r\n")
        if line_end < 0 or chunk[:line_end].strip(b" \t"):
            raise ValueError("multipart: expecting a new Part; got line %r" % chunk[:40])
        rest = chunk[line_end + 2:]
        if rest.startswith(b"\r\n"):  # a part without headers
            head, data = b"", rest[2:]
        else:
            head, sep, data = rest.partition(b"\r\n\r\n")
            if not sep:
                raise ValueError("multipart: malformed MIME header")
        part = email.parser.BytesHeaderParser(policy=email.policy.HTTP).parsebytes(head + b"\r\n\r\n")
        disp = email.message.Message()
        disp["Content-Disposition"] = part.get("Content-Disposition", "")
        if disp.get_content_disposition() != "form-data":
            continue
        name = disp.get_param("name", header="content-disposition")
        filename = disp.get_param("filename", header="content-disposition")
        if not name or not filename:
            continue  # a value, not a file: ReadField does not see it
        files.setdefault(str(name), data)
    raise ValueError("multipart: NextPart: EOF")


def pprof_from_form(ctype, body):
    """pkg/og/convert/pprof/profile.go, loadPprofFromForm: the field "profile"."""
    files = form_files(ctype, body)
    if files.get("prev_profile"):
        raise ValueError("unsupported client version. Please update "
                         "github.com/grafana/pyroscope-go to the latest version")
    config = files.get("sample_type_config")
    if config:
        config = json.loads(config)
        if not isinstance(config, dict):
            raise ValueError("json: cannot unmarshal into map[string]*tree.SampleTypeConfig")
    return files.get("profile") or b"", config


def decompress(data, limit):
    """pkg/pprof/pprof.go, RawFromBytesWithLimit: gzip when the gzip header is there (what
    gzip.NewReader checks: 1f 8b 08), the bytes as they are otherwise; at most @limit bytes
    once decompressed."""
    if data[:3] != b"\x1f\x8b\x08":
        raw = data
    else:
        out, rest = bytearray(), data
        # Go's reader is multistream: members follow each other until the input ends.
        while rest:
            if rest[:3] != b"\x1f\x8b\x08":
                raise ValueError("copy to buffer: gzip: invalid header")
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                out += d.decompress(rest, limit + 1 - len(out) if limit else 0)
            except zlib.error as e:
                raise ValueError("copy to buffer: %s" % e)
            if limit and len(out) > limit:
                break
            if not d.eof:
                raise ValueError("copy to buffer: unexpected EOF")
            rest = d.unused_data
        raw = bytes(out)
    if limit and len(raw) > limit:
        raise ValueError("decompressed size exceeds maximum allowed size of %d bytes" % limit)
    return raw


# --- the pprof message: api/gen/proto/go/google/v1/profile_vtproto.pb.go, UnmarshalVT ---

INT, UINT, BOOL, STR, INTS, UINTS = "int64", "uint64", "bool", "string", "[]int64", "[]uint64"
# Field number -> (name, kind, repeated); a kind in SCHEMA is a message (api/google/v1/profile.proto).
SCHEMA = {
    "Profile": {1: ("sample_type", "ValueType", True), 2: ("sample", "Sample", True),
                3: ("mapping", "Mapping", True), 4: ("location", "Location", True),
                5: ("function", "Function", True), 6: ("string_table", STR, True),
                7: ("drop_frames", INT, False), 8: ("keep_frames", INT, False),
                9: ("time_nanos", INT, False), 10: ("duration_nanos", INT, False),
                11: ("period_type", "ValueType", False), 12: ("period", INT, False),
                13: ("comment", INTS, True), 14: ("default_sample_type", INT, False)},
    "ValueType": {1: ("type", INT, False), 2: ("unit", INT, False)},
    "Sample": {1: ("location_id", UINTS, True), 2: ("value", INTS, True),
               3: ("label", "Label", True)},
    "Label": {1: ("key", INT, False), 2: ("str", INT, False), 3: ("num", INT, False),
              4: ("num_unit", INT, False)},
    "Mapping": {1: ("id", UINT, False), 2: ("memory_start", UINT, False),
                3: ("memory_limit", UINT, False), 4: ("file_offset", UINT, False),
                5: ("filename", INT, False), 6: ("build_id", INT, False),
                7: ("has_functions", BOOL, False), 8: ("has_filenames", BOOL, False),
                9: ("has_line_numbers", BOOL, False), 10: ("has_inline_frames", BOOL, False)},
    "Location": {1: ("id", UINT, False), 2: ("mapping_id", UINT, False),
                 3: ("address", UINT, False), 4: ("line", "Line", True),
                 5: ("is_folded", BOOL, False)},
    "Line": {1: ("function_id", UINT, False), 2: ("line", INT, False)},
    "Function": {1: ("id", UINT, False), 2: ("name", INT, False), 3: ("system_name", INT, False),
                 4: ("filename", INT, False), 5: ("start_line", INT, False)},
}


def varint(buf, i, end):
    value = shift = 0
    while True:
        if shift >= 64:
            raise ValueError("proto: integer overflow")
        if i >= end:
            raise ValueError("unexpected EOF")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value & 0xFFFFFFFFFFFFFFFF, i


def skip_field(buf, i, end, wire):
    """protohelpers.Skip: an unknown field is passed over, groups included."""
    depth = 0
    while True:
        if wire == 0:
            _, i = varint(buf, i, end)
        elif wire == 1:
            i += 8
        elif wire == 2:
            n, i = varint(buf, i, end)
            i += n
        elif wire == 3:
            depth += 1
        elif wire == 4:
            if depth == 0:
                raise ValueError("proto: unexpected end of group")
            depth -= 1
        elif wire == 5:
            i += 4
        else:
            raise ValueError("proto: illegal wireType %d" % wire)
        if i > end:
            raise ValueError("unexpected EOF")
        if depth == 0:
            return i
        key, i = varint(buf, i, end)
        wire = key & 7


def unmarshal(kind, buf, i=0, end=None):
    """One message of SCHEMA[kind] from buf[i:end]; ValueError where UnmarshalVT errs."""
    end = len(buf) if end is None else end
    fields, msg = SCHEMA[kind], {}
    for name, sub, rep in fields.values():
        msg[name] = [] if rep else (None if sub in SCHEMA else 0)
    while i < end:
        key, i = varint(buf, i, end)
        number, wire = key >> 3, key & 7
        if wire == 4:
            raise ValueError("proto: %s: wiretype end group for non-group" % kind)
        if number <= 0:
            raise ValueError("proto: %s: illegal tag %d (wire type %d)" % (kind, number, key))
        if number not in fields:
            i = skip_field(buf, i, end, wire)
            continue
        name, sub, rep = fields[number]
        if sub in (INTS, UINTS) and wire == 2:  # packed
            n, i = varint(buf, i, end)
            if i + n > end:
                raise ValueError("unexpected EOF")
            stop = i + n
            while i < stop:
                v, i = varint(buf, i, stop)
                msg[name].append(v - (1 << 64) if sub == INTS and v >> 63 else v)
            continue
        want = 0 if sub in (INT, UINT, BOOL, INTS, UINTS) else 2
        if wire != want:
            raise ValueError("proto: wrong wireType = %d for field %s" % (wire, name))
        if want == 0:
            v, i = varint(buf, i, end)
            if sub in (INT, INTS) and v >> 63:
                v -= 1 << 64
            v = bool(v) if sub == BOOL else v
            if rep:
                msg[name].append(v)
            else:
                msg[name] = v
            continue
        n, i = varint(buf, i, end)
        if n >> 63 or i + n > end:
            raise ValueError("unexpected EOF")
        if sub == STR:
            msg[name].append(bytes(buf[i:i + n]))
        elif rep:
            msg[name].append(unmarshal(sub, buf, i, i + n))
        else:
            # A message field given twice is merged; the last value of a scalar wins.
            part = unmarshal(sub, buf, i, i + n)
            if msg[name]:
                part = {k: v if v else msg[name][k] for k, v in part.items()}
            msg[name] = part
        i += n
    return msg


# --- what the server does with a parsed profile ---

def text(prof, index):
    st = prof["string_table"]
    return st[index].decode("utf-8", "replace") if 0 <= index < len(st) else ""


def validate_profile(prof, size, now_ns, args, series):
    """pkg/validation/validate.go, ValidateProfile: Refusal(422) for what it refuses."""
    def refuse(why):
        raise Refusal(422, "push series with index 0 failed: %s" % why)

    if not prof["sample_type"]:
        refuse("empty profile")
    if prof["time_nanos"] > 0:
        t = prof["time_nanos"] // 10**6  # model.Time: milliseconds
        lo = now_ns // 10**6 - args.reject_older_than * 1000 if args.reject_older_than else None
        hi = now_ns // 10**6 + args.reject_newer_than * 1000 if args.reject_newer_than else None
        if (lo is not None and not t > lo) or (hi is not None and not t < hi):
            refuse("profile with labels '%s' is outside of ingestion window (profile "
                   "timestamp: %s, the ingestion window starts at %s and ends at %s)" %
                   (series, ms_time(t), ms_time(lo), ms_time(hi)))
    if args.max_profile_size and size > args.max_profile_size:
        refuse("the profile with labels '%s' exceeds the size limit (max_profile_size_byte, "
               "actual: %d, limit: %d)" % (series, size, args.max_profile_size))
    if len(prof["sample"]) > MAX_SAMPLES:
        refuse("the profile with labels '%s' exceeds the samples count limit "
               "(max_profile_stacktrace_samples, actual: %d, limit: %d)" %
               (series, len(prof["sample"]), MAX_SAMPLES))
    for s in prof["sample"]:
        if len(s["label"]) > MAX_SAMPLE_LABELS:
            refuse("the profile with labels '%s' exceeds the sample labels limit" % series)
    if any(loc["id"] == 0 for loc in prof["location"]):
        refuse("location id is 0")
    if any(fn["id"] == 0 for fn in prof["function"]):
        refuse("function id is 0")
    if any(len(s["value"]) != len(prof["sample_type"]) for s in prof["sample"]):
        refuse("sample value length mismatch")
    # validateStringTableAccess
    st = prof["string_table"]
    if not st or st[0] != b"":
        refuse("string 0 should be empty string")
    in_range = lambda x: 0 <= x < len(st)  # noqa: E731 - a negative index panics there
    if not all(in_range(vt["type"]) for vt in prof["sample_type"]):
        refuse("sample type type string index out of range")
    if not all(in_range(lb["str"]) and in_range(lb["key"])
               for s in prof["sample"] for lb in s["label"]):
        refuse("sample label string index out of range")
    if not all(in_range(fn["name"]) and in_range(fn["system_name"]) and in_range(fn["filename"])
               for fn in prof["function"]):
        refuse("function string index out of range")
    if not all(in_range(m["filename"]) and in_range(m["build_id"]) for m in prof["mapping"]):
        refuse("mapping string index out of range")
    if any("-" in text(prof, vt["type"]) for vt in prof["sample_type"]):
        refuse("sample type contains -")
    for s in st:
        try:
            s.decode("utf-8")
        except UnicodeDecodeError:
            refuse("invalid utf8 string hex: %s" % s.hex())


def ms_time(ms):
    if ms is None:
        return "-"
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


# pkg/og/storage/tree/pprof.go, DefaultSampleTypeMapping: the display names it gives.
DISPLAY_NAMES = {"samples": "cpu", "goroutine": "goroutines", "contentions": "mutex_count",
                 "delay": "mutex_duration"}


def metric_name(prof, config):
    """pkg/og/convert/pprof/profile.go, metricName: the __name__ of the stored series."""
    types = [text(prof, vt["type"]) for vt in prof["sample_type"]]
    if "wall" in types:
        return "wall"
    st = ""
    for st in types:
        shown = DISPLAY_NAMES.get(st, "") if config is None else \
            ((config.get(st) or {}).get("display-name") or "")
        st = shown or st
        if "cpu" in st:
            return "process_cpu"
        if "alloc_" in st or "inuse_" in st or st in ("space", "objects"):
            return "memory"
        for word, metric in (("mutex_", "mutex"), ("block_", "block"),
                             ("goroutines", "goroutines")):
            if word in st:
                return metric
    return st


def series_labels(prof, labels, spy, config):
    """createLabels (profile.go) and pushSeries (pkg/distributor/distributor.go): the labels
    of the series the profile is stored under, before its sample labels are added."""
    out = {"__name__": metric_name(prof, config), "__delta__": "false", "pyroscope_spy": spy}
    if "service_name" not in labels:
        out["service_name"] = labels["__name__"]
    for k, v in labels.items():
        if not k.startswith("__"):  # pkg/model/labels.go, IsLabelAllowedForIngestion
            out[k] = v
    return dict(sorted(out.items()))


def sample_series(prof, base):
    """pkg/model/pprofsplit/pprof_split.go, VisitSampleSeries: string sample labels become
    series labels (the series' own take precedence), and each series is checked by
    ValidateLabels (validate.go). Returns the distinct label sets; Refusal(422) if invalid."""
    sets = set()
    for s in prof["sample"]:
        ls = dict(base)
        for lb in s["label"]:
            if lb["str"] > 0 and text(prof, lb["key"]) not in ls:
                ls[text(prof, lb["key"])] = text(prof, lb["str"])
        sets.add(tuple(sorted(ls.items())))
    for ls in sets or [tuple(base.items())]:
        shown = "{" + ", ".join('%s="%s"' % kv for kv in ls) + "}"
        if len(ls) > MAX_LABEL_NAMES:
            raise Refusal(422, "profile series '%s' has %d label names; limit %d" %
                          (shown, len(ls), MAX_LABEL_NAMES))
        for k, v in ls:
            if not k or len(k) > MAX_LABEL_NAME_LEN or len(v) > MAX_LABEL_VALUE_LEN:
                raise Refusal(422, "profile with labels '%s' has a label name or value too "
                                   "long, or an empty name" % shown)
    return sets


def sample_label_fates(prof, base):
    """What becomes of each sample label. pkg/pprof/pprof.go, Normalize (called by pushSeries
    before the split): "Non-string labels are not supported", every label whose str is 0 is
    removed. The string ones become series labels (VisitSampleSeries, above) where the
    series has none of that name. Returns ({name: sorted values} of the sample labels that
    became series labels, at most VALUES_KEPT values each; sorted names of those dropped)."""
    series, dropped = {}, set()
    for s in prof["sample"]:
        for lb in s["label"]:
            key = text(prof, lb["key"])
            if lb["str"] == 0:
                dropped.add(key)
            elif key not in base:
                series.setdefault(key, set()).add(text(prof, lb["str"]))
    return ({k: sorted(v)[:VALUES_KEPT] for k, v in sorted(series.items())}, sorted(dropped))


def root_functions(prof):
    """Not a step of the server: the names of the functions at the root of the stacks it
    stores (the last location of a sample, the last of its lines), at most VALUES_KEPT."""
    locations = {loc["id"]: loc for loc in prof["location"]}
    functions = {fn["id"]: text(prof, fn["name"]) for fn in prof["function"]}
    roots = set()
    for s in prof["sample"]:
        loc = locations.get(s["location_id"][-1]) if s["location_id"] else None
        if loc and loc["line"]:
            roots.add(functions.get(loc["line"][-1]["function_id"], ""))
    return sorted(roots)[:VALUES_KEPT]


def profile_types(prof, metric):
    """pkg/phlaredb/labels/labels.go: one profile type id per sample type,
    metric:type:unit:period_type:period_unit."""
    pt = prof["period_type"] or {"type": 0, "unit": 0}
    tail = "%s:%s" % (text(prof, pt["type"]), text(prof, pt["unit"]))
    return ["%s:%s:%s:%s" % (metric, text(prof, vt["type"]), text(prof, vt["unit"]), tail)
            for vt in prof["sample_type"]]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, message, close=False):
        # pkg/util/http/error.go, ErrorWithStatus: a JSON error; a 200 has no body.
        data = b"" if status == 200 else (json.dumps(
            {"code": CONNECT_CODES.get(status, "unknown"), "message": message}) + "\n").encode()
        if status != 200 and self.server.args.echo_headers:
            # Not the server: a gateway that says what it got, as it got it.
            data = b"request headers:\r\n" + bytes(self.headers) + data
        self.send_response(status)
        if 300 <= status < 400 and self.server.args.location:
            self.send_header("Location", self.server.args.location)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def read_body(self, limit):
        """The body, and whether it went past @limit (pkg/util/body/limit.go,
        NewSizeLimitHandler: http.MaxBytesReader). The whole body is read either way, so
        the client sees the reply rather than a reset connection."""
        chunks, total = [], 0
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if not size:
                    while self.rfile.readline().strip():
                        pass
                    break
                data = self.rfile.read(size)
                self.rfile.readline()
                total += len(data)
                if total <= limit:
                    chunks.append(data)
        else:
            left = int(self.headers.get("Content-Length") or 0)
            while left > 0:
                data = self.rfile.read(min(left, 1 << 20))
                if not data:
                    break
                left -= len(data)
                total += len(data)
                if total <= limit:
                    chunks.append(data)
        return b"".join(chunks), total > limit, total

    def check_gateway(self, args):
        """What a gateway in front of the server checks (--token, --basic, --header), then
        the server's own: pkg/util/http/auth.go, AuthenticateUser (with multitenancy)."""
        auth = self.headers.get("Authorization", "")
        if args.token is not None and auth != "Bearer " + args.token:
            raise Refusal(401, "bad or missing bearer token")
        if args.basic is not None:
            if auth != "Basic " + base64.b64encode(args.basic.encode()).decode():
                raise Refusal(401, "bad or missing basic authentication")
        for h in args.header:
            name, _, value = h.partition(":")
            if self.headers.get(name.strip()) != value.strip():
                raise Refusal(400, "missing header " + name.strip())
        if args.tenant is not None and not self.headers.get("X-Scope-OrgID"):
            raise Refusal(401, "no org id")

    def ingest(self, raw_query, body, record):
        """ingest_handler.go, ServeHTTP after the middlewares; the record gets what was read."""
        args, now_ns = self.server.args, time.time_ns()
        q = go_query(raw_query)
        first = lambda k: q.get(k, [""])[0]  # noqa: E731 - url.Values.Get
        record["query"] = {k: v[0] for k, v in q.items()}
        labels = parse_name(first("name"))
        record["from_ns"] = attime(first("from"), now_ns) if first("from") else now_ns
        record["until_ns"] = attime(first("until"), now_ns) if first("until") else now_ns
        # A bad sampleRate is logged and replaced by the default (100), never refused.
        spy = first("spyName") or "unknown"
        ctype = self.headers.get("Content-Type", "")
        form = record["form"] = body_form(first("format"), ctype)
        config = None
        if form == "pprof":
            data = body
        elif form == "multipart":
            try:
                data, config = pprof_from_form(ctype, body)
            except ValueError as e:
                raise Refusal(422, "parsing IngestInput-pprof failed failed to parse pprof "
                                   "/ingest multipart form %s" % e)
        else:
            raise Refusal(422, "this receiver reads pprof bodies only; the server would read "
                               "this one as %r, not as a pprof" % form)
        if not data:
            # ParseToPprof returns no series for an empty profile: 200, nothing stored.
            record["ingested"] = False
            return None
        try:
            raw = decompress(data, args.max_profile_size)
            prof = unmarshal("Profile", raw)
        except ValueError as e:
            # A plain error from the pprof path: ServeHTTP's "failed to ingest" 422.
            raise Refusal(422, "parsing IngestInput-pprof failed %s" % e)
        record["gzip"] = data[:3] == b"\x1f\x8b\x08"
        # convert/pprof/profile.go, fixTime: a profile timed in 1970 (no time, or one in
        # microseconds) gets the query's; ValidateProfile gives one before 1970 "now".
        if time.gmtime(prof["time_nanos"] // 10**9).tm_year == 1970:
            prof["time_nanos"] = record["from_ns"]
        elif prof["time_nanos"] < 0:
            prof["time_nanos"] = now_ns
        record.update(
            time_nanos=prof["time_nanos"], duration_nanos=prof["duration_nanos"],
            samples=len(prof["sample"]),
            sample_types=["%s/%s" % (text(prof, v["type"]), text(prof, v["unit"]))
                          for v in prof["sample_type"]],
            sample_total=sum(s["value"][0] for s in prof["sample"] if s["value"]),
            period=prof["period"])
        base = series_labels(prof, labels, spy, config)
        record["labels"] = base
        shown = "{" + ", ".join('%s="%s"' % kv for kv in base.items()) + "}"
        validate_profile(prof, len(raw), now_ns, args, shown)
        record["series"] = len(sample_series(prof, base))
        record["sample_series_labels"], record["dropped_sample_labels"] = \
            sample_label_fates(prof, base)
        record["root_functions"] = root_functions(prof)
        record["profile_types"] = profile_types(prof, base["__name__"])
        # pkg/pprof/pprof.go, Normalize: samples with a negative value, or none above 0,
        # are dropped; a profile left without samples stores nothing and is still a 200.
        kept = [s for s in prof["sample"]
                if all(v >= 0 for v in s["value"]) and any(v > 0 for v in s["value"])]
        record["ingested"] = bool(kept)
        return data

    def do_POST(self):
        srv, args = self.server, self.server.args
        path, _, raw_query = self.path.partition("?")
        body, too_large, size = self.read_body(args.body_limit)
        with srv.lock:
            srv.requests += 1
            seq = srv.requests
        auth = self.headers.get("Authorization")
        record = {"seq": seq, "method": "POST", "path": path, "raw_query": raw_query,
                  "auth": auth.split(" ", 1)[0] if auth else None,
                  "tenant": self.headers.get("X-Scope-OrgID"),
                  "content_type": self.headers.get("Content-Type"), "bytes": size}
        if args.delay:
            time.sleep(args.delay)
        status, message, saved = 200, "", None
        try:
            if seq <= args.fail_first:
                raise Refusal(args.fail_status,
                              "scripted failure %d of %d" % (seq, args.fail_first))
            # pkg/api/api.go, RegisterDistributor: the two paths of the handler.
            if path not in ("/ingest", "/pyroscope/ingest"):
                raise Refusal(404, "404 page not found")
            self.check_gateway(args)
            if too_large:
                # ingest_handler.go, ServeHTTP: a *http.MaxBytesError is a 413.
                raise Refusal(413, "request body too large: http: request body too large")
            saved = self.ingest(raw_query, body, record)
        except Refusal as e:
            status, message = e.status, str(e)
        with srv.lock:
            if saved is not None:
                srv.saved += 1
                record["file"] = "profile-%05d.pb.gz" % srv.saved
                with open(os.path.join(args.dir, record["file"]), "wb") as f:
                    f.write(saved)
            record.update(status=status, message=message or "ok")
            with open(os.path.join(args.dir, "requests.jsonl"), "a") as f:
                f.write(json.dumps(record, sort_keys=True) + "\n")
        self.reply(status, message, close=too_large)

    def do_GET(self):
        # pkg/api/register_options.go, registerOptionsWritePath: POST only.
        self.reply(405, "method not allowed")

    do_PUT = do_GET


class Server(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client hanging up between two requests on a kept-alive connection is no error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dir", help="where port, requests.jsonl and profiles go")
    p.add_argument("--port", type=int, default=0, help="0: any free port")
    p.add_argument("--body-limit", type=int, default=BODY_LIMIT, metavar="BYTES")
    p.add_argument("--max-profile-size", type=int, default=MAX_PROFILE_SIZE, metavar="BYTES",
                   help="decompressed; 0: no limit")
    p.add_argument("--reject-older-than", type=int, default=REJECT_OLDER_THAN, metavar="SECS",
                   help="0: no limit")
    p.add_argument("--reject-newer-than", type=int, default=REJECT_NEWER_THAN, metavar="SECS",
                   help="0: no limit")
    p.add_argument("--tenant", help="multitenancy: X-Scope-OrgID required")
    p.add_argument("--token", help="require Authorization: Bearer TOKEN")
    p.add_argument("--basic", metavar="USER:PASS", help="require basic authentication")
    p.add_argument("--header", action="append", default=[], help="require 'Name: value'")
    p.add_argument("--fail-first", type=int, default=0, metavar="N")
    p.add_argument("--fail-status", type=int, default=503, metavar="CODE")
    p.add_argument("--location", metavar="URL", help="the Location of a 3xx --fail-status")
    p.add_argument("--echo-headers", action="store_true",
                   help="error replies quote the request's headers")
    p.add_argument("--delay", type=float, default=0.0, metavar="SECS")
    p.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this PEM certificate")
    p.add_argument("--tls-key", metavar="FILE", help="the PEM private key of --tls-cert")
    args = p.parse_args()
    if (args.tls_cert is None) != (args.tls_key is None):
        p.error("--tls-cert and --tls-key go together")

    srv = Server(("127.0.0.1", args.port), Handler)
    srv.args, srv.lock, srv.requests = args, threading.Lock(), 0
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        # The handshake runs in accept(); one that fails is an OSError, which socketserver
        # drops without a request (or a traceback).
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    os.makedirs(args.dir, exist_ok=True)
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
