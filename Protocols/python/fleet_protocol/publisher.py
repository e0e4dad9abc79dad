"""A robot in ``pub`` mode (fire and forget, README section 3): frames over ZeroMQ PUB/SUB.

    >>> from fleet_protocol import Publisher
    >>> with Publisher("tcp://127.0.0.1:5556", robot_id=7, boot_epoch=1) as robot:
    ...     robot.wait_for_subscriber(timeout=5.0)
    ...     robot.publish("fault", {"code": 1, "severity": "error", "active": True}, timestamp_ns=0)

Nothing is acknowledged; a frame lost on the way shows as a gap in the sequence numbers at the
ingester. The socket is an XPUB so the robot can wait for the ingester's subscription before
its first frame (ZeroMQ's slow joiner drops what a PUB sends before that).
"""

import time
from typing import Any, Dict, Optional

import zmq

from . import Codec, default_codec

__all__ = ["Publisher"]

_MAX_SEQUENCE = 0xFFFFFFFF


class Publisher:
    """One sender's numbered frames on a connected XPUB socket."""

    def __init__(
        self,
        endpoint: str,
        robot_id: int,
        boot_epoch: int,
        *,
        send_high_water_mark: int = 10000,
        linger: float = 1.0,
        codec: Optional[Codec] = None,
        context: Optional["zmq.Context[zmq.Socket[bytes]]"] = None,
    ) -> None:
        """Connects to the ingester's SUB (``fleet ingest --listen ENDPOINT``) in the background.
        send_high_water_mark: frames queued while the connection is down (10,000 rides out a few
        seconds of reconnect); linger: seconds ``close()`` waits for queued frames."""
        if not 0 < robot_id < 0xFFFFFFFF:
            raise ValueError("robot_id must be 1..0xFFFFFFFE, got %d" % robot_id)
        if not 0 <= boot_epoch <= 0xFFFFFFFF:
            raise ValueError("boot_epoch must be a u32, got %d" % boot_epoch)
        self.endpoint = endpoint
        self.robot_id = robot_id
        self.frames_sent = 0
        self._codec = codec or default_codec()
        self._boot_epoch = boot_epoch
        self._next_sequence = 0
        self._subscribed = False
        self._own_context = context is None
        self._context: "zmq.Context[zmq.Socket[bytes]]" = context or zmq.Context()
        socket: "zmq.Socket[bytes]" = self._context.socket(zmq.XPUB)
        socket.setsockopt(zmq.SNDHWM, send_high_water_mark)
        socket.setsockopt(zmq.LINGER, int(linger * 1000))
        socket.connect(endpoint)
        self._socket = socket

    @property
    def boot_epoch(self) -> int:
        """The boot epoch the next frame carries."""
        return self._boot_epoch

    @property
    def next_sequence(self) -> int:
        """The sequence number the next frame gets."""
        return self._next_sequence

    def wait_for_subscriber(self, timeout: float) -> bool:
        """Waits at most ``timeout`` seconds until the ingester has subscribed; returns whether it
        has. Frames published before then may be dropped by ZeroMQ (and show as a gap)."""
        deadline = time.monotonic() + timeout
        while not self._subscribed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self._socket.poll(int(max(1.0, remaining * 1000)), zmq.POLLIN):
                self._read_subscriptions()
        return True

    def publish(self, message: str, body: Dict[str, Any], timestamp_ns: int, *, flags: int = 0) -> int:
        """Numbers, encodes and sends one message; returns its sequence number. Raises
        ProtocolError for a body the codec refuses (nothing is numbered then)."""
        if self._next_sequence > _MAX_SEQUENCE:
            self.reboot()
        sequence = self._next_sequence
        frame = self._codec.encode(message, body, robot_id=self.robot_id, boot_epoch=self._boot_epoch,
                                   sequence=sequence, timestamp_ns=timestamp_ns, flags=flags)
        self._next_sequence += 1
        self._read_subscriptions()
        self._socket.send(frame)
        self.frames_sent += 1
        return sequence

    def reboot(self) -> None:
        """A restart: the next frame starts boot epoch + 1 at sequence 0."""
        if self._boot_epoch >= 0xFFFFFFFF:
            raise ValueError("boot_epoch cannot go past 0xFFFFFFFF")
        self._boot_epoch += 1
        self._next_sequence = 0

    def close(self) -> None:
        """Closes the socket after at most ``linger`` seconds of sending what is queued."""
        self._socket.close()
        if self._own_context:
            self._context.term()

    def __enter__(self) -> "Publisher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read_subscriptions(self) -> None:
        # XPUB hands over the subscribers' (un)subscribe messages; reading them keeps its
        # queue short, and the first subscription says the ingester is there.
        while True:
            try:
                message = self._socket.recv(zmq.NOBLOCK)
            except zmq.Again:
                return
            if message[:1] == b"\x01":
                self._subscribed = True
