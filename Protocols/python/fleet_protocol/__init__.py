"""Fleet Telemetry wire protocol: reference codec (Python stdlib only).

Everything here is driven by ``Protocols/schema.json``; there is no code
specific to any message type. See ``Protocols/README.md`` for the spec.

    >>> import fleet_protocol as fp
    >>> frame = fp.encode("fault", {"code": 1, "severity": "error", "active": True},
    ...                   robot_id=7, boot_epoch=1, sequence=0, timestamp_ns=0)
    >>> fp.decode(frame).body
    {'code': 1, 'severity': 'error', 'active': True}

Value representation (decode() output and encode() input):
  * integers -> int; floats -> float (f32 values are widened exactly);
  * bool fields -> True / False;
  * enum fields -> the enum value's name (str);
  * arrays (fields with "count") -> list;
  * reserved fields -> omitted (written as zero, ignored on read).

JSON representation (vectors, publish.py --dump, subscribe.py): the same,
except that non-finite floats are the strings "NaN", "Infinity",
"-Infinity" (see to_json_value / from_json_value). encode() accepts those
strings for float fields too.

Works on any Python >= 3.9. The codec needs only the standard library; the transport
classes need pyzmq and are imported on first use:

  * ``fleet_protocol.Publisher``: pub mode (fleet_protocol/publisher.py);
  * ``fleet_protocol.ReliableClient``: reliable mode, resend window, acks, reconnects
    (fleet_protocol/reliable.py).

Installable: ``pip install ./Protocols/python`` (the package carries its copy of schema.json).
"""

import json
import math
import os
import struct
import zlib
from typing import Any, BinaryIO, Dict, Iterable, Iterator, List, NamedTuple, Optional, Tuple, Union

__all__ = [
    "ProtocolError", "Frame", "Schema", "Codec", "load_schema", "default_codec",
    "encode", "decode", "encode_body", "build_frame", "peek_header",
    "to_json_value", "from_json_value", "body_to_json", "body_from_json",
    "frame_to_json", "read_recording", "write_recording", "RecordingWriter",
    "RECORDING_MAGIC", "RECORDING_VERSION", "RECORDING_HEADER_SIZE",
    "ERROR_CODES", "INGESTER_ROBOT_ID", "MAX_TIMESTAMP_NS", "ack_settles",
    "Publisher", "ReliableClient", "ReliableStatistics", "CurveKeys",
]


def __getattr__(name: str) -> Any:
    """The transport classes, imported on first use so the codec works without pyzmq."""
    if name == "Publisher":
        from .publisher import Publisher
        return Publisher
    if name in ("ReliableClient", "ReliableStatistics", "CurveKeys"):
        from . import reliable
        return getattr(reliable, name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))

# The ingester's robot id: the sender of ack frames, and of nothing else.
INGESTER_ROBOT_ID = 0xFFFFFFFF
# Largest valid timestamp_ns: 2^63 - 1 (fits a signed 64-bit integer).
MAX_TIMESTAMP_NS = 0x7FFFFFFFFFFFFFFF

# Stable error codes, in the order the checks happen.
ERROR_CODES = (
    "oversized",
    "truncated_header",
    "bad_magic",
    "unsupported_version",
    "bad_header_length",
    "truncated_body",
    "length_mismatch",
    "bad_checksum",
    "invalid_robot_id",
    "invalid_timestamp",
    "unknown_message_type",
    "bad_body_length",
    "invalid_value",
    "unknown_enum_value",
)

_STRUCT = {
    "u8": "B", "i8": "b", "bool": "B",
    "u16": "H", "i16": "h",
    "u32": "I", "i32": "i", "f32": "f",
    "u64": "Q", "i64": "q", "f64": "d",
}
_INT_RANGE = {
    "u8": (0, 0xFF), "i8": (-0x80, 0x7F), "bool": (0, 1),
    "u16": (0, 0xFFFF), "i16": (-0x8000, 0x7FFF),
    "u32": (0, 0xFFFFFFFF), "i32": (-0x80000000, 0x7FFFFFFF),
    "u64": (0, 0xFFFFFFFFFFFFFFFF), "i64": (-0x8000000000000000, 0x7FFFFFFFFFFFFFFF),
}

