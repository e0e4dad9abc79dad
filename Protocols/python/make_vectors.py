#!/usr/bin/env python3
"""Write the golden vectors Protocols/vectors/valid.json and invalid.json.

    python3 Protocols/python/make_vectors.py          # (re)write the files
    python3 Protocols/python/make_vectors.py --check  # exit 1 if the committed files differ

Everything is deterministic (no randomness, no clock); values come from fixed
pools of numbers that are exact in their types. Conventions: see the
"Golden vectors" section of Protocols/README.md.
"""

import argparse
import json
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet_protocol as fp  # noqa: E402

VECTORS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "vectors")

BASE_TS = 1767225600000000000  # 2026-01-01T00:00:00Z in ns

# Floats exact in f32 (hence f64): short decimals, so JSON text is exact too.
FLOAT_POOL = [1.5, -0.25, 12.375, 0.5, -3.75, 42.0625, 7.0, -12.5, 0.125, 99.5, -0.5, 2.75,
              1024.25, -1.125, 3.5, 0.0]
NONNEG_POOL = [1.5, 12.375, 0.5, 42.0625, 7.0, 0.125, 99.5, 2.75, 3.5, 0.25, 0.0, 63.5]
UNIT_POOL = [0.5, -0.5, 0.25, -0.25, 0.75, 1.0, -0.125, 0.0]          # within [-1, 1]
PERCENT_POOL = [87.5, 12.25, 100.0, 0.0, 50.5, 33.375, 66.75, 5.125]  # within [0, 100]
F64_POOL = [1234.5678, -17.25, 0.1, 36.6, -0.001953125, 250000.75, 3.14159265358979, -88.8]
U32_POOL = [7, 123456, 0xDEADBEEF, 1, 4000000000, 65535, 42, 99999]
U64_POOL = [1234567890123456789, 18446744073709551615, 0, 77, 9007199254740993]


def field_value(f, k):
    """Deterministic valid value for field f, k-th draw."""
    if f.enum_by_name is not None:
        names = sorted(f.enum_by_name, key=f.enum_by_name.get)
        return names[k % len(names)]
    if f.is_bool:
        return k % 2 == 0
    if f.is_float:
        lo, hi = f.min, f.max
        if lo is not None and hi is not None:
            pool = UNIT_POOL if (lo, hi) == (-1, 1) else PERCENT_POOL
            pool = [v for v in pool if lo <= v <= hi]
        elif lo is not None:
            pool = [v for v in NONNEG_POOL if v >= lo]
        elif f.type == "f64":
            pool = F64_POOL
        else:
            pool = FLOAT_POOL
        v = pool[k % len(pool)]
        if f.type == "f32":
            assert struct.unpack("<f", struct.pack("<f", v))[0] == v, v
        return v
    lo, hi = fp._INT_RANGE[f.type]
    if f.min is not None:
        lo = max(lo, f.min)
    if f.max is not None:
        hi = min(hi, f.max)
    if f.type == "u64":
        v = U64_POOL[k % len(U64_POOL)]
    elif f.type == "u32":
        v = U32_POOL[k % len(U32_POOL)]
    else:
        v = lo + (k * 37 + 5) % (hi - lo + 1)
    return min(max(v, lo), hi)


def make_body(msg, seed):
    body = {}
    k = seed
    for f in msg.value_fields:
        if f.count:
            body[f.name] = [field_value(f, k + i) for i in range(f.count)]
            k += f.count
        else:
            body[f.name] = field_value(f, k)
            k += 1
    return body


def hexs(b):
    return b.hex()


def header_json(frame):
    h = fp.peek_header(frame)
    return {
        "robot_id": h["robot_id"], "boot_epoch": h["boot_epoch"], "sequence": h["sequence"],
        "timestamp_ns": h["timestamp_ns"], "flags": h["flags"],
        "version_major": h["version_major"], "version_minor": h["version_minor"],
        "message_type": h["message_type"],
        "header_length": h["header_length"], "body_length": h["body_length"],
    }


def valid_entry(codec, name, message, body, frame, decode_only=False, description=""):
    decoded = codec.decode(frame)
    assert decoded.message == message
    assert fp.body_to_json(decoded.body) == fp.body_to_json(body), (name, decoded.body, body)
    return {
        "name": name,
        "description": description,
        "message": message,
        "decode_only": decode_only,
        "header": header_json(frame),
        "body": fp.body_to_json(body),
        "hex": hexs(frame),
    }


