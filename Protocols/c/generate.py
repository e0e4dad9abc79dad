#!/usr/bin/env python3
"""Generate the single-header C99 encoder Protocols/c/fleet_protocol.h from Protocols/schema.json,
and Protocols/c/test_vectors.h (every golden vector of Protocols/vectors/valid.json that an encoder
can reproduce, as C data for test_vectors.c).

    python3 Protocols/c/generate.py            # rewrite both files
    python3 Protocols/c/generate.py --check    # exit 1 if either differs from what it would write

Standard library only; deterministic (the same schema gives the same bytes).
"""

import argparse
import json
import math
import os
import sys
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, os.pardir, "schema.json")
VECTORS = os.path.join(HERE, os.pardir, "vectors", "valid.json")
HEADER_OUT = os.path.join(HERE, "fleet_protocol.h")
VECTORS_OUT = os.path.join(HERE, "test_vectors.h")

C_TYPE = {
    "u8": "uint8_t", "i8": "int8_t", "bool": "bool", "u16": "uint16_t", "i16": "int16_t",
    "u32": "uint32_t", "i32": "int32_t", "f32": "float", "u64": "uint64_t", "i64": "int64_t",
    "f64": "double",
}
PUT = {
    "u8": "fleet_put_u8", "i8": "fleet_put_i8", "bool": "fleet_put_bool", "u16": "fleet_put_u16",
    "i16": "fleet_put_i16", "u32": "fleet_put_u32", "i32": "fleet_put_i32", "f32": "fleet_put_f32",
    "u64": "fleet_put_u64", "i64": "fleet_put_i64", "f64": "fleet_put_f64",
}


