"""ReliableClient against a real `fleet ingest --reliable` process: every frame acknowledged
and stored, a rejected frame settled without stalling the window, resends after a restart of
the ingester."""

from typing import Any, Dict, List

import fleet_protocol as fp
from fleet_protocol import ReliableClient

from conftest import Ingester, IngesterFailed, fleet_binary, wait_until

START_NS = 1800000000000000000  # 2027-01-15T08:00:00Z


def state(i: int) -> Dict[str, Any]:
    """A valid sanitation_state sample."""
    return {
        "x": 10.0 + i, "y": 5.0, "energy_used": 0.5 * i, "distance": 1.0 * i, "area_cleaned": 0.25 * i,
        "heading": 0.5, "speed": 1.25, "turn_rate": 0.0, "brush_rpm": 120.0, "suction": 50.0,
        "water_flow": 0.5, "hopper_fill": 10.0, "clean_water": 80.0, "dirty_water": 5.0,
        "battery_soc": 90.0, "battery_voltage": 48.0, "battery_current": 3.5, "battery_temperature": 30.0,
        "mode": "auto", "status": "cleaning", "brush_down": True, "spraying": False,
    }


def stored_sequences(ingester: Ingester, robot: int) -> List[int]:
    frames = ingester.query("frames", "--robot", str(robot), "--limit", "100000")
    assert isinstance(frames, list)
    return sorted(int(f["seq"]) for f in frames)


def loss(ingester: Ingester, robot: int) -> List[Dict[str, Any]]:
    rows = ingester.query("loss", "--robot", str(robot))
    assert isinstance(rows, list)
    return rows


def test_every_frame_is_acknowledged_and_stored(reliable_ingester: Ingester) -> None:
    robot = 4101
    with ReliableClient(reliable_ingester.endpoint, robot_id=robot, boot_epoch=1, window_size=64) as client:
        for i in range(500):
            sequence = client.publish("sanitation_state", state(i), START_NS + i * 100_000_000, wait=30.0)
            assert sequence == i, "sample %d was refused with the window full for 30 s" % i
        assert client.flush(timeout=60.0), "%d frames never acknowledged" % client.outstanding
        stats = client.statistics
        assert stats.frames_published == 500
        assert stats.frames_acknowledged == 500
        assert stats.window_high_water_mark <= 64
    assert reliable_ingester.stop() == 0
    assert stored_sequences(reliable_ingester, robot) == list(range(500))
    [row] = loss(reliable_ingester, robot)
    assert (row["received"], row["rejected"], row["gaps"]) == (500, 0, "")


def test_a_rejected_frame_is_settled_and_does_not_stall_the_window(reliable_ingester: Ingester) -> None:
    robot = 4102
    bad = {5, 17}
    # A window of 4: a rejected frame that stayed in it would stop the robot after 4 more frames.
    with ReliableClient(reliable_ingester.endpoint, robot_id=robot, boot_epoch=2, window_size=4,
                        progress_timeout=30.0) as client:
        for i in range(40):
            body = state(i)
            timestamp = START_NS + i * 100_000_000
            if i == 5:
                body["battery_soc"] = 250.0  # outside 0..100: invalid_value
            if i == 17:
                timestamp = fp.MAX_TIMESTAMP_NS + 1  # invalid_timestamp
            sequence = client.publish("sanitation_state", body, timestamp, wait=30.0, validate=i not in bad)
            assert sequence == i
        assert client.flush(timeout=30.0), "unsettled: %s" % client.unsettled()
        # Settled by acks, not by the progress timeout's resends.
        assert client.statistics.resend_rounds == 0
        assert client.statistics.frames_acknowledged == 40
    assert reliable_ingester.stop() == 0
    assert stored_sequences(reliable_ingester, robot) == [s for s in range(40) if s not in bad]
    [row] = loss(reliable_ingester, robot)
    assert row["rejected"] == 2
    assert row["rejected_seqs"] in ("5,17", "5, 17")
    assert row["gaps"] == ""


def test_frames_sent_while_the_ingester_is_down_are_resent_after_it_restarts(workdir: str) -> None:
    robot = 4103
    first = Ingester(fleet_binary(), workdir, "reliable")
    endpoint = first.endpoint
    client = ReliableClient(endpoint, robot_id=robot, boot_epoch=3, window_size=200, progress_timeout=1.0)
    try:
        for i in range(50):
            assert client.publish("sanitation_state", state(i), START_NS + i * 1_000_000, wait=30.0) == i
        assert client.flush(timeout=30.0)
        assert first.stop() == 0
        # Published while no ingester listens: they wait in the window.
        for i in range(50, 120):
            assert client.publish("sanitation_state", state(i), START_NS + i * 1_000_000) == i
        client.service()
        assert client.outstanding == 70
        # The same database and port again.
        second = _restart(first, endpoint)
        try:
            assert client.flush(timeout=60.0), "%d frames never acknowledged" % client.outstanding
            assert client.statistics.reconnects + client.statistics.resend_rounds >= 1
        finally:
            assert second.stop() == 0
    finally:
        client.close()
    assert stored_sequences(second, robot) == list(range(120))


def _restart(previous: Ingester, endpoint: str) -> Ingester:
    """A new ingester on the same database and endpoint (the port may take a moment to free)."""
    started: List[Ingester] = []

    def start() -> bool:
        try:
            started.append(Ingester(previous.binary, previous.folder, previous.mode, endpoint))
            return True
        except IngesterFailed:
            return False

    assert wait_until(start, timeout=30.0, step=0.2)
    return started[0]
