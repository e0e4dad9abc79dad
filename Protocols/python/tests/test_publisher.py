"""Publisher (pub mode) against a real `fleet ingest --listen` process: what it sends is stored."""

from fleet_protocol import Publisher

from conftest import Ingester

START_NS = 1800000000000000000  # 2027-01-15T08:00:00Z


def test_published_frames_are_stored_in_order(pub_ingester: Ingester) -> None:
    robot = 4201
    with Publisher(pub_ingester.endpoint, robot_id=robot, boot_epoch=1, linger=5.0) as publisher:
        assert publisher.wait_for_subscriber(timeout=30.0), "the ingester never subscribed"
        for i in range(200):
            body = {"frames_sent": i, "uptime": float(i), "state_frames": 0, "event_frames": 0,
                    "queue_drops": 0, "state_rate": 0.0}
            assert publisher.publish("heartbeat", body, START_NS + i * 1_000_000_000) == i
        assert publisher.frames_sent == 200
    assert pub_ingester.stop() == 0
    frames = pub_ingester.query("frames", "--robot", str(robot), "--limit", "1000")
    assert isinstance(frames, list)
    assert [int(f["seq"]) for f in frames] == list(range(200))
    assert all(f["type"] == "heartbeat" for f in frames)
