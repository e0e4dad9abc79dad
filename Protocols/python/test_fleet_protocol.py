"""Self-test of the reference codec against the golden vectors (stdlib unittest only).

    cd Protocols/python && python3 -m unittest          # or, from anywhere:
    python3 -m unittest discover -s Protocols/python
"""

import io
import json
import math
import os
import struct
import subprocess
import sys
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fleet_protocol as fp  # noqa: E402

VECTORS = os.path.join(HERE, os.pardir, "vectors")


def load(name):
    with open(os.path.join(VECTORS, name), "r", encoding="utf-8") as fh:
        return json.load(fh)


def expand(entry):
    """Bytes of an invalid vector: "hex", or the "generate" rule."""
    if "hex" in entry:
        return bytes.fromhex(entry["hex"])
    g = entry["generate"]
    prefix = bytes.fromhex(g["prefix_hex"])
    pad = g["length"] - len(prefix) - (4 if g["append_crc"] else 0)
    data = prefix + bytes([g["fill_byte"]]) * pad
    if g["append_crc"]:
        data += struct.pack("<I", zlib.crc32(data) & 0xFFFFFFFF)
    return data


class ValidVectors(unittest.TestCase):
    def test_every_message_type_has_a_vector(self):
        names = {v["message"] for v in load("valid.json")}
        self.assertEqual(names, set(fp.default_codec().schema.by_name))

    def test_decode(self):
        for v in load("valid.json"):
            with self.subTest(v["name"]):
                frame = fp.decode(bytes.fromhex(v["hex"]))
                self.assertEqual(frame.message, v["message"])
                for k, want in v["header"].items():
                    self.assertEqual(frame.header[k], want, k)
                self.assertEqual(fp.body_to_json(frame.body), v["body"])

    def test_encode(self):
        for v in load("valid.json"):
            if v["decode_only"]:
                continue
            with self.subTest(v["name"]):
                h = v["header"]
                body = fp.body_from_json(v["body"], v["message"])
                frame = fp.encode(v["message"], body, robot_id=h["robot_id"], boot_epoch=h["boot_epoch"],
                                  sequence=h["sequence"], timestamp_ns=h["timestamp_ns"], flags=h["flags"])
                self.assertEqual(frame.hex(), v["hex"])
                # "NaN" strings are accepted by encode() directly, too
                frame2 = fp.encode(v["message"], v["body"], robot_id=h["robot_id"], boot_epoch=h["boot_epoch"],
                                   sequence=h["sequence"], timestamp_ns=h["timestamp_ns"], flags=h["flags"])
                self.assertEqual(frame2, frame)

    def test_nan_vector_present(self):
        self.assertTrue(any("NaN" in v["body"].values() for v in load("valid.json")))


class InvalidVectors(unittest.TestCase):
    def test_errors(self):
        codes = set()
        for v in load("invalid.json"):
            with self.subTest(v["name"]):
                with self.assertRaises(fp.ProtocolError) as ctx:
                    fp.decode(expand(v))
                e = ctx.exception
                self.assertEqual({"code": e.code, "message_type": e.message_type, "field": e.field}, v["error"])
                codes.add(e.code)
        self.assertEqual(codes, set(fp.ERROR_CODES))


class Encoding(unittest.TestCase):
    def test_encode_rejects_what_decode_rejects(self):
        base = {"code": 1, "severity": "error", "active": True}
        kw = dict(robot_id=1, boot_epoch=0, sequence=0, timestamp_ns=0)
        fp.encode("fault", base, **kw)
        for body, code, field in [
            (dict(base, severity="fatal"), "unknown_enum_value", "severity"),
            (dict(base, active=2), "invalid_value", "active"),
            (dict(base, code=70000), "invalid_value", "code"),
            ({"code": 1, "severity": "error"}, "missing_field", "active"),
            (dict(base, reserved=0), "unknown_field", "reserved"),
        ]:
            with self.subTest(body):
                with self.assertRaises(fp.ProtocolError) as ctx:
                    fp.encode("fault", body, **kw)
                self.assertEqual((ctx.exception.code, ctx.exception.field), (code, field))
        with self.assertRaises(fp.ProtocolError) as ctx:
            fp.encode("get_up", {"duration": float("inf"), "unaided": True}, **kw)
        self.assertEqual(ctx.exception.code, "invalid_value")

    def test_f32_rounds_then_validates(self):
        frame = fp.encode("get_up", {"duration": 0.1, "unaided": False}, robot_id=1, boot_epoch=0, sequence=0,
                          timestamp_ns=0)
        self.assertEqual(fp.decode(frame).body["duration"], struct.unpack("<f", struct.pack("<f", 0.1))[0])

    def test_topic_prefix(self):
        frame = fp.encode("sanitation_state", fp.body_from_json(load("valid.json")[0]["body"]), robot_id=1,
                          boot_epoch=0, sequence=0, timestamp_ns=0)
        self.assertTrue(frame.startswith(b"FT\x01\x01"))