def sender_for(msg, k):
    if msg.category == "referee_event":
        return 0xF0000001
    if msg.category == "control":
        return 0xFFFFFFFF
    return [1, 42, 1001, 0xEFFFFFFF][k % 4]


def build_valid(codec):
    s = codec.schema
    out = []
    seq = 0
    for k, msg in enumerate(s.messages):
        body = make_body(msg, k * 3)
        if msg.name == "heartbeat":
            body["frames_sent"] = seq  # what a sender writes: its own sequence number
        frame = codec.encode(msg.name, body, robot_id=sender_for(msg, k), boot_epoch=3, sequence=seq,
                             timestamp_ns=BASE_TS + seq * 1000000, flags=0)
        out.append(valid_entry(codec, msg.name, msg.name, body, frame,
                               description="Every field of %s set (values exact in their types)." % msg.name))
        seq += 1

    # Enum variety: a few more sanitation_state / humanoid_state bodies with other enum values.
    for j, mname in enumerate(["sanitation_state", "sanitation_state", "humanoid_state"]):
        msg = s.by_name[mname]
        body = make_body(msg, 100 + 7 * j)
        frame = codec.encode(mname, body, robot_id=42, boot_epoch=0, sequence=j, timestamp_ns=BASE_TS + j,
                             flags=1 if j == 2 else 0)
        out.append(valid_entry(codec, "%s_variant_%d" % (mname, j + 1), mname, body, frame,
                               description="Other enum values" + ("; flags bit 0 (simulated time) set." if j == 2 else ".")))

    # NaN where allowed.
    msg = s.by_name["sanitation_state"]
    body = make_body(msg, 5)
    body["battery_temperature"] = float("nan")
    frame = codec.encode("sanitation_state", body, robot_id=7, boot_epoch=12, sequence=4294967295,
                         timestamp_ns=BASE_TS + 123456789, flags=0)
    out.append(valid_entry(codec, "sanitation_state_nan_temperature", "sanitation_state", body, frame,
                           description="battery_temperature is NaN (allowed: not measured); encoded as quiet NaN "
                                       "0x7fc00000. Also: the largest sequence number."))
    msg = s.by_name["collision"]
    body = make_body(msg, 9)
    body["impulse"] = float("nan")
    frame = codec.encode("collision", body, robot_id=7, boot_epoch=12, sequence=5,
                         timestamp_ns=BASE_TS + 223456789, flags=0)
    out.append(valid_entry(codec, "collision_nan_impulse", "collision", body, frame,
                           description="impulse is NaN (allowed: not measured)."))

    # Newer minor: 8 extra trailing body bytes, ignored.
    msg = s.by_name["sanitation_state"]
    body = make_body(msg, 11)
    raw = codec.encode_body("sanitation_state", body) + bytes(range(0xA0, 0xA8))
    frame = fp.build_frame(msg.id, raw, robot_id=1001, boot_epoch=2, sequence=17, timestamp_ns=BASE_TS + 5,
                           version_minor=1)
    out.append(valid_entry(codec, "sanitation_state_minor1_extra_body", "sanitation_state", body, frame,
                           decode_only=True,
                           description="version_minor 1 (newer than the schema): body_length %d = 96 + 8 appended "
                                       "bytes a v1.0 receiver ignores." % len(raw)))
    # Newer minor with a longer header (header_length 40): the body starts at header_length.
    msg = s.by_name["fault"]
    body = make_body(msg, 2)
    raw = codec.encode_body("fault", body)
    frame = fp.build_frame(msg.id, raw, robot_id=1001, boot_epoch=2, sequence=18, timestamp_ns=BASE_TS + 6,
                           version_minor=1, header_length=40, header_extension=bytes(range(0xB0, 0xB8)))
    out.append(valid_entry(codec, "fault_minor1_long_header", "fault", body, frame, decode_only=True,
                           description="version_minor 1 with header_length 40: 8 unknown header bytes are skipped; "
                                       "the body starts at offset 40; the CRC covers all 44 bytes."))
    # The ends of the ranges: the largest timestamp, the largest infrastructure id, an
    # unnormalised heading.
    msg = s.by_name["fault"]
    frame = codec.encode("fault", {"code": 1, "severity": "info", "active": False}, robot_id=0xFFFFFFFE,
                         boot_epoch=1, sequence=0, timestamp_ns=fp.MAX_TIMESTAMP_NS, flags=0)
    out.append(valid_entry(codec, "fault_max_timestamp_max_infrastructure_id", "fault",
                           {"code": 1, "severity": "info", "active": False}, frame,
                           description="timestamp_ns 2^63-1 (the largest valid) from robot_id 0xfffffffe (the "
                                       "largest sender id other than the ingester's)."))
    msg = s.by_name["sanitation_state"]
    body = make_body(msg, 13)
    body["heading"] = 7.5
    frame = codec.encode("sanitation_state", body, robot_id=1, boot_epoch=1, sequence=1, timestamp_ns=BASE_TS + 8)
    out.append(valid_entry(codec, "sanitation_state_heading_unnormalised", "sanitation_state", body, frame,
                           description="heading 7.5 rad: senders normalise to (-pi, pi], receivers accept any "
                                       "finite angle."))
    # Reserved bytes that are not zero are ignored by receivers.
    msg = s.by_name["fall_observed"]
    body = make_body(msg, 4)
    raw = bytearray(codec.encode_body("fall_observed", body))
    raw[9:16] = b"\xff" * 7
    frame = fp.build_frame(msg.id, bytes(raw), robot_id=0xF0000001, boot_epoch=1, sequence=9, timestamp_ns=BASE_TS + 7)
    out.append(valid_entry(codec, "fall_observed_reserved_nonzero", "fall_observed", body, frame, decode_only=True,
                           description="Reserved bytes 9..15 are 0xff: receivers ignore reserved fields (senders "
                                       "write zero, so re-encoding gives different bytes)."))
    return out


