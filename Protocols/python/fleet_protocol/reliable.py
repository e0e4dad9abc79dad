"""A robot in ``reliable`` mode: a DEALER connected to the ingester's ROUTER (README section 3).

The client numbers each frame, keeps its exact bytes in a bounded window until an ack settles
it, and resends what is not settled after a reconnect or when acks make no progress:

    >>> from fleet_protocol import ReliableClient
    >>> with ReliableClient("tcp://127.0.0.1:5557", robot_id=7, boot_epoch=1) as robot:
    ...     robot.publish("fault", {"code": 1, "severity": "error", "active": True}, timestamp_ns=0)
    ...     robot.flush(timeout=5.0)

An ack settles the run ``acked_from ..= acked_through`` of one boot epoch: those frames were
committed, or rejected for good (a value, enum, robot id or timestamp the ingester refuses;
resending the same bytes cannot help), and the client never sends them again, wherever they sit
in the window. So one rejected frame does not stall the window.

Not thread-safe and no thread of its own: the thread that drives the robot calls ``service()``
on each tick (or ``flush()``/``publish(..., wait=...)``, which service while they wait).
"""

import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any, Deque, Dict, Optional, Tuple

import zmq
from zmq.utils.monitor import recv_monitor_message

from . import Codec, ProtocolError, build_frame, default_codec

__all__ = ["ReliableClient", "ReliableStatistics", "CurveKeys", "ACK_MESSAGE"]

ACK_MESSAGE = "ack"
_MAX_FRAME_BYTES = 65536
_MAX_SEQUENCE = 0xFFFFFFFF


@dataclass(frozen=True)
class CurveKeys:
    """CURVE credentials for an ingester that authenticates robots: the robot's own key pair and
    the ingester's public key, each as 40-character Z85 text (``fleet keys`` makes them)."""

    public_key: str
    secret_key: str
    server_key: str


@dataclass
class ReliableStatistics:
    """What the client did so far."""

    frames_published: int = 0
    """Frames numbered and put into the window."""
    frames_sent: int = 0
    """Frames handed to the socket, resends included."""
    frames_resent: int = 0
    frames_acknowledged: int = 0
    """Frames an ack settled (committed or rejected for good)."""
    acks_received: int = 0
    stale_acks: int = 0
    """Acks for a boot epoch this client has no frames of."""
    invalid_replies: int = 0
    """Replies that were not a valid ack frame."""
    window_full_refusals: int = 0
    """Samples refused (before numbering) because the window was full."""
    resend_rounds: int = 0
    reconnects: int = 0
    progress_timeouts: int = 0
    window_high_water_mark: int = 0