_HEADER = struct.Struct("<2sBBBBHIIIIQ")  # 32 bytes
HEADER_SIZE = 32
TRAILER_SIZE = 4
_HEADER_KEYS = ("version_major", "message_type", "version_minor", "flags", "header_length",
                "robot_id", "boot_epoch", "sequence", "body_length", "timestamp_ns")


class ProtocolError(ValueError):
    """A frame (or a value to encode) that breaks the protocol.

    code:         one of ERROR_CODES (encode() may also raise "missing_field",
                  "unknown_field" and "unknown_message_name", which exist only
                  on the encoding side);
    message_type: the message type's name, or None when not known (always None
                  for the frame-level codes oversized .. unknown_message_type);
    field:        the field's name (invalid_value, unknown_enum_value), else None;
    reason:       human-readable explanation (not stable; do not compare).
    """

    def __init__(self, code: str, message_type: Optional[str], field: Optional[str], reason: str):
        super().__init__("%s%s%s: %s" % (
            code,
            " [%s]" % message_type if message_type else "",
            " .%s" % field if field else "",
            reason))
        self.code = code
        self.message_type = message_type
        self.field = field
        self.reason = reason

    def to_dict(self) -> Dict[str, Any]:
        return {"code": self.code, "message_type": self.message_type,
                "field": self.field, "reason": self.reason}


class Frame(NamedTuple):
    header: Dict[str, int]   # version_major, message_type (id), version_minor, flags,
                             # header_length, robot_id, boot_epoch, sequence,
                             # body_length, timestamp_ns, crc32
    message: str             # message type name
    body: Dict[str, Any]     # field name -> value (reserved fields omitted)


# ---------------------------------------------------------------- schema

class _Field(object):
    __slots__ = ("name", "type", "fmt", "size", "count", "offset", "reserved",
                 "enum_name", "enum_by_name", "enum_by_value", "min", "max",
                 "nan_allowed", "is_float", "is_bool")

    def __init__(self, spec: Dict[str, Any], enums: Dict[str, Any], type_sizes: Dict[str, int]):
        self.name = spec["name"]
        self.type = spec["type"]
        if self.type not in _STRUCT:
            raise ValueError("schema: unknown type %r" % self.type)
        self.count = spec.get("count")
        n = self.count or 1
        self.fmt = struct.Struct("<%d%s" % (n, _STRUCT[self.type]))
        self.size = type_sizes[self.type] * n
        self.offset = spec["offset"]
        self.reserved = self.name == "reserved"
        self.is_float = self.type in ("f32", "f64")
        self.is_bool = self.type == "bool"
        self.nan_allowed = bool(spec.get("nan_allowed", False))
        self.min = spec.get("min")
        self.max = spec.get("max")
        self.enum_name = spec.get("enum")
        if self.enum_name is not None:
            values = enums[self.enum_name]["values"]
            self.enum_by_name: Optional[Dict[str, int]] = dict(values)
            self.enum_by_value: Optional[Dict[int, str]] = {v: k for k, v in values.items()}
        else:
            self.enum_by_name = self.enum_by_value = None


class _Message(object):
    __slots__ = ("id", "name", "size", "category", "fields", "value_fields")

    def __init__(self, spec: Dict[str, Any], enums: Dict[str, Any], type_sizes: Dict[str, int]):
        self.id = spec["id"]
        self.name = spec["name"]
        self.size = spec["size"]
        self.category = spec.get("category")
        self.fields = [_Field(f, enums, type_sizes) for f in spec["fields"]]
        self.value_fields = [f for f in self.fields if not f.reserved]


