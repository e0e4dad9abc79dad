"""The installed package: importable from anywhere, with its schema, types and the golden vectors."""

import json
import os

import fleet_protocol as fp
import pytest

from conftest import REPOSITORY


def test_the_codec_reproduces_every_golden_vector() -> None:
    with open(os.path.join(REPOSITORY, "Protocols", "vectors", "valid.json"), encoding="utf-8") as fh:
        vectors = json.load(fh)
    encoded = 0
    for v in vectors:
        decoded = fp.decode(bytes.fromhex(v["hex"]))
        assert decoded.message == v["message"]
        if v["decode_only"]:
            continue
        h = v["header"]
        frame = fp.encode(v["message"], fp.body_from_json(v["body"], v["message"]), robot_id=h["robot_id"],
                          boot_epoch=h["boot_epoch"], sequence=h["sequence"], timestamp_ns=h["timestamp_ns"],
                          flags=h["flags"])
        assert frame.hex() == v["hex"], v["name"]
        encoded += 1
    assert encoded >= 30


def test_the_package_carries_the_repository_schema_and_type_marker() -> None:
    package = os.path.dirname(os.path.abspath(fp.__file__))
    with open(os.path.join(package, "schema.json"), "rb") as fh:
        carried = fh.read()
    with open(os.path.join(REPOSITORY, "Protocols", "schema.json"), "rb") as fh:
        assert carried == fh.read()
    assert os.path.exists(os.path.join(package, "py.typed"))


def test_the_installed_copy_is_the_one_imported() -> None:
    # The Swift test that installs the package into a fresh virtual environment sets this.
    if os.environ.get("FLEET_PROTOCOL_EXPECT_INSTALLED") != "1":
        pytest.skip("run from the source tree (FLEET_PROTOCOL_EXPECT_INSTALLED is not 1)")
    assert "site-packages" in fp.__file__, fp.__file__
    assert not fp.__file__.startswith(os.path.join(REPOSITORY, "Protocols"))