def reframe(frame, **changes):
    """Rebuild a valid frame with header fields changed and the CRC recomputed."""
    h = fp.peek_header(frame)
    hlen = h["header_length"]
    body = frame[hlen:hlen + h["body_length"]]
    args = dict(robot_id=h["robot_id"], boot_epoch=h["boot_epoch"], sequence=h["sequence"],
                timestamp_ns=h["timestamp_ns"], flags=h["flags"], version_major=h["version_major"],
                version_minor=h["version_minor"], header_length=hlen, magic=h["magic"])
    body = changes.pop("body", body)
    message_type = changes.pop("message_type", h["message_type"])
    args.update(changes)
    return fp.build_frame(message_type, body, **args)


def patch_body(codec, frame, field, raw_bytes, index=0):
    """Overwrite field (element index) of the body with raw bytes; CRC recomputed."""
    h = fp.peek_header(frame)
    msg = codec.schema.by_id[h["message_type"]]
    f = next(f for f in msg.fields if f.name == field)
    body = bytearray(frame[32:32 + h["body_length"]])
    elem = f.size // (f.count or 1)
    assert len(raw_bytes) == elem
    at = f.offset + index * elem
    body[at:at + elem] = raw_bytes
    return reframe(frame, body=bytes(body))


def generated(prefix, length, fill_byte=0, append_crc=True):
    """Expand the "generate" rule (also documented in README.md)."""
    pad = length - len(prefix) - (4 if append_crc else 0)
    data = prefix + bytes([fill_byte]) * pad
    if append_crc:
        data += struct.pack("<I", zlib.crc32(data) & 0xFFFFFFFF)
    assert len(data) == length
    return data