class Schema(object):
    """Parsed schema.json."""

    def __init__(self, doc: Dict[str, Any]):
        self.doc = doc
        self.major = doc["version"]["major"]
        self.minor = doc["version"]["minor"]
        self.magic = doc["header"]["magic"].encode("ascii")
        self.header_size = doc["header"]["size"]
        self.trailer_size = doc["trailer"]["size"]
        self.max_frame_bytes = doc["limits"]["max_frame_bytes"]
        if (self.header_size, self.trailer_size, doc["byte_order"]) != (HEADER_SIZE, TRAILER_SIZE, "little"):
            raise ValueError("schema: this codec implements a 32-byte little-endian header and 4-byte trailer")
        sizes = doc["types"]
        self.messages = [_Message(m, doc["enums"], sizes) for m in doc["messages"]]
        self.by_id = {m.id: m for m in self.messages}
        self.by_name = {m.name: m for m in self.messages}
        if len(self.by_id) != len(self.messages) or len(self.by_name) != len(self.messages):
            raise ValueError("schema: duplicate message id or name")
        for m in self.messages:
            end = 0
            for f in m.fields:
                if f.offset != end:
                    raise ValueError("schema: %s.%s at offset %d, expected %d" % (m.name, f.name, f.offset, end))
                end += f.size
            if end != m.size:
                raise ValueError("schema: %s fields cover %d bytes, size says %d" % (m.name, end, m.size))


def default_schema_path() -> str:
    """$FLEET_PROTOCOL_SCHEMA, else schema.json next to this file, else ../schema.json."""
    env = os.environ.get("FLEET_PROTOCOL_SCHEMA")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(here, "schema.json"), os.path.join(here, os.pardir, "schema.json")):
        if os.path.exists(candidate):
            return os.path.normpath(candidate)
    raise FileNotFoundError("schema.json not found next to %s or in its parent" % here)


def load_schema(path: Optional[str] = None) -> Schema:
    with open(path or default_schema_path(), "r", encoding="utf-8") as fh:
        return Schema(json.load(fh))


# ---------------------------------------------------------------- raw frames

def build_frame(message_type: int, body: bytes, *, robot_id: int, boot_epoch: int, sequence: int,
                timestamp_ns: int, flags: int = 0, version_major: int = 1, version_minor: int = 0,
                header_length: int = HEADER_SIZE, body_length: Optional[int] = None,
                magic: bytes = b"FT", header_extension: bytes = b"", crc: Optional[int] = None) -> bytes:
    """Assemble a frame from raw parts WITHOUT validation (for tests and vectors).

    header_extension: bytes appended after the 32-byte header (a newer minor's
    longer header); header_length is NOT derived from it, pass it yourself.
    body_length defaults to len(body); crc defaults to the correct CRC-32.
    """
    if body_length is None:
        body_length = len(body)
    head = _HEADER.pack(magic, version_major, message_type, version_minor, flags, header_length,
                        robot_id, boot_epoch, sequence, body_length, timestamp_ns)
    data = head + header_extension + body
    if crc is None:
        crc = zlib.crc32(data) & 0xFFFFFFFF
    return data + struct.pack("<I", crc)


def peek_header(frame: bytes) -> Dict[str, int]:
    """Unpack the first 32 bytes as a header, with no validation at all."""
    magic, *rest = _HEADER.unpack_from(frame, 0)
    d = dict(zip(_HEADER_KEYS, rest))
    d["magic"] = magic
    return d


# ---------------------------------------------------------------- codec