class Acknowledgements(unittest.TestCase):
    def test_an_ack_settles_its_run_and_nothing_else(self):
        frame = fp.encode("ack", {"acked_boot_epoch": 4, "acked_through": 99, "credit": 10, "acked_from": 3},
                          robot_id=fp.INGESTER_ROBOT_ID, boot_epoch=1, sequence=0, timestamp_ns=1)
        body = fp.decode(frame).body
        self.assertEqual([fp.ack_settles(body, 4, s) for s in (2, 3, 99, 100)], [False, True, True, False])
        self.assertFalse(fp.ack_settles(body, 5, 50))

    def test_robot_id_0_and_the_ingesters_id_on_other_types_are_rejected(self):
        frame = fp.encode("fault", {"code": 1, "severity": "info", "active": False}, robot_id=0, boot_epoch=1,
                          sequence=0, timestamp_ns=1)
        with self.assertRaises(fp.ProtocolError) as caught:
            fp.decode(frame)
        self.assertEqual(caught.exception.code, "invalid_robot_id")


class Recording(unittest.TestCase):
    def test_vector(self):
        r = load("recording.json")
        valid = {v["name"]: v for v in load("valid.json")}
        rec = fp.read_recording(io.BytesIO(bytes.fromhex(r["hex"])), strict=True)
        self.assertEqual(rec.start_unix_ns, r["start_unix_ns"])
        self.assertEqual([(o, f.hex()) for o, f in rec.records],
                         [(x["offset_ns"], valid[x["vector"]]["hex"]) for x in r["records"]])

    def test_truncated_tail(self):
        buf = io.BytesIO()
        frames = [bytes.fromhex(v["hex"]) for v in load("valid.json")[:2]]
        fp.write_recording(buf, [(0, frames[0]), (5, frames[1])], start_unix_ns=1)
        data = buf.getvalue()[:-3]
        rec = fp.read_recording(io.BytesIO(data))
        self.assertTrue(rec.truncated)
        self.assertEqual(rec.records, [(0, frames[0])])
        with self.assertRaises(EOFError):
            fp.read_recording(io.BytesIO(data), strict=True)


class GeneratedFilesUpToDate(unittest.TestCase):
    def run_script(self, script):
        return subprocess.run([sys.executable, os.path.join(HERE, script), "--check"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)

    def test_vectors(self):
        p = self.run_script("make_vectors.py")
        self.assertEqual(p.returncode, 0, p.stdout)

    def test_spec(self):
        if not os.path.exists(os.path.join(HERE, "render_spec.py")):
            self.skipTest("render_spec.py missing")
        p = self.run_script("render_spec.py")
        self.assertEqual(p.returncode, 0, p.stdout)


try:
    import zmq  # noqa: F401
except ImportError:
    zmq = None


@unittest.skipIf(zmq is None, "pyzmq not installed (run with /usr/bin/python3 for this test)")
class PublishSubscribe(unittest.TestCase):
    def test_generated_stream_arrives_complete(self):
        import socket
        import tempfile
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        endpoint = "tcp://127.0.0.1:%d" % port
        n = 500
        with tempfile.TemporaryDirectory() as tmp:
            dump = os.path.join(tmp, "sent.jsonl")
            recv = os.path.join(tmp, "recv.jsonl")
            with open(recv, "w") as out:
                sub = subprocess.Popen([sys.executable, os.path.join(HERE, "subscribe.py"), "--bind", endpoint,
                                        "--count", str(n), "--timeout", "60"],
                                       stdout=out, stderr=subprocess.PIPE)
                pub = subprocess.run([sys.executable, os.path.join(HERE, "publish.py"), "--connect", endpoint,
                                      "--generate", str(n), "--seed", "5", "--robots", "3", "--dump", dump],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
                self.assertEqual(pub.returncode, 0, pub.stdout)
                _, err = sub.communicate(timeout=60)
                self.assertEqual(sub.returncode, 0, err)
            with open(dump) as a, open(recv) as b:
                sent, got = a.read().splitlines(), b.read().splitlines()
            self.assertEqual(len(sent), n)
            self.assertEqual(got, sent)
            messages = {json.loads(line)["message"] for line in sent}
            self.assertEqual(messages, {m.name for m in fp.default_codec().schema.messages
                                        if m.category != "control"})


if __name__ == "__main__":
    unittest.main()