class ReliableClient:
    """One robot's reliable-mode connection: numbering, the resend window, acks, reconnects."""

    def __init__(
        self,
        endpoint: str,
        robot_id: int,
        boot_epoch: int,
        *,
        window_size: int = 1000,
        progress_timeout: float = 5.0,
        monitor_connection: bool = True,
        reconnect_interval: float = 0.1,
        reconnect_interval_max: float = 2.0,
        heartbeat_interval: float = 1.0,
        heartbeat_timeout: float = 3.0,
        curve: Optional[CurveKeys] = None,
        codec: Optional[Codec] = None,
        context: Optional["zmq.Context[zmq.Socket[bytes]]"] = None,
    ) -> None:
        """Creates the DEALER and starts connecting in the background; frames published before
        the connection is up wait in the socket's queue.

        window_size: most frames numbered and not yet acknowledged (the ingester's credit
        lowers it further). progress_timeout: seconds without ack progress, frames outstanding,
        after which every unsettled frame is resent. Seconds everywhere.
        """
        if window_size < 1:
            raise ValueError("window_size must be at least 1, got %d" % window_size)
        if not 0 < robot_id < 0xFFFFFFFF:
            raise ValueError("robot_id must be 1..0xFFFFFFFE, got %d" % robot_id)
        if not 0 <= boot_epoch <= 0xFFFFFFFF:
            raise ValueError("boot_epoch must be a u32, got %d" % boot_epoch)
        self.endpoint = endpoint
        self.robot_id = robot_id
        self.window_size = window_size
        self.progress_timeout = progress_timeout
        self.statistics = ReliableStatistics()
        self._codec = codec or default_codec()
        self._boot_epoch = boot_epoch
        self._next_sequence = 0
        # (boot_epoch, sequence) -> frame bytes, oldest first.
        self._window: "OrderedDict[Tuple[int, int], bytes]" = OrderedDict()
        # Keys still to hand to the socket, oldest first (new frames, or a resend round).
        self._pending: Deque[Tuple[int, int]] = deque()
        self._resending: set[Tuple[int, int]] = set()
        self._credit: Optional[int] = None
        self._connected = False
        self._disconnected_since_handshake = False
        self._last_progress = time.monotonic()
        self._own_context = context is None
        self._context: "zmq.Context[zmq.Socket[bytes]]" = context or zmq.Context()
        socket: "zmq.Socket[bytes]" = self._context.socket(zmq.DEALER)
        socket.setsockopt(zmq.LINGER, 0)
        socket.setsockopt(zmq.SNDHWM, 2 * window_size + 1024)
        socket.setsockopt(zmq.RCVHWM, 0)
        socket.setsockopt(zmq.RECONNECT_IVL, int(reconnect_interval * 1000))
        socket.setsockopt(zmq.RECONNECT_IVL_MAX, int(reconnect_interval_max * 1000))
        socket.setsockopt(zmq.HEARTBEAT_IVL, int(heartbeat_interval * 1000))
        socket.setsockopt(zmq.HEARTBEAT_TIMEOUT, int(heartbeat_timeout * 1000))
        socket.setsockopt(zmq.MAXMSGSIZE, _MAX_FRAME_BYTES)
        # Monitor before connecting, so the first handshake is seen too.
        self._monitor: "Optional[zmq.Socket[bytes]]" = None
        if monitor_connection:
            events = zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_DISCONNECTED
            self._monitor = socket.get_monitor_socket(events)
        if curve is not None:
            socket.curve_publickey = curve.public_key.encode("ascii")
            socket.curve_secretkey = curve.secret_key.encode("ascii")
            socket.curve_serverkey = curve.server_key.encode("ascii")
        socket.connect(endpoint)
        self._socket = socket
        self._poller = zmq.Poller()
        self._poller.register(socket, zmq.POLLIN)

    # ------------------------------------------------------------ state

    @property
    def boot_epoch(self) -> int:
        """The boot epoch the next frame carries."""
        return self._boot_epoch

    @property
    def next_sequence(self) -> int:
        """The sequence number the next frame gets."""
        return self._next_sequence

    @property
    def outstanding(self) -> int:
        """Frames numbered and not yet settled by an ack."""
        return len(self._window)

    @property
    def window_limit(self) -> int:
        """How many frames may be outstanding now: the window size, or the ingester's credit if
        smaller. A credit of 0 is read as "no credit given" (it would stop the robot for good
        once everything is acknowledged, since no further ack could lift it)."""
        if not self._credit:
            return self.window_size
        return min(self.window_size, self._credit)

    @property
    def is_connected(self) -> bool:
        """Whether the socket monitor last saw the connection up (False without a monitor)."""
        return self._connected

    def unsettled(self) -> "list[Tuple[int, int]]":
        """(boot_epoch, sequence) of every frame still in the window, oldest first."""
        return list(self._window)

    # ------------------------------------------------------------ publishing

    def publish(
        self,
        message: str,
        body: Dict[str, Any],
        timestamp_ns: int,
        *,
        flags: int = 0,
        wait: float = 0.0,
        validate: bool = True,
    ) -> Optional[int]:
        """Numbers, encodes, keeps and sends one message; returns its sequence number, or None
        when the window is full (the sample is dropped before it is numbered, so it leaves no
        gap; count it in heartbeat.queue_drops). With ``wait`` > 0 the client services the
        connection for at most that many seconds until acks make room.

        Raises ProtocolError for a body the codec refuses. ``validate=False`` skips the value
        checks (fault injection: the ingester rejects such a frame for good and acknowledges
        it, and the client stops resending it).
        """
        if not validate and message not in self._codec.schema.by_name:
            raise ProtocolError("unknown_message_name", None, None, "no message type named %r" % message)
        if not self._make_room(wait):
            self.statistics.window_full_refusals += 1
            return None
        if self._next_sequence > _MAX_SEQUENCE:
            self.reboot()
        sequence = self._next_sequence
        frame = self._encode(message, body, sequence, timestamp_ns, flags, validate)  # raises before numbering
        self._next_sequence += 1
        if not self._window:
            self._last_progress = time.monotonic()
        key = (self._boot_epoch, sequence)
        self._window[key] = frame
        self._pending.append(key)
        self.statistics.frames_published += 1
        self.statistics.window_high_water_mark = max(self.statistics.window_high_water_mark, len(self._window))
        self._send_pending()
        return sequence

    def _encode(self, message: str, body: Dict[str, Any], sequence: int, timestamp_ns: int, flags: int,
                validate: bool) -> bytes:
        if validate:
            return self._codec.encode(message, body, robot_id=self.robot_id, boot_epoch=self._boot_epoch,
                                      sequence=sequence, timestamp_ns=timestamp_ns, flags=flags)
        body_bytes = self._codec.encode_body(message, body, validate=False)
        return build_frame(self._codec.schema.by_name[message].id, body_bytes, robot_id=self.robot_id,
                           boot_epoch=self._boot_epoch, sequence=sequence, timestamp_ns=timestamp_ns, flags=flags)

    def send_raw(self, frame: bytes) -> None:
        """Sends bytes exactly as given, outside the window: no sequence number, never resent
        (fault injection: a corrupt copy of a frame, a foreign frame)."""
        self._socket.send(frame, zmq.NOBLOCK)

    def reboot(self) -> None:
        """A restart that kept its unacknowledged frames: the next frame starts boot epoch + 1
        at sequence 0; the old epoch's frames keep their numbers and are still resent."""
        if self._boot_epoch >= 0xFFFFFFFF:
            raise ValueError("boot_epoch cannot go past 0xFFFFFFFF")
        self._boot_epoch += 1
        self._next_sequence = 0

    # ------------------------------------------------------------ servicing

    def service(self, timeout: float = 0.0) -> None:
        """Does whatever is due: reads acks and releases what they settle, notices reconnects
        and stalled acks and starts a resend, sends frames still pending. With a timeout, keeps
        at it until a reply arrives or the timeout passes."""
        deadline = time.monotonic() + timeout
        replies_before = self.statistics.acks_received + self.statistics.invalid_replies
        while True:
            self._service_once()
            if self.statistics.acks_received + self.statistics.invalid_replies != replies_before:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._wait_for_reply(remaining)

    def flush(self, timeout: float) -> bool:
        """Services until every frame is settled or ``timeout`` seconds pass; returns whether
        the window is empty. Call at the end of a run, before ``close()``."""
        deadline = time.monotonic() + timeout
        while True:
            self._service_once()
            if not self._window:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._wait_for_reply(remaining)

    def close(self) -> None:
        """Closes the sockets; frames not settled by now are lost (``flush()`` first)."""
        if self._monitor is not None:
            self._socket.disable_monitor()
            self._monitor.close(linger=0)
            self._monitor = None
        self._socket.close(linger=0)
        if self._own_context:
            self._context.term()

    def __enter__(self) -> "ReliableClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ internals

    def _make_room(self, wait: float) -> bool:
        if len(self._window) < self.window_limit:
            return True
        deadline = time.monotonic() + wait
        while True:
            self._service_once()
            if len(self._window) < self.window_limit:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._wait_for_reply(remaining)

    def _service_once(self) -> None:
        self._read_replies()
        self._read_connection_events()
        if self._window and time.monotonic() - self._last_progress >= self.progress_timeout:
            self.statistics.progress_timeouts += 1
            if self._monitor is not None and not self._connected:
                # Known to be disconnected: the frames wait in the socket's queue, and the
                # reconnect resends them all; resending now would only queue more copies.
                self._last_progress = time.monotonic()
            else:
                self._start_resend()
        self._send_pending()

    def _wait_for_reply(self, timeout: float) -> None:
        # Short slices, so connection events and timers are looked at meanwhile.
        self._poller.poll(int(max(1.0, min(timeout, 0.02) * 1000)))

    def _read_replies(self) -> None:
        while True:
            try:
                reply = self._socket.recv(zmq.NOBLOCK)
            except zmq.Again:
                return
            try:
                frame = self._codec.decode(reply)
            except ProtocolError:
                self.statistics.invalid_replies += 1
                continue
            if frame.message != ACK_MESSAGE:
                self.statistics.invalid_replies += 1
                continue
            self._acknowledge(frame.body)

    def _acknowledge(self, ack: Dict[str, Any]) -> None:
        self.statistics.acks_received += 1
        epoch = int(ack["acked_boot_epoch"])
        oldest_epoch = next(iter(self._window))[0] if self._window else None
        relevant = epoch == self._boot_epoch or (oldest_epoch is not None and oldest_epoch <= epoch)
        if not relevant or epoch > self._boot_epoch:
            self.statistics.stale_acks += 1
            return
        self._credit = int(ack["credit"])
        first, last = int(ack["acked_from"]), int(ack["acked_through"])
        # The run first..last of this epoch is settled (committed, or rejected for good): drop
        # those frames wherever they sit. Frames before the run stay (still in flight, maybe).
        if last - first + 1 <= len(self._window):
            settled = [(epoch, s) for s in range(first, last + 1) if (epoch, s) in self._window]
        else:
            settled = [key for key in self._window if key[0] == epoch and first <= key[1] <= last]
        for key in settled:
            del self._window[key]
            self._resending.discard(key)
        if settled:
            self.statistics.frames_acknowledged += len(settled)
            self._last_progress = time.monotonic()

    def _read_connection_events(self) -> None:
        if self._monitor is None:
            return
        while self._monitor.poll(0):
            event = recv_monitor_message(self._monitor)["event"]
            if event == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                self._connected = True
                if self._disconnected_since_handshake:
                    self._disconnected_since_handshake = False
                    self.statistics.reconnects += 1
                    self._start_resend()
            elif event == zmq.EVENT_DISCONNECTED:
                self._connected = False
                self._disconnected_since_handshake = True
                self._credit = None

    def _start_resend(self) -> None:
        """Queues every unsettled frame again, oldest first, as the same bytes."""
        self._last_progress = time.monotonic()
        if not self._window:
            return
        self.statistics.resend_rounds += 1
        self._pending = deque(self._window)
        self._resending = set(self._window)

    def _send_pending(self) -> None:
        """Hands frames to the socket until it has no room (high-water mark); frames an ack has
        settled meanwhile are skipped."""
        while self._pending:
            key = self._pending[0]
            frame = self._window.get(key)
            if frame is None:
                self._pending.popleft()
                continue
            try:
                self._socket.send(frame, zmq.NOBLOCK)
            except zmq.Again:
                return
            self._pending.popleft()
            self.statistics.frames_sent += 1
            if key in self._resending:
                self._resending.discard(key)
                self.statistics.frames_resent += 1