class Codec(object):
    def __init__(self, schema: Optional[Union[Schema, Dict[str, Any], str]] = None):
        if schema is None or isinstance(schema, str):
            schema = load_schema(schema)
        elif isinstance(schema, dict):
            schema = Schema(schema)
        self.schema = schema

    # -- encoding

    def encode_body(self, message_name: str, body: Dict[str, Any], *, validate: bool = True) -> bytes:
        """The body bytes of message_name. Raises ProtocolError for bad input."""
        msg = self.schema.by_name.get(message_name)
        if msg is None:
            raise ProtocolError("unknown_message_name", None, None, "no message type named %r" % message_name)
        known = {f.name for f in msg.value_fields}
        for key in body:
            if key not in known:
                raise ProtocolError("unknown_field", msg.name, key, "%s has no field %r" % (msg.name, key))
        buf = bytearray(msg.size)
        for f in msg.value_fields:
            if f.name not in body:
                raise ProtocolError("missing_field", msg.name, f.name, "field %r is required" % f.name)
            value = body[f.name]
            if f.count:
                if not isinstance(value, (list, tuple)) or len(value) != f.count:
                    raise ProtocolError("invalid_value", msg.name, f.name,
                                        "expected a list of %d values" % f.count)
                raw = [self._raw_value(msg, f, v) for v in value]
            else:
                raw = [self._raw_value(msg, f, value)]
            try:
                f.fmt.pack_into(buf, f.offset, *raw)
            except (struct.error, OverflowError) as exc:
                raise ProtocolError("invalid_value", msg.name, f.name, "cannot store as %s: %s" % (f.type, exc))
        body_bytes = bytes(buf)
        if validate:
            self._decode_body(msg, body_bytes, 0)  # the decoder's checks, on the exact stored values
        return body_bytes

    @staticmethod
    def _raw_value(msg: "_Message", f: _Field, v: Any) -> Any:
        if f.enum_by_name is not None:
            if isinstance(v, str):
                if v not in f.enum_by_name:
                    raise ProtocolError("unknown_enum_value", msg.name, f.name,
                                        "%r is not a %s value" % (v, f.enum_name))
                return f.enum_by_name[v]
            if isinstance(v, int) and not isinstance(v, bool):
                return v  # numeric enum value; checked by validation
            raise ProtocolError("invalid_value", msg.name, f.name, "enum value must be a name, got %r" % (v,))
        if f.is_bool:
            if isinstance(v, bool) or v in (0, 1):
                return int(v)
            raise ProtocolError("invalid_value", msg.name, f.name, "bool must be true/false, got %r" % (v,))
        if f.is_float:
            if isinstance(v, str):
                v = from_json_value(v)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ProtocolError("invalid_value", msg.name, f.name, "expected a number, got %r" % (v,))
            return float(v)
        if isinstance(v, bool) or not isinstance(v, int):
            raise ProtocolError("invalid_value", msg.name, f.name, "expected an integer, got %r" % (v,))
        lo, hi = _INT_RANGE[f.type]
        if not lo <= v <= hi:
            raise ProtocolError("invalid_value", msg.name, f.name, "%d does not fit in %s" % (v, f.type))
        return v

    def encode(self, message_name: str, body: Dict[str, Any], *, robot_id: int, boot_epoch: int,
               sequence: int, timestamp_ns: int, flags: int = 0) -> bytes:
        """A complete, valid frame (this schema's version) carrying body."""
        msg = self.schema.by_name.get(message_name)
        if msg is None:
            raise ProtocolError("unknown_message_name", None, None, "no message type named %r" % message_name)
        for name, value, bits in (("robot_id", robot_id, 32), ("boot_epoch", boot_epoch, 32),
                                  ("sequence", sequence, 32), ("timestamp_ns", timestamp_ns, 64),
                                  ("flags", flags, 8)):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < (1 << bits):
                raise ProtocolError("invalid_value", msg.name, name, "header %s %r is not a u%d" % (name, value, bits))
        body_bytes = self.encode_body(message_name, body)
        frame = build_frame(msg.id, body_bytes, robot_id=robot_id, boot_epoch=boot_epoch, sequence=sequence,
                            timestamp_ns=timestamp_ns, flags=flags, version_major=self.schema.major,
                            version_minor=self.schema.minor, magic=self.schema.magic)
        if len(frame) > self.schema.max_frame_bytes:
            raise ProtocolError("oversized", msg.name, None, "frame would be %d bytes" % len(frame))
        return frame

    # -- decoding

    def decode(self, frame: Union[bytes, bytearray, memoryview]) -> Frame:
        """Validate and decode one frame; raises ProtocolError (see ERROR_CODES for the order)."""
        frame = bytes(frame)
        s = self.schema
        n = len(frame)
        if n > s.max_frame_bytes:
            raise ProtocolError("oversized", None, None, "frame is %d bytes, limit %d" % (n, s.max_frame_bytes))
        if n < HEADER_SIZE:
            raise ProtocolError("truncated_header", None, None, "frame is %d bytes, header needs %d" % (n, HEADER_SIZE))
        magic, major, type_id, minor, flags, hlen, robot_id, boot_epoch, seq, blen, ts = _HEADER.unpack_from(frame, 0)
        if n < hlen:
            raise ProtocolError("truncated_header", None, None, "frame is %d bytes, header_length says %d" % (n, hlen))
        if magic != s.magic:
            raise ProtocolError("bad_magic", None, None, "magic is %r, expected %r" % (magic, s.magic))
        if major != s.major:
            raise ProtocolError("unsupported_version", None, None,
                                "major version %d, this decoder knows %d" % (major, s.major))
        if hlen < HEADER_SIZE:
            raise ProtocolError("bad_header_length", None, None, "header_length %d < %d" % (hlen, HEADER_SIZE))
        if minor <= s.minor and hlen != HEADER_SIZE:
            raise ProtocolError("bad_header_length", None, None,
                                "header_length %d with version_minor %d: only a newer minor extends the header"
                                % (hlen, minor))
        expected = hlen + blen + TRAILER_SIZE
        if n < expected:
            raise ProtocolError("truncated_body", None, None,
                                "frame is %d bytes, header says %d (+%d body)" % (n, expected, blen))
        if n > expected:
            raise ProtocolError("length_mismatch", None, None,
                                "frame is %d bytes, header says %d (%d extra)" % (n, expected, n - expected))
        (crc,) = struct.unpack_from("<I", frame, hlen + blen)
        actual = zlib.crc32(memoryview(frame)[:hlen + blen]) & 0xFFFFFFFF
        if crc != actual:
            raise ProtocolError("bad_checksum", None, None, "trailer 0x%08x, computed 0x%08x" % (crc, actual))
        if robot_id == 0:
            raise ProtocolError("invalid_robot_id", None, None, "robot_id 0 is never a sender")
        if robot_id == INGESTER_ROBOT_ID and type_id != s.by_name["ack"].id:
            raise ProtocolError("invalid_robot_id", None, None,
                                "robot_id 0xffffffff (the ingester) sends only ack frames, not type %d" % type_id)
        if ts > MAX_TIMESTAMP_NS:
            raise ProtocolError("invalid_timestamp", None, None, "timestamp_ns %d is above the maximum 2^63-1" % ts)
        msg = s.by_id.get(type_id)
        if msg is None:
            raise ProtocolError("unknown_message_type", None, None, "message type %d (0x%02x)" % (type_id, type_id))
        if minor <= s.minor:
            if blen != msg.size:
                raise ProtocolError("bad_body_length", msg.name, None,
                                    "body_length %d, %s is %d bytes" % (blen, msg.name, msg.size))
        elif blen < msg.size:
            raise ProtocolError("bad_body_length", msg.name, None,
                                "body_length %d, %s needs at least %d bytes" % (blen, msg.name, msg.size))
        body = self._decode_body(msg, frame, hlen)
        header = {"version_major": major, "message_type": type_id, "version_minor": minor, "flags": flags,
                  "header_length": hlen, "robot_id": robot_id, "boot_epoch": boot_epoch, "sequence": seq,
                  "body_length": blen, "timestamp_ns": ts, "crc32": crc}
        return Frame(header, msg.name, body)

    @staticmethod
    def _decode_body(msg: _Message, data: bytes, base: int) -> Dict[str, Any]:
        out = {}  # type: Dict[str, Any]
        for f in msg.value_fields:
            raw = f.fmt.unpack_from(data, base + f.offset)
            for i, v in enumerate(raw):
                where = "[%d]" % i if f.count else ""
                if f.is_float:
                    if math.isnan(v):
                        if not f.nan_allowed:
                            raise ProtocolError("invalid_value", msg.name, f.name, "%s%s is NaN" % (f.name, where))
                        continue  # NaN skips the range check
                    if math.isinf(v):
                        raise ProtocolError("invalid_value", msg.name, f.name, "%s%s is %s" % (f.name, where, v))
                elif f.is_bool:
                    if v > 1:
                        raise ProtocolError("invalid_value", msg.name, f.name, "%s%s is %d, bool must be 0 or 1" % (f.name, where, v))
                    continue
                elif f.enum_by_value is not None:
                    if v not in f.enum_by_value:
                        raise ProtocolError("unknown_enum_value", msg.name, f.name,
                                            "%s%s is %d, not a %s value" % (f.name, where, v, f.enum_name))
                    continue
                if f.min is not None and v < f.min:
                    raise ProtocolError("invalid_value", msg.name, f.name, "%s%s is %r < min %r" % (f.name, where, v, f.min))
                if f.max is not None and v > f.max:
                    raise ProtocolError("invalid_value", msg.name, f.name, "%s%s is %r > max %r" % (f.name, where, v, f.max))
            if f.is_bool:
                vals = [bool(v) for v in raw]  # type: List[Any]
            elif f.enum_by_value is not None:
                vals = [f.enum_by_value[v] for v in raw]
            else:
                vals = list(raw)
            out[f.name] = vals if f.count else vals[0]
        return out