def build_invalid(codec):
    s = codec.schema
    out = []

    def add(name, description, frame, code, message_type=None, field=None, generate=None):
        try:
            codec.decode(frame)
        except fp.ProtocolError as e:
            got = (e.code, e.message_type, e.field)
        else:
            got = None
        want = (code, message_type, field)
        assert got == want, (name, got, want)
        entry = {"name": name, "description": description}
        if generate is not None:
            entry["generate"] = generate
        else:
            entry["hex"] = hexs(frame)
        entry["error"] = {"code": code, "message_type": message_type, "field": field}
        out.append(entry)

    san = s.by_name["sanitation_state"]
    san_body = make_body(san, 0)
    san_body.update(battery_soc=87.5, status="cleaning", mode="auto", brush_down=True, spraying=False)
    good = codec.encode("sanitation_state", san_body, robot_id=42, boot_epoch=3, sequence=100,
                        timestamp_ns=BASE_TS, flags=0)
    fault = codec.encode("fault", {"code": 2, "severity": "warning", "active": True}, robot_id=42, boot_epoch=3,
                         sequence=101, timestamp_ns=BASE_TS + 1, flags=0)
    hum = codec.encode("humanoid_state", make_body(s.by_name["humanoid_state"], 0), robot_id=43, boot_epoch=1,
                       sequence=0, timestamp_ns=BASE_TS + 2, flags=0)
    hl = 32

    # -- oversized
    big_blen = 65537 - hl - 4
    prefix = fp.build_frame(san.id, b"", robot_id=42, boot_epoch=3, sequence=1, timestamp_ns=BASE_TS,
                            body_length=big_blen)[:hl]
    frame = generated(prefix, 65537)
    add("oversized", "65537 bytes: an otherwise consistent frame (body_length %d, CRC valid) one byte over "
        "max_frame_bytes." % big_blen, frame, "oversized",
        generate={"length": 65537, "prefix_hex": hexs(prefix), "fill_byte": 0, "append_crc": True})
    # (the limit itself is inclusive: a 65536-byte frame passes the size check)
    prefix = fp.build_frame(0x7F, b"", robot_id=42, boot_epoch=3, sequence=2, timestamp_ns=BASE_TS,
                            body_length=65536 - hl - 4)[:hl]
    frame = generated(prefix, 65536)
    add("max_size_unknown_type", "Exactly 65536 bytes (the limit is inclusive), valid CRC, message type 0x7f: "
        "passes the size check and is then skipped as an unknown type.", frame, "unknown_message_type",
        generate={"length": 65536, "prefix_hex": hexs(prefix), "fill_byte": 0, "append_crc": True})

    # -- truncated header
    add("truncated_header_20", "The first 20 bytes of a valid frame.", good[:20], "truncated_header")
    add("truncated_header_empty", "An empty message part.", b"", "truncated_header")
    long_hdr = fp.build_frame(s.by_name["fault"].id, b"", robot_id=42, boot_epoch=3, sequence=1,
                              timestamp_ns=BASE_TS, header_length=64, body_length=0, version_minor=1)[:hl] + b"\0" * 4
    add("truncated_header_length", "36 bytes, but header_length says 64.", long_hdr, "truncated_header")

    # -- bad magic
    add("bad_magic", "Magic \"FX\" instead of \"FT\" (CRC recomputed).", reframe(good, magic=b"FX"), "bad_magic")
    add("bad_magic_before_checksum", "Magic \"ft\" and a wrong CRC: bad_magic is checked first.",
        b"ft" + good[2:-4] + b"\0\0\0\0", "bad_magic")

    # -- version
    add("unsupported_major_2", "version_major 2 (CRC recomputed).", reframe(good, version_major=2), "unsupported_version")
    add("unsupported_major_0", "version_major 0 (CRC recomputed).", reframe(fault, version_major=0), "unsupported_version")

    # -- header length
    add("bad_header_length_16", "header_length 16 (< 32) in a 40-byte frame.", reframe(fault, header_length=16),
        "bad_header_length")

    add("header_length_40_minor_0", "header_length 40 with version_minor 0: only a newer minor may extend the "
        "header (CRC recomputed).", reframe(fault, header_length=40), "bad_header_length")

    # -- truncated body / trailing bytes
    add("truncated_body", "A valid sanitation_state frame without its last 5 bytes.", good[:-5], "truncated_body")
    add("truncated_body_no_trailer", "A valid fault frame without its 4-byte trailer.", fault[:-4], "truncated_body")
    add("trailing_bytes", "A valid fault frame followed by 3 extra bytes.", fault + b"\x00\x01\x02", "length_mismatch")
    add("body_length_too_small_for_frame", "body_length says 0 but the frame carries a 4-byte body (CRC over the "
        "bytes the header claims).", reframe(fault, body=b"") + b"\x00" * 4, "length_mismatch")

    # -- checksum
    add("bad_checksum_trailer", "A valid frame with one bit of the trailer flipped.",
        good[:-1] + bytes([good[-1] ^ 0x01]), "bad_checksum")
    flipped = bytearray(good)
    flipped[40] ^= 0x80
    add("bad_checksum_body", "A valid frame with one body bit flipped (CRC not updated).", bytes(flipped),
        "bad_checksum")
    unk = fp.build_frame(0x7F, b"\x01\x02\x03\x04", robot_id=42, boot_epoch=3, sequence=7, timestamp_ns=BASE_TS)
    add("bad_checksum_unknown_type", "Unknown message type 0x7f AND a wrong CRC: the checksum is checked first.",
        unk[:-4] + b"\xde\xad\xbe\xef", "bad_checksum")

    # -- sender and time
    add("robot_id_0", "robot_id 0 (never a sender), CRC valid.", reframe(fault, robot_id=0), "invalid_robot_id")
    add("ingester_id_on_state", "robot_id 0xffffffff (the ingester's, for ack frames only) on a sanitation_state.",
        reframe(good, robot_id=0xFFFFFFFF), "invalid_robot_id")
    add("timestamp_2_63", "timestamp_ns 2^63: one above the largest valid.",
        reframe(fault, timestamp_ns=fp.MAX_TIMESTAMP_NS + 1), "invalid_timestamp")
    add("timestamp_max_u64", "timestamp_ns 2^64-1.", reframe(fault, timestamp_ns=0xFFFFFFFFFFFFFFFF),
        "invalid_timestamp")

    # -- unknown type
    add("unknown_message_type", "Message type 0x7f with a 4-byte body and a valid CRC: skip and count.", unk,
        "unknown_message_type")
    add("unknown_message_type_0", "Message type 0 (never assigned), empty body, valid CRC.",
        fp.build_frame(0, b"", robot_id=42, boot_epoch=3, sequence=8, timestamp_ns=BASE_TS), "unknown_message_type")

    # -- body length
    add("bad_body_length_long", "fault (4-byte body) with body_length 8 and 8 body bytes, minor 0, CRC valid.",
        reframe(fault, body=fault[32:36] + b"\0\0\0\0"), "bad_body_length", "fault")
    add("bad_body_length_short", "sanitation_state with body_length 95 (one byte short), minor 0, CRC valid.",
        reframe(good, body=good[32:32 + 95]), "bad_body_length", "sanitation_state")
    add("bad_body_length_newer_minor_short", "version_minor 1 may append bytes but not drop them: fault with a "
        "2-byte body.", reframe(fault, body=fault[32:34], version_minor=1), "bad_body_length", "fault")

    # -- field values
    nan32 = struct.pack("<f", float("nan"))
    nan64 = struct.pack("<d", float("nan"))
    add("nan_not_allowed_f64", "sanitation_state.x is NaN (x does not allow NaN).",
        patch_body(codec, good, "x", nan64), "invalid_value", "sanitation_state", "x")
    add("nan_not_allowed_f32", "sanitation_state.speed is NaN.",
        patch_body(codec, good, "speed", nan32), "invalid_value", "sanitation_state", "speed")
    add("nan_payload_not_allowed", "sanitation_state.heading is a signalling NaN with a payload (0x7f800001).",
        patch_body(codec, good, "heading", struct.pack("<I", 0x7F800001)), "invalid_value", "sanitation_state", "heading")
    add("inf_in_nan_allowed_field", "sanitation_state.battery_temperature is +Inf: NaN is allowed there, Inf never.",
        patch_body(codec, good, "battery_temperature", struct.pack("<f", float("inf"))),
        "invalid_value", "sanitation_state", "battery_temperature")
    add("neg_inf", "sanitation_state.energy_used is -Inf.",
        patch_body(codec, good, "energy_used", struct.pack("<d", float("-inf"))),
        "invalid_value", "sanitation_state", "energy_used")
    add("battery_soc_150", "sanitation_state.battery_soc is 150 (max 100).",
        patch_body(codec, good, "battery_soc", struct.pack("<f", 150.0)),
        "invalid_value", "sanitation_state", "battery_soc")
    add("brush_rpm_negative", "sanitation_state.brush_rpm is -1 (min 0).",
        patch_body(codec, good, "brush_rpm", struct.pack("<f", -1.0)),
        "invalid_value", "sanitation_state", "brush_rpm")
    add("bool_2", "sanitation_state.brush_down is 2 (bool must be 0 or 1).",
        patch_body(codec, good, "brush_down", b"\x02"), "invalid_value", "sanitation_state", "brush_down")
    add("unknown_enum_status_8", "sanitation_state.status is 8 (sanitation_status has 0..7).",
        patch_body(codec, good, "status", b"\x08"), "unknown_enum_value", "sanitation_state", "status")
    add("unknown_enum_mode_255", "sanitation_state.mode is 255.",
        patch_body(codec, good, "mode", b"\xff"), "unknown_enum_value", "sanitation_state", "mode")
    two = patch_body(codec, good, "suction", struct.pack("<f", 101.0))
    two = patch_body(codec, two, "status", b"\x09")
    add("first_bad_field_wins", "suction 101 (offset 56) and status 9 (offset 93): fields are checked in offset "
        "order, so suction is reported.", two, "invalid_value", "sanitation_state", "suction")
    two = patch_body(codec, good, "mode", b"\xff")
    two = patch_body(codec, two, "brush_down", b"\x02")
    add("enum_before_value_wins", "mode 255 (offset 92) and brush_down 2 (offset 94): value and enum checks run "
        "together in offset order, so the enum error is reported.", two, "unknown_enum_value", "sanitation_state",
        "mode")
    add("array_element_nan", "humanoid_state.joint_position[5] is NaN: the error names the array field.",
        patch_body(codec, hum, "joint_position", nan32, index=5), "invalid_value", "humanoid_state", "joint_position")
    add("quaternion_out_of_range", "humanoid_state.orientation_w is 1.5 (range -1..1).",
        patch_body(codec, hum, "orientation_w", struct.pack("<f", 1.5)),
        "invalid_value", "humanoid_state", "orientation_w")
    lc = codec.encode("litter_collected", make_body(s.by_name["litter_collected"], 0), robot_id=0xF0000001,
                      boot_epoch=1, sequence=3, timestamp_ns=BASE_TS)
    add("integer_above_max", "litter_collected.rating is 6 (max 5).",
        patch_body(codec, lc, "rating", b"\x06"), "invalid_value", "litter_collected", "rating")
    ct = codec.encode("contact", make_body(s.by_name["contact"], 0), robot_id=0xF0000001, boot_epoch=1,
                      sequence=4, timestamp_ns=BASE_TS)
    add("unknown_enum_zero", "contact.contact is 0: contact_class has no value 0.",
        patch_body(codec, ct, "contact", b"\x00"), "unknown_enum_value", "contact", "contact")
    add("newer_minor_bad_value", "version_minor 1 with 8 appended bytes, but fault.active is 3: known fields are "
        "still validated.", reframe(fault, body=fault[32:35] + b"\x03" + b"\0" * 8, version_minor=1),
        "invalid_value", "fault", "active")
    return out


