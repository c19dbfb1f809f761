#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Reads pprof profiles and OTLP profiles requests through `protoc --decode` (Debian's
protobuf-compiler) with bpfprof's own .proto files, and brings both to one canonical form
that tests compare: for each sample type, {key: total} where a key is the sample's stack
(root first, each frame "function@mapping file", an inlined callee after its caller, as the
locations' lines say), pid, tid, process name, thread name and time (ns, 0 without).

  profile_text.py pprof FILE.pb[.gz]   prints the pprof's canonical form as JSON
"""
import gzip
import json
import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
PPROF_PROTO = (os.path.join(ROOT, "output/formats"), "profile.proto", "perftools.profiles.Profile")
OTLP_PROTO = (os.path.join(ROOT, "output/formats/otlp"),
              "opentelemetry/proto/collector/profiles/v1development/profiles_service.proto",
              "opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest")


def decode(body, proto):
    """The text format protoc makes of @body; raises ValueError when it does not parse."""
    include, path, message = proto
    run = subprocess.run(["protoc", "-I", include, "--decode=" + message, path], input=body,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=include, timeout=60)
    if run.returncode:
        raise ValueError(run.stderr.decode(errors="replace").strip() or "protoc failed")
    return parse_text(run.stdout.decode("utf-8"))


def unescape(s):
    """A text-format string literal's body (C escapes, octal bytes) as text."""
    out, i = bytearray(), 0
    simple = {"n": 10, "t": 9, "r": 13, '"': 34, "'": 39, "\\": 92, "a": 7, "b": 8, "f": 12, "v": 11}
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        n = s[i + 1]
        if n in simple:
            out.append(simple[n])
            i += 2
        elif n in "01234567":
            j = i + 1
            while j < len(s) and j < i + 4 and s[j] in "01234567":
                j += 1
            out.append(int(s[i + 1:j], 8))
            i = j
        elif n == "x":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        else:
            raise ValueError("unknown escape \\" + n)
    return out.decode("utf-8", errors="replace")


def tokens(text):
    i = 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "{}:":
            yield c
            i += 1
        elif c == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            yield ("str", unescape(text[i + 1:j]))
            i = j + 1
        else:
            j = i
            while j < len(text) and not text[j].isspace() and text[j] not in "{}:":
                j += 1
            yield ("word", text[i:j])
            i = j


def parse_text(text):
    """Text format into dicts of lists: every field is a list, as any may repeat."""
    stack = [{}]
    it = tokens(text)
    for tok in it:
        if tok == "}":
            stack.pop()
            continue
        name = tok[1]
        nxt = next(it)
        if nxt == ":":
            nxt = next(it)
        if nxt == "{":
            child = {}
            stack[-1].setdefault(name, []).append(child)
            stack.append(child)
            continue
        kind, value = nxt
        if kind == "word":
            try:
                value = int(value)
            except ValueError:
                pass
        stack[-1].setdefault(name, []).append(value)
    return stack[0]


def one(msg, field, default=0):
    return msg.get(field, [default])[0]


def key(frames, pid, tid, comm, thread, time):
    return json.dumps([frames, pid, tid, comm, thread, time])


def canonical_pprof(data):
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    p = decode(data, PPROF_PROTO)
    strings = p.get("string_table", [])
    strings = [""] + strings if not strings or strings[0] != "" else strings
    s = lambda i: strings[i]
    funcs = {one(f, "id"): s(one(f, "name")) for f in p.get("function", [])}
    maps = {one(m, "id"): s(one(m, "filename")) for m in p.get("mapping", [])}
    locs = {}
    for loc in p.get("location", []):
        mapping = maps.get(one(loc, "mapping_id"), "")
        # Lines: the innermost inlined callee first; a stack wants the caller first.
        locs[one(loc, "id")] = ["%s@%s" % (funcs[one(l, "function_id")], mapping)
                                for l in reversed(loc.get("line", []))]
    types = ["%s/%s" % (s(one(t, "type")), s(one(t, "unit"))) for t in p.get("sample_type", [])]
    out = {t: {} for t in types}
    for sample in p.get("sample", []):
        labels = {}
        for label in sample.get("label", []):
            labels[s(one(label, "key"))] = s(one(label, "str")) if "str" in label else one(label, "num")
        frames = [f for loc in reversed(sample.get("location_id", [])) for f in locs[loc]]
        k = key(frames, labels.get("pid", 0), labels.get("tid", 0), labels.get("comm", ""),
                labels.get("thread", ""), labels.get("time", 0))
        for t, v in zip(types, sample.get("value", [])):
            out[t][k] = out[t].get(k, 0) + v
    return {"time_nanos": one(p, "time_nanos"), "duration_nanos": one(p, "duration_nanos"),
            "period": one(p, "period"), "samples": out}


def canonical_otlp(req):
    """@req: the parsed text of an ExportProfilesServiceRequest."""
    d = one(req, "dictionary", {})
    strings = d.get("string_table", [])
    s = lambda i: strings[i]
    funcs = [s(one(f, "name_strindex")) for f in d.get("function_table", [])]
    maps = [s(one(m, "filename_strindex")) for m in d.get("mapping_table", [])]
    attrs = []
    for a in d.get("attribute_table", []):
        v = one(a, "value", {})
        attrs.append((s(one(a, "key_strindex")),
                      one(v, "string_value") if "string_value" in v else one(v, "int_value")))
    locs = [["%s@%s" % (funcs[one(l, "function_index")], maps[one(loc, "mapping_index")])
             for l in reversed(loc.get("lines", []))] for loc in d.get("location_table", [])]
    stacks = [st.get("location_indices", []) for st in d.get("stack_table", [])]
    out = {"resource": {}, "scopes": [], "profiles": []}
    for rp in req.get("resource_profiles", []):
        for kv in one(rp, "resource", {}).get("attributes", []):
            out["resource"][one(kv, "key")] = one(one(kv, "value", {}), "string_value")
        for sp in rp.get("scope_profiles", []):
            out["scopes"].append(one(one(sp, "scope", {}), "name", ""))
            for prof in sp.get("profiles", []):
                st = one(prof, "sample_type", {})
                pt = one(prof, "period_type", {})
                samples = {}
                for sample in prof.get("samples", []):
                    la = dict(attrs[i] for i in sample.get("attribute_indices", []))
                    frames = [f for loc in reversed(stacks[one(sample, "stack_index")])
                              for f in locs[loc]]
                    values = sample.get("values", [])
                    times = sample.get("timestamps_unix_nano", []) or [0] * len(values)
                    if len(values) != len(times):
                        raise ValueError("a sample's values and timestamps differ in number")
                    for v, t in zip(values, times):
                        k = key(frames, la.get("process.pid", 0), la.get("thread.id", 0),
                                la.get("process.executable.name", ""),
                                la.get("thread.name", ""), t)
                        samples[k] = samples.get(k, 0) + v
                out["profiles"].append({
                    "type": "%s/%s" % (s(one(st, "type_strindex")), s(one(st, "unit_strindex"))),
                    "period_type": "%s/%s" % (s(one(pt, "type_strindex")),
                                              s(one(pt, "unit_strindex"))),
                    "period": one(prof, "period"), "time_nanos": one(prof, "time_unix_nano"),
                    "duration_nanos": one(prof, "duration_nano"),
                    "profile_id": one(prof, "profile_id", ""),
                    "sample_count": sum(samples.values()), "samples": samples})
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "pprof":
        sys.exit("usage: profile_text.py pprof FILE")
    with open(sys.argv[2], "rb") as f:
        json.dump(canonical_pprof(f.read()), sys.stdout)