_default = None  # type: Optional[Codec]


def default_codec() -> Codec:
    global _default
    if _default is None:
        _default = Codec()
    return _default


def encode(message_name: str, body: Dict[str, Any], *, robot_id: int, boot_epoch: int, sequence: int,
           timestamp_ns: int, flags: int = 0) -> bytes:
    return default_codec().encode(message_name, body, robot_id=robot_id, boot_epoch=boot_epoch,
                                  sequence=sequence, timestamp_ns=timestamp_ns, flags=flags)


def decode(frame: Union[bytes, bytearray, memoryview]) -> Frame:
    return default_codec().decode(frame)


def encode_body(message_name: str, body: Dict[str, Any], *, validate: bool = True) -> bytes:
    return default_codec().encode_body(message_name, body, validate=validate)


# ---------------------------------------------------------------- JSON representation

def ack_settles(ack_body: Dict[str, Any], boot_epoch: int, sequence: int) -> bool:
    """Whether a decoded ack body settles frame (boot_epoch, sequence): the robot drops it from
    its window and never resends it (committed, or rejected for good; see README section 3)."""
    return bool(ack_body["acked_boot_epoch"] == boot_epoch
                and ack_body["acked_from"] <= sequence <= ack_body["acked_through"])


def to_json_value(v: Any) -> Any:
    """NaN / +Inf / -Inf -> "NaN" / "Infinity" / "-Infinity"; lists recursively; else unchanged."""
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if isinstance(v, (list, tuple)):
        return [to_json_value(x) for x in v]
    return v