def crc_table() -> List[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (0xEDB88320 ^ (c >> 1)) if c & 1 else (c >> 1)
        table.append(c)
    return table


def comment(text: str) -> str:
    return text.replace("*/", "* /")


def field_comment(f: Dict[str, Any]) -> str:
    parts = [comment(f["description"])]
    if f.get("unit"):
        parts.append("[%s]" % f["unit"])
    if "enum" in f:
        parts.append("enum fleet_%s." % f["enum"])
    if f.get("min") is not None or f.get("max") is not None:
        parts.append("Range %s..%s." % (f.get("min", ""), f.get("max", "")))
    if f.get("nan_allowed"):
        parts.append("NaN allowed (not measured).")
    return " ".join(parts)


def render_header(schema: Dict[str, Any]) -> str:
    major, minor = schema["version"]["major"], schema["version"]["minor"]
    L: List[str] = []
    w = L.append
    w("/* fleet_protocol.h: Fleet Telemetry wire protocol %d.%d, a single-header C99 encoder." % (major, minor))
    w(" *")
    w(" * GENERATED from Protocols/schema.json by Protocols/c/generate.py: edit those, not this file.")
    w(" * The spec is Protocols/README.md. Every function is static inline: include this header")
    w(" * wherever you need it, no library to link. Needs <stdint.h>, <stdbool.h>, <stddef.h>,")
    w(" * <string.h> (C99; also compiles as C++).")
    w(" *")
    w(" *   uint8_t frame[FLEET_FAULT_FRAME_SIZE];")
    w(" *   fleet_header h = {7, 1, 0, 1767225600000000000u, 0};   robot, boot epoch, sequence, ns, flags")
    w(" *   fleet_msg_fault body = {560, FLEET_SEVERITY_INFO, false};")
    w(" *   size_t n = fleet_encode_fault(frame, sizeof frame, &h, &body);   0: buffer too small")
    w(" *")
    w(" * The encoder writes what it is given: ranges, enum values and finiteness are the caller's")
    w(" * to respect (the ingester rejects a frame that breaks them). A NaN is written as the")
    w(" * quiet NaN the spec asks for. Reserved fields are written as zero.")
    w(" */")
    w("#ifndef FLEET_PROTOCOL_H")
    w("#define FLEET_PROTOCOL_H")
    w("")
    w("#include <stdbool.h>")
    w("#include <stddef.h>")
    w("#include <stdint.h>")
    w("#include <string.h>")
    w("")
    w("#define FLEET_PROTOCOL_VERSION_MAJOR %d" % major)
    w("#define FLEET_PROTOCOL_VERSION_MINOR %d" % minor)
    w("#define FLEET_HEADER_SIZE %d" % schema["header"]["size"])
    w("#define FLEET_TRAILER_SIZE %d" % schema["trailer"]["size"])
    w("#define FLEET_MAX_FRAME_BYTES %d" % schema["limits"]["max_frame_bytes"])
    w("/** Header flags bit 0: the timestamps are simulated time. */")
    w("#define FLEET_FLAG_SIMULATED_TIME 0x01u")
    w("/** The ingester's robot id: the sender of ack frames. */")
    w("#define FLEET_INGESTER_ROBOT_ID UINT32_C(0xFFFFFFFF)")
    w("/** Largest valid timestamp_ns: 2^63 - 1. */")
    w("#define FLEET_MAX_TIMESTAMP_NS UINT64_C(0x7FFFFFFFFFFFFFFF)")
    w("")
    w("/* ---- enums (u8 on the wire) */")
    for name, enum in schema["enums"].items():
        w("")
        w("/** %s */" % comment(enum["description"]))
        w("enum fleet_%s {" % name)
        items = sorted(enum["values"].items(), key=lambda kv: kv[1])
        for i, (value_name, value) in enumerate(items):
            w("    FLEET_%s_%s = %d%s" % (name.upper(), value_name.upper(), value, "," if i + 1 < len(items) else ""))
        w("};")
    w("")
    w("/* ---- message types */")
    w("")
    for m in schema["messages"]:
        upper = m["name"].upper()
        w("#define FLEET_MSG_%s %d" % (upper, m["id"]))
        w("#define FLEET_%s_BODY_SIZE %d" % (upper, m["size"]))
        w("#define FLEET_%s_FRAME_SIZE %d" % (upper, schema["header"]["size"] + m["size"] + schema["trailer"]["size"]))
    w("")
    w("/* ---- the frame header's sender fields (the rest is filled in by the encoder) */")
    w("")
    w("typedef struct fleet_header {")
    w("    uint32_t robot_id;     /* 1..0xEFFFFFFF robots, 0xF0000000.. infrastructure */")
    w("    uint32_t boot_epoch;   /* +1 every restart */")
    w("    uint32_t sequence;     /* per (robot_id, boot_epoch), from 0, +1 per frame of any type */")
    w("    uint64_t timestamp_ns; /* ns since the Unix epoch, at most FLEET_MAX_TIMESTAMP_NS */")
    w("    uint8_t flags;         /* FLEET_FLAG_SIMULATED_TIME or 0 */")
    w("} fleet_header;")
    w("")
    w("/* ---- CRC-32 (IEEE 802.3, as zlib.crc32) */")
    w("")
    w("static const uint32_t fleet_crc32_table[256] = {")
    table = crc_table()
    for i in range(0, 256, 6):
        w("    " + ", ".join("0x%08Xu" % v for v in table[i:i + 6]) + ("," if i + 6 < 256 else ""))
    w("};")
    w("")
    w("/** CRC-32 of `length` bytes; fleet_crc32(\"123456789\", 9) == 0xCBF43926. */")
    w("static inline uint32_t fleet_crc32(const void *data, size_t length) {")
    w("    const uint8_t *p = (const uint8_t *)data;")
    w("    uint32_t crc = 0xFFFFFFFFu;")
    w("    size_t i;")
    w("    for (i = 0; i < length; i++) crc = fleet_crc32_table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);")
    w("    return crc ^ 0xFFFFFFFFu;")
    w("}")
    w("")
    w("/* ---- little-endian writers */")
    w("")
    w("static inline void fleet_put_u8(uint8_t *p, uint8_t v) { p[0] = v; }")
    w("static inline void fleet_put_i8(uint8_t *p, int8_t v) { p[0] = (uint8_t)v; }")
    w("static inline void fleet_put_bool(uint8_t *p, bool v) { p[0] = v ? 1u : 0u; }")
    w("static inline void fleet_put_u16(uint8_t *p, uint16_t v) {")
    w("    p[0] = (uint8_t)v;")
    w("    p[1] = (uint8_t)(v >> 8);")
    w("}")
    w("static inline void fleet_put_i16(uint8_t *p, int16_t v) { fleet_put_u16(p, (uint16_t)v); }")
    w("static inline void fleet_put_u32(uint8_t *p, uint32_t v) {")
    w("    p[0] = (uint8_t)v;")
    w("    p[1] = (uint8_t)(v >> 8);")
    w("    p[2] = (uint8_t)(v >> 16);")
    w("    p[3] = (uint8_t)(v >> 24);")
    w("}")
    w("static inline void fleet_put_i32(uint8_t *p, int32_t v) { fleet_put_u32(p, (uint32_t)v); }")
    w("static inline void fleet_put_u64(uint8_t *p, uint64_t v) {")
    w("    fleet_put_u32(p, (uint32_t)v);")
    w("    fleet_put_u32(p + 4, (uint32_t)(v >> 32));")
    w("}")
    w("static inline void fleet_put_i64(uint8_t *p, int64_t v) { fleet_put_u64(p, (uint64_t)v); }")
    w("static inline void fleet_put_f32(uint8_t *p, float v) {")
    w("    uint32_t bits = UINT32_C(0x7FC00000); /* the quiet NaN the spec asks for */")
    w("    if (v == v) memcpy(&bits, &v, sizeof bits);")
    w("    fleet_put_u32(p, bits);")
    w("}")
    w("static inline void fleet_put_f64(uint8_t *p, double v) {")
    w("    uint64_t bits = UINT64_C(0x7FF8000000000000);")
    w("    if (v == v) memcpy(&bits, &v, sizeof bits);")
    w("    fleet_put_u64(p, bits);")
    w("}")
    w("")
    w("/** Writes the 32-byte header of a frame of `message_type` with a body of `body_length` bytes. */")
    w("static inline void fleet_encode_header(uint8_t *out, const fleet_header *h, uint8_t message_type,")
    w("                                       uint32_t body_length) {")
    w("    out[0] = 0x46u; /* 'F' */")
    w("    out[1] = 0x54u; /* 'T' */")
    w("    out[2] = FLEET_PROTOCOL_VERSION_MAJOR;")
    w("    out[3] = message_type;")
    w("    out[4] = FLEET_PROTOCOL_VERSION_MINOR;")
    w("    out[5] = h->flags;")
    w("    fleet_put_u16(out + 6, FLEET_HEADER_SIZE);")
    w("    fleet_put_u32(out + 8, h->robot_id);")
    w("    fleet_put_u32(out + 12, h->boot_epoch);")
    w("    fleet_put_u32(out + 16, h->sequence);")
    w("    fleet_put_u32(out + 20, body_length);")
    w("    fleet_put_u64(out + 24, h->timestamp_ns);")
    w("}")
    w("")
    w("/** Appends the CRC-32 trailer to a frame whose header and body take `length` bytes;")
    w(" *  returns the frame's full length. */")
    w("static inline size_t fleet_finish_frame(uint8_t *out, size_t length) {")
    w("    fleet_put_u32(out + length, fleet_crc32(out, length));")
    w("    return length + FLEET_TRAILER_SIZE;")
    w("}")
    for m in schema["messages"]:
        name, upper = m["name"], m["name"].upper()
        w("")
        w("/* ---- %d %s (%s): %s */" % (m["id"], name, m.get("category") or "", comment(m["description"])))
        w("")
        w("typedef struct fleet_msg_%s {" % name)
        for f in m["fields"]:
            if f["name"] == "reserved":
                continue
            decl = "%s %s%s;" % (C_TYPE[f["type"]], f["name"], "[%d]" % f["count"] if "count" in f else "")
            w("    %-34s /* %s */" % (decl, field_comment(f)))
        w("} fleet_msg_%s;" % name)
        w("")
        w("/** Writes the %d-byte body of %s into `body`. */" % (m["size"], name))
        w("static inline void fleet_encode_%s_body(uint8_t *body, const fleet_msg_%s *m) {" % (name, name))
        if any("count" in f and f["name"] != "reserved" for f in m["fields"]):
            w("    size_t i;")
        w("    memset(body, 0, FLEET_%s_BODY_SIZE);" % upper)
        for f in m["fields"]:
            if f["name"] == "reserved":
                continue
            size = schema["types"][f["type"]]
            if "count" in f:
                w("    for (i = 0; i < %d; i++) %s(body + %d + %d * i, m->%s[i]);" % (
                    f["count"], PUT[f["type"]], f["offset"], size, f["name"]))
            else:
                w("    %s(body + %d, m->%s);" % (PUT[f["type"]], f["offset"], f["name"]))
        w("}")
        w("")
        w("/** Encodes a whole %s frame (FLEET_%s_FRAME_SIZE bytes) into `out`; returns its" % (name, upper))
        w(" *  length, or 0 when `capacity` is too small. */")
        w("static inline size_t fleet_encode_%s(uint8_t *out, size_t capacity, const fleet_header *h," % name)
        w("                                     const fleet_msg_%s *m) {" % name)
        w("    if (capacity < FLEET_%s_FRAME_SIZE) return 0;" % upper)
        w("    fleet_encode_header(out, h, FLEET_MSG_%s, FLEET_%s_BODY_SIZE);" % (upper, upper))
        w("    fleet_encode_%s_body(out + FLEET_HEADER_SIZE, m);" % name)
        w("    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_%s_BODY_SIZE);" % upper)
        w("}")
    w("")
    w("#endif /* FLEET_PROTOCOL_H */")
    return "\n".join(L) + "\n"


def c_value(f: Dict[str, Any], v: Any) -> str:
    t = f["type"]
    if "enum" in f:
        return "FLEET_%s_%s" % (f["enum"].upper(), str(v).upper())
    if t == "bool":
        return "true" if v else "false"
    if t in ("f32", "f64"):
        if v == "NaN" or (isinstance(v, float) and math.isnan(v)):
            return "NAN" if t == "f32" else "(double)NAN"
        if v in ("Infinity", "-Infinity"):
            raise ValueError("a valid vector holds an infinity")
        literal = float(v).hex()
        return "(float)%s" % literal if t == "f32" else literal
    if t == "u64":
        return "UINT64_C(%d)" % v
    if t == "i64":
        return "INT64_C(%d)" % v
    if t == "u32":
        return "UINT32_C(%d)" % v
    return "%d" % v


def render_vectors(schema: Dict[str, Any], vectors: List[Dict[str, Any]]) -> str:
    by_name = {m["name"]: m for m in schema["messages"]}
    L: List[str] = []
    w = L.append
    w("/* test_vectors.h: the golden vectors of Protocols/vectors/valid.json as C data, for")
    w(" * test_vectors.c. GENERATED by Protocols/c/generate.py: edit those, not this file.")
    w(" * Vectors marked decode_only (newer minor, non-zero reserved bytes) are not here: an")
    w(" * encoder cannot reproduce them. */")
    w("#ifndef FLEET_TEST_VECTORS_H")
    w("#define FLEET_TEST_VECTORS_H")
    w("")
    w("#include <math.h>")
    w("#include \"fleet_protocol.h\"")
    w("")
    w("typedef size_t (*fleet_vector_encoder)(uint8_t *out, size_t capacity);")
    w("")
    w("typedef struct fleet_vector {")
    w("    const char *name;")
    w("    const char *hex;")
    w("    fleet_vector_encoder encode;")
    w("} fleet_vector;")
    entries = []
    for index, v in enumerate(vectors):
        if v["decode_only"]:
            continue
        m = by_name[v["message"]]
        h = v["header"]
        fn = "vector_%d_%s" % (index, v["name"])
        fn = "".join(c if c.isalnum() or c == "_" else "_" for c in fn)
        w("")
        w("/* %s: %s */" % (v["name"], comment(v["description"])))
        w("static size_t %s(uint8_t *out, size_t capacity) {" % fn)
        w("    fleet_header h;")
        w("    fleet_msg_%s m;" % m["name"])
        w("    h.robot_id = UINT32_C(%d);" % h["robot_id"])
        w("    h.boot_epoch = UINT32_C(%d);" % h["boot_epoch"])
        w("    h.sequence = UINT32_C(%d);" % h["sequence"])
        w("    h.timestamp_ns = UINT64_C(%d);" % h["timestamp_ns"])
        w("    h.flags = %d;" % h["flags"])
        for f in m["fields"]:
            if f["name"] == "reserved":
                continue
            value = v["body"][f["name"]]
            if "count" in f:
                for i, item in enumerate(value):
                    w("    m.%s[%d] = %s;" % (f["name"], i, c_value(f, item)))
            else:
                w("    m.%s = %s;" % (f["name"], c_value(f, value)))
        w("    return fleet_encode_%s(out, capacity, &h, &m);" % m["name"])
        w("}")
        entries.append((v["name"], v["hex"], fn))
    w("")
    w("static const fleet_vector fleet_vectors[] = {")
    for name, hexdata, fn in entries:
        w("    {\"%s\",\n     \"%s\",\n     %s}," % (name, hexdata, fn))
    w("};")
    w("")
    w("#define FLEET_VECTOR_COUNT %d" % len(entries))
    w("#define FLEET_VECTOR_TOTAL %d /* valid.json's vectors, decode_only ones included */" % len(vectors))
    w("")
    w("#endif /* FLEET_TEST_VECTORS_H */")
    return "\n".join(L) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is stale")
    args = parser.parse_args()
    with open(SCHEMA, "r", encoding="utf-8") as fh:
        schema = json.load(fh)
    with open(VECTORS, "r", encoding="utf-8") as fh:
        vectors = json.load(fh)
    outputs = {HEADER_OUT: render_header(schema), VECTORS_OUT: render_vectors(schema, vectors)}
    stale = []
    for path, text in outputs.items():
        data = text.encode("utf-8")
        current = open(path, "rb").read() if os.path.exists(path) else None
        if current == data:
            continue
        if args.check:
            stale.append(os.path.relpath(path, os.path.join(HERE, os.pardir, os.pardir)))
        else:
            with open(path, "wb") as fh:
                fh.write(data)
            print("wrote %s" % path)
    if stale:
        print("stale: %s (run python3 Protocols/c/generate.py)" % ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
