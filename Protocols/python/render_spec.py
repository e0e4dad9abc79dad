#!/usr/bin/env python3
"""Render the schema-derived part of Protocols/README.md from Protocols/schema.json.

    python3 Protocols/python/render_spec.py          # rewrite README.md between the markers
    python3 Protocols/python/render_spec.py --check  # exit 1 if README.md is out of date

Only the text between "<!-- BEGIN GENERATED -->" and "<!-- END GENERATED -->"
is touched: the header and trailer tables, the message index, one field table
per message type, the enum tables, the joint order, and the worked example.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet_protocol as fp  # noqa: E402

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "README.md")
BEGIN = "<!-- BEGIN GENERATED -->"
END = "<!-- END GENERATED -->"


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def type_text(spec):
    return "%s[%d]" % (spec["type"], spec["count"]) if spec.get("count") else spec["type"]


def num(v):
    return ("%g" % v) if isinstance(v, float) else str(v)


def meaning(spec):
    parts = [spec.get("description", "")]
    if spec.get("enum"):
        parts.append("Enum [`%s`](#enum-%s)." % (spec["enum"], spec["enum"]))
    if spec["type"] == "bool":
        parts.append("0 or 1.")
    lo, hi = spec.get("min"), spec.get("max")
    if lo is not None and hi is not None:
        parts.append("Range %s..%s." % (num(lo), num(hi)))
    elif lo is not None:
        parts.append("Min %s." % num(lo))
    elif hi is not None:
        parts.append("Max %s." % num(hi))
    if spec["type"] in ("f32", "f64"):
        parts.append("NaN allowed (never ±Inf)." if spec.get("nan_allowed") else "Finite.")
    return " ".join(p for p in parts if p)


def field_table(fields, with_offset=True):
    rows = ["| offset | name | type | unit | meaning |", "|---:|---|---|---|---|"]
    for f in fields:
        rows.append("| %s | %s | %s | %s | %s |" % (
            f.get("offset", ""), "`%s`" % f["name"], type_text(f), cell(f.get("unit") or ""), cell(meaning(f))))
    return rows


def worked_example(codec):
    body = {"code": 2, "severity": "warning", "active": True}
    kw = dict(robot_id=42, boot_epoch=3, sequence=101, timestamp_ns=1767225600000000001, flags=0)
    frame = codec.encode("fault", body, **kw)
    msg = codec.schema.by_name["fault"]
    out = []
    out.append("A `fault` frame (type %d = 0x%02x) from robot 42, boot epoch 3, sequence 101, "
               "timestamp 1767225600000000001 ns (2026-01-01T00:00:00.000000001Z), body "
               "`{\"code\": 2, \"severity\": \"warning\", \"active\": true}`; %d bytes:"
               % (msg.id, msg.id, len(frame)))
    out.append("")
    out.append("```")
    for i in range(0, len(frame), 16):
        chunk = frame[i:i + 16]
        out.append("%04x  %s" % (i, " ".join("%02x" % b for b in chunk)))
    out.append("```")
    out.append("")
    out.append("| bytes | field | hex (as sent) | value |")
    out.append("|---|---|---|---|")

    def row(start, size, name, value):
        out.append("| %d..%d | %s | `%s` | %s |" % (start, start + size - 1, name,
                                                    frame[start:start + size].hex(" "), value))

    h = fp.peek_header(frame)
    row(0, 2, "magic", '"FT"')
    row(2, 1, "version_major", h["version_major"])
    row(3, 1, "message_type", "%d (`fault`)" % h["message_type"])
    row(4, 1, "version_minor", h["version_minor"])
    row(5, 1, "flags", h["flags"])
    row(6, 2, "header_length", h["header_length"])
    row(8, 4, "robot_id", h["robot_id"])
    row(12, 4, "boot_epoch", h["boot_epoch"])
    row(16, 4, "sequence", h["sequence"])
    row(20, 4, "body_length", h["body_length"])
    row(24, 8, "timestamp_ns", h["timestamp_ns"])
    for f in msg.fields:
        v = body.get(f.name, 0)
        if f.enum_by_name:
            v = "%d (`%s`)" % (f.enum_by_name[v], v)
        elif f.is_bool:
            v = "%d (%s)" % (int(v), "true" if v else "false")
        row(32 + f.offset, f.size, "body.%s" % f.name, v)
    crc = int.from_bytes(frame[-4:], "little")
    row(len(frame) - 4, 4, "crc32", "0x%08x = zlib.crc32(bytes 0..%d)" % (crc, len(frame) - 5))
    out.append("")
    out.append("The first four bytes, `46 54 01 %02x`, are also the ZeroMQ topic of this frame." % msg.id)
    return out


def render(codec):
    doc = codec.schema.doc
    L = []
    L.append("")
    L.append("<!-- Generated from schema.json by python/render_spec.py; edit those, not this block. -->")
    L.append("")
    L.append("### Header (%d bytes)" % doc["header"]["size"])
    L.append("")
    L.extend(field_table(doc["header"]["fields"]))
    L.append("")
    L.append("### Trailer (%d bytes)" % doc["trailer"]["size"])
    L.append("")
    L.append("The trailer starts at offset `header_length + body_length`.")
    L.append("")
    L.extend(field_table([dict(f, offset="header_length + body_length") for f in doc["trailer"]["fields"]]))
    L.append("")
    L.append("### Message types")
    L.append("")
    L.append("Protocol version %d.%d. `size` is the body length in bytes; a frame is 32 + size + 4 bytes."
             % (codec.schema.major, codec.schema.minor))
    L.append("")
    L.append("| id | hex | topic (hex) | name | category | size | frame bytes | description |")
    L.append("|---:|---|---|---|---|---:|---:|---|")
    for m in doc["messages"]:
        L.append("| %d | 0x%02x | `465401%02x` | [`%s`](#%d-%s) | %s | %d | %d | %s |" % (
            m["id"], m["id"], m["id"], m["name"], m["id"], m["name"], m.get("category", ""),
            m["size"], m["size"] + 36, cell(m.get("description", ""))))
    L.append("")
    for m in doc["messages"]:
        L.append("#### %d %s" % (m["id"], m["name"]))
        L.append("")
        L.append("Type %d (0x%02x), category `%s`, body %d bytes. %s" % (
            m["id"], m["id"], m.get("category", ""), m["size"], m.get("description", "")))
        L.append("")
        L.extend(field_table(m["fields"]))
        L.append("")
    L.append("### Enums")
    L.append("")
    L.append("Enum fields are `u8`. A value not listed here is `unknown_enum_value`.")
    L.append("")
    for name, e in doc["enums"].items():
        L.append("#### enum %s" % name)
        L.append("")
        L.append(e.get("description", ""))
        L.append("")
        L.append("| value | name |")
        L.append("|---:|---|")
        for vname, v in sorted(e["values"].items(), key=lambda kv: kv[1]):
            L.append("| %d | `%s` |" % (v, vname))
        L.append("")
    L.append("### Joint order")
    L.append("")
    L.append("Element *i* of every `humanoid_state` joint array is this joint:")
    L.append("")
    L.append("| index | joint |")
    L.append("|---:|---|")
    for i, j in enumerate(doc.get("joints", [])):
        L.append("| %d | `%s` |" % (i, j))
    L.append("")
    L.append("### Worked example")
    L.append("")
    L.extend(worked_example(codec))
    L.append("")
    return "\n".join(L)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 if README.md is out of date")
    ap.add_argument("--readme", default=README)
    args = ap.parse_args(argv)
    with open(args.readme, "r", encoding="utf-8") as fh:
        text = fh.read()
    try:
        a = text.index(BEGIN) + len(BEGIN)
        b = text.index(END, a)
    except ValueError:
        print("%s: markers %s / %s not found" % (args.readme, BEGIN, END), file=sys.stderr)
        return 2
    new = text[:a] + "\n" + render(fp.Codec()) + "\n" + text[b:]
    if new == text:
        print("README.md up to date")
        return 0
    if args.check:
        print("README.md is out of date: run python3 Protocols/python/render_spec.py", file=sys.stderr)
        return 1
    with open(args.readme, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(new)
    print("README.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