_NONFINITE = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


def from_json_value(v: Any) -> Any:
    """Inverse of to_json_value for float values ("NaN" etc. -> float). Other strings unchanged."""
    if isinstance(v, str) and v in _NONFINITE:
        return _NONFINITE[v]
    if isinstance(v, list):
        return [from_json_value(x) for x in v]
    return v


def body_to_json(body: Dict[str, Any]) -> Dict[str, Any]:
    return {k: to_json_value(v) for k, v in body.items()}


def body_from_json(body: Dict[str, Any], message_name: Optional[str] = None, codec: Optional[Codec] = None) -> Dict[str, Any]:
    """Convert "NaN"/"Infinity" strings back to floats (only in float fields when message_name is given)."""
    if message_name is None:
        return {k: from_json_value(v) for k, v in body.items()}
    msg = (codec or default_codec()).schema.by_name[message_name]
    floats = {f.name for f in msg.value_fields if f.is_float}
    return {k: (from_json_value(v) if k in floats else v) for k, v in body.items()}


def frame_to_json(frame: Frame) -> Dict[str, Any]:
    """The flat JSON-lines record publish.py reads and --dump / subscribe.py write."""
    h = frame.header
    return {
        "message": frame.message,
        "robot_id": h["robot_id"], "boot_epoch": h["boot_epoch"], "sequence": h["sequence"],
        "timestamp_ns": h["timestamp_ns"], "flags": h["flags"],
        "version_major": h["version_major"], "version_minor": h["version_minor"],
        "header_length": h["header_length"], "body_length": h["body_length"],
        "body": body_to_json(frame.body),
    }