def build_recording(codec, valid):
    """A tiny recording of three valid vectors, for the recording-format readers."""
    import io
    frames = [bytes.fromhex(v["hex"]) for v in valid[:3]]
    offsets = [0, 100000000, 100000000]
    buf = io.BytesIO()
    fp.write_recording(buf, zip(offsets, frames), start_unix_ns=BASE_TS)
    data = buf.getvalue()
    rec = fp.read_recording(io.BytesIO(data), strict=True)
    assert rec.records == list(zip(offsets, frames))
    return {
        "description": "A recording (format version 1) of the first three valid vectors.",
        "start_unix_ns": BASE_TS,
        "records": [{"offset_ns": o, "vector": v["name"]} for o, v in zip(offsets, valid[:3])],
        "hex": hexs(data),
    }


def render(obj):
    return json.dumps(obj, indent=1, ensure_ascii=True, allow_nan=False) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed vectors differ")
    ap.add_argument("--out", default=VECTORS_DIR, help="vectors directory (default: %(default)s)")
    args = ap.parse_args(argv)
    codec = fp.Codec()
    valid = build_valid(codec)
    files = {
        "valid.json": render(valid),
        "invalid.json": render(build_invalid(codec)),
        "recording.json": render(build_recording(codec, valid)),
    }
    stale = []
    for name, text in files.items():
        path = os.path.join(args.out, name)
        try:
            with open(path, "r", encoding="utf-8") as fh:
                current = fh.read()
        except FileNotFoundError:
            current = None
        if current != text:
            stale.append(name)
            if not args.check:
                os.makedirs(args.out, exist_ok=True)
                with open(path, "w", encoding="utf-8", newline="\n") as fh:
                    fh.write(text)
    if args.check:
        if stale:
            print("vectors out of date: %s (run make_vectors.py)" % ", ".join(stale), file=sys.stderr)
            return 1
        print("vectors up to date")
        return 0
    print("wrote %s" % (", ".join(stale) if stale else "nothing (up to date)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