# ---------------------------------------------------------------- recordings
#
# File header (16 bytes): "FTREC\0" (6 bytes), u16 format version (1),
# u64 start_unix_ns (wall clock at the start of the recording; 0 = unknown).
# Then records until EOF: u32 frame length, u64 offset_ns (wall time of the
# send relative to the start of the recording), frame bytes. Little-endian.

RECORDING_MAGIC = b"FTREC\x00"
RECORDING_VERSION = 1
RECORDING_HEADER_SIZE = 16
_REC_FILE = struct.Struct("<6sHQ")
_REC = struct.Struct("<IQ")


class RecordingWriter(object):
    """Streams records to a binary file object: w = RecordingWriter(f, start_unix_ns); w.write(offset_ns, frame)."""

    def __init__(self, fileobj: BinaryIO, start_unix_ns: int = 0):
        self.fileobj = fileobj
        self.last_offset = 0
        fileobj.write(_REC_FILE.pack(RECORDING_MAGIC, RECORDING_VERSION, start_unix_ns))

    def write(self, offset_ns: int, frame: bytes) -> None:
        if offset_ns < self.last_offset:
            raise ValueError("recording offsets must not decrease (%d after %d)" % (offset_ns, self.last_offset))
        self.last_offset = offset_ns
        self.fileobj.write(_REC.pack(len(frame), offset_ns))
        self.fileobj.write(frame)


def write_recording(dest: Union[str, BinaryIO], records: Iterable[Tuple[int, bytes]], start_unix_ns: int = 0) -> None:
    """Write (offset_ns, frame) pairs to a path or binary file object."""
    if isinstance(dest, (str, os.PathLike)):
        with open(dest, "wb") as fh:
            write_recording(fh, records, start_unix_ns)
        return
    w = RecordingWriter(dest, start_unix_ns)
    for offset_ns, frame in records:
        w.write(offset_ns, frame)


class Recording(NamedTuple):
    start_unix_ns: int
    records: List[Tuple[int, bytes]]   # (offset_ns, frame bytes)
    truncated: bool                    # the file ended inside a record (ignored)


def iter_recording(src: BinaryIO) -> Iterator[Tuple[int, bytes]]:
    """Yield (offset_ns, frame) from a file object positioned after the file header."""
    while True:
        head = src.read(_REC.size)
        if not head:
            return
        if len(head) < _REC.size:
            raise EOFError("truncated record header")
        length, offset_ns = _REC.unpack(head)
        frame = src.read(length)
        if len(frame) < length:
            raise EOFError("truncated record")
        yield offset_ns, frame


def read_recording_header(src: BinaryIO) -> int:
    head = src.read(RECORDING_HEADER_SIZE)
    if len(head) < RECORDING_HEADER_SIZE:
        raise ValueError("not a recording: shorter than the 16-byte file header")
    magic, version, start = _REC_FILE.unpack(head)
    if magic != RECORDING_MAGIC:
        raise ValueError("not a recording: magic %r" % magic)
    if version != RECORDING_VERSION:
        raise ValueError("unsupported recording format version %d" % version)
    return int(start)


def read_recording(src: Union[str, BinaryIO], strict: bool = False) -> Recording:
    """Read a whole recording. A truncated final record (a crash mid-write) is
    dropped and reported in .truncated, or raises EOFError when strict."""
    if isinstance(src, (str, os.PathLike)):
        with open(src, "rb") as fh:
            return read_recording(fh, strict)
    start = read_recording_header(src)
    records = []  # type: List[Tuple[int, bytes]]
    try:
        for rec in iter_recording(src):
            records.append(rec)
    except EOFError:
        if strict:
            raise
        return Recording(start, records, True)
    return Recording(start, records, False)
