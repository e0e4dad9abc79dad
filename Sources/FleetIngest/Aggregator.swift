public import FleetProtocol
public import FleetStore

/// The pipeline's pure core: takes frames in arrival order, decodes each once, filters
/// duplicates through the loss ledgers, keeps each robot's live state, accumulates 1 s
/// rollups, extracts events, packs raw frames into per-stream chunks, and hands all of it
/// out as one append-only `WriteBatch` at a time. No I/O, no clocks: the caller passes
/// receive times in.
///
/// Cost per frame is O(1) whatever the number of robots: a stream (robot, boot epoch) maps
/// once to a dense slot holding its ledger and open chunk, and a robot to a slot holding its
/// live state and open rollup buckets; nothing per batch walks or sorts all robots. Every
/// row is written once: a chunk when it seals, a rollup when its second closes, a ledger or
/// robot row when it changed. Frames of chunks still open are made durable as the batch's
/// one segment row, released once every frame in it is in a sealed chunk.
public struct Aggregator {
    /// Totals since the service started (not per batch).
    public internal(set) var totals = IngestCounters()
    /// Called with every accepted, decoded frame, in arrival order: the live scorer's feed.
    public var onFrame: ((borrowing Frame, UnsafeRawBufferPointer) -> Void)?
    /// Whether `ingest` checks each frame's header, lengths and checksum itself. The
    /// pipeline turns this off: its receiver checked every frame before queueing it, and
    /// the checksum is the costliest part of decoding.
    public var verifiesFrames: Bool
    /// When open chunks seal.
    public var chunkPolicy: ChunkPolicy
    /// Frames the receiver took off its sockets since the last batch (valid or not), so the
    /// store can show that everything received was stored or accounted for.
    public var receivedSinceLastBatch = 0
    /// How long a rollup bucket stays open (receive time) before it closes without a newer
    /// second arriving, and how often at most a robot's row is rewritten for liveness.
    public var bucketCloseAfterNanos: UInt64 = 1_000_000_000
    public var robotRowIntervalNanos: UInt64 = 1_000_000_000
    /// How often at most a stream's ledger row is rewritten. A lossy stream's ledger carries
    /// every gap; writing it per batch made the work grow with the losses. Frames accepted
    /// since the last write stay in their segments (pinned) until it is written, so a
    /// restart replays them into the stored ledger exactly.
    public var ledgerRowIntervalNanos: UInt64 = 1_000_000_000

    /// Loss ledgers by stream: the duplicate filter and the acknowledgements.
    public internal(set) var ledgers = LedgerTable()

    let catalog = RollupCatalog.shared

    // Streams, by dense slot (the same index as `ledgers.ledgers`).
    var streamKeys: [StreamKey] = []
    var streamRobot: [Int] = []
    var chunks: [ChunkBuilder] = []
    /// Streams whose ledger changed in this batch: their acknowledgements.
    var ledgerTouched: [Bool] = []
    var touchedLedgers: [Int] = []
    /// Streams whose ledger row waits to be written, and the segment each one pins.
    var ledgerQueued: [Bool] = []
    var ledgerPin: [Int64] = []
    var ledgerRowQueue = FIFO<(slot: Int, due: UInt64)>()
    var cachedStream: (key: StreamKey, slot: Int)?
    /// Open chunks in the order they opened: sealed oldest first by age or memory budget.
    var openOrder = FIFO<(slot: Int, generation: UInt32)>()
    /// Raw bytes held by open chunks.
    var openBytes = 0

    // Robots, by dense slot.
    var robotIndex: [UInt32: Int] = [:]
    var robotStates: [RobotLiveState] = []
    /// Open rollup buckets, `bucketKinds` per robot.
    var robotBuckets: [RollupRecord?] = []
    var robotRows: [RobotRowState] = []
    var structuralRobots: [Int] = []
    var robotRowQueue = FIFO<(robot: Int, due: UInt64)>()
    var bucketQueue = FIFO<(robot: Int, type: UInt8, second: Int64, openedAt: UInt64)>()

    // Segments: ids, and which are still needed by an open chunk.
    var nextSegmentID: Int64 = 1
    var pinCounts: [Int64: Int] = [:]
    var lowestPinned: Int64 = 1
    var releasedBelow: Int64 = 1

    // The batch being built.
    var segment: [UInt8] = []
    var segmentCount = 0
    var segmentReserve = 0
    var segmentStart: UInt64 = .max
    var segmentEnd: UInt64 = 0
    var sealed: [ChunkRecord] = []
    var closedRollups: [RollupRecord] = []
    var lateRollups: [RollupKey: RollupRecord] = [:]
    var events: [EventRecord] = []
    var batchCounters = IngestCounters()
    var batchFrames = 0
    /// Newest receive time seen: the clock for ages when the caller passes none.
    var latestReceive: UInt64 = 0
    /// Receive times of the batch's accepted frames, for receive→commit latency.
    var batchReceiveTimes: [UInt64] = []
    /// Event times of the batch's accepted frames stamped with real (not simulated) time,
    /// for publish→commit latency.
    var batchPublishTimes: [UInt64] = []

    // Robot ownership (a store several ingesters write): nil when every robot is ours.
    public internal(set) var ownership: RobotOwnershipPolicy?
    var gateIndex: [UInt32: Int] = [:]
    var gates: [RobotGate] = []
    var cachedGate: (robotID: UInt32, gate: Int)?
    var claimingCount = 0
    var heldBytes = 0
    var pendingClaims: [UInt32] = []
    var pendingRenewals: [UInt32] = []
    var pendingReleases: [UInt32] = []
    /// Owned robots by the end of their accepting time, to release the quiet ones.
    var leaseQueue = FIFO<(gate: Int, due: UInt64)>()
    /// Ledger rows of released robots, written with the batch that releases them.
    var forcedLedgerSlots: [Int] = []
    var refusalNotices: [RefusalNotice] = []

    struct RollupKey: Hashable {
        var robotID: UInt32
        var type: UInt8
        var second: Int64
    }

    /// What was last written of a robot's row, and whether it waits in the row queue.
    struct RobotRowState {
        var written: RobotRecord?
        var queued = false
        var structural = false
    }

    /// - Parameters:
    ///   - ledgers: ledgers stored before a restart, so duplicates resent after it are
    ///     recognised.
    ///   - verifiesFrames: see `verifiesFrames`.
    ///   - chunkPolicy: when open chunks seal.
    public init(restoring ledgers: [LedgerRecord] = [], verifiesFrames: Bool = true, chunkPolicy: ChunkPolicy = .init())
    {
        self.verifiesFrames = verifiesFrames
        self.chunkPolicy = chunkPolicy
        for record in ledgers {
            let slot = streamSlot(StreamKey(robotID: record.robotID, bootEpoch: record.bootEpoch))
            self.ledgers.ledgers[slot] = LossLedger(restoring: record)
        }
    }

    /// Frames accepted into the batch being built.
    public var pendingFrames: Int { batchFrames }

    /// Latest state of every robot, in the order they were first seen.
    public var robots: [RobotLiveState] { robotStates }

    /// Takes one frame off the ring.
    public mutating func ingest(_ frame: RingFrame) {
        if frame.receivedAt > latestReceive { latestReceive = frame.receivedAt }
        if let code = RingSource.rejection(in: frame.source) {
            reject(frame.bytes, code: code)
            return
        }
        let header: FrameHeader
        if verifiesFrames {
            do {
                header = try FrameDecoder.decodeHeader(frame.bytes)
            } catch {
                if error.code == .unknownMessageType, let known = error.header {
                    if admit(known, frame) { skipUnknownType(known, frame) }
                } else {
                    reject(frame.bytes, code: error.code)
                }
                return
            }
            guard admit(header, frame) else { return }
        } else {
            // The receiver checked lengths, checksum and type before queueing the frame.
            guard let checked = FrameHeader.unverified(frame.bytes) else {
                reject(frame.bytes, code: .truncatedHeader)
                return
            }
            header = checked
            guard admit(header, frame) else { return }
            if header.knownMessageType == nil {
                skipUnknownType(header, frame)
                return
            }
        }
        if header.messageType == MessageType.ack.rawValue {
            // Acks go from the ingester to robots; one sent to the ingester is skipped and
            // counted, never stored (§7).
            let slot = streamSlot(StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch))
            let verdict = ledgers.ledgers[slot].accept(header.sequence, at: header.timestampNanoseconds)
            markLedger(slot)
            count(verdict == .duplicate ? .duplicates : .skippedAck)
            return
        }
        do {
            let message = try FrameDecoder.decodeMessage(of: header, in: frame.bytes)
            accept(header: header, message: message, bytes: frame.bytes, receivedAt: frame.receivedAt)
        } catch {
            reject(frame.bytes, code: error.code)
        }
    }

    /// A type from a newer minor version: skipped (not stored, not decoded) and counted; its
    /// sequence number counts as received, so it leaves no gap and is acknowledged.
    private mutating func skipUnknownType(_ header: FrameHeader, _ frame: RingFrame) {
        let slot = streamSlot(StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch))
        let verdict = ledgers.ledgers[slot].accept(header.sequence, at: header.timestampNanoseconds)
        markLedger(slot)
        count(verdict == .duplicate ? .duplicates : .skippedUnknownType)
    }

    /// Counts frames the receiver dropped for `robotID` (ring full in pub mode).
    public mutating func countDropped(robotID: UInt32, bootEpoch: UInt32, count: Int) {
        totals.dropped += count
        batchCounters.dropped += count
        // Another ingester's robot (or one not claimed yet): its ledger is not ours to charge.
        guard ownsLedger(of: robotID) else { return }
        let slot = streamSlot(StreamKey(robotID: robotID, bootEpoch: bootEpoch))
        ledgers.ledgers[slot].countDropped(count)
        markLedger(slot)
    }

    /// Counts frames the receiver refused for claiming another robot than their sender's key.
    public mutating func countRefusedRobotID(_ count: Int) {
        totals.refusedRobotID += count
        batchCounters.refusedRobotID += count
    }

    /// Counts frames the receiver refused because their connection's key was revoked.
    public mutating func countRefusedKeyRevoked(_ count: Int) {
        totals.refusedKeyRevoked += count
        batchCounters.refusedKeyRevoked += count
    }

    /// Counts messages the receiver discarded for having more than one part.
    public mutating func countMultipart(_ count: Int) {
        totals.rejectedMultipart += count
        batchCounters.rejectedMultipart += count
    }

    /// Counts rejected frames the receiver could not queue (the ring was full).
    public mutating func countRejectedUnqueued(_ code: ProtocolError.Code, count: Int) {
        totals.rejected[code, default: 0] += count
        batchCounters.rejected[code, default: 0] += count
    }

    private mutating func accept(
        header: FrameHeader,
        message: Message?,
        bytes: UnsafeRawBufferPointer,
        receivedAt: UInt64
    ) {
        let key = StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch)
        let slot = streamSlot(key)
        let verdict = ledgers.ledgers[slot].accept(header.sequence, at: header.timestampNanoseconds)
        markLedger(slot)
        if verdict == .duplicate {
            count(.duplicates)
            return
        }
        count(.accepted)
        batchFrames += 1
        batchReceiveTimes.append(receivedAt)
        if !header.hasSimulatedTime { batchPublishTimes.append(header.timestampNanoseconds) }
        appendToSegment(bytes, at: header.timestampNanoseconds)
        appendToChunk(slot, header: header, bytes: bytes, receivedAt: receivedAt)
        guard let message else { return }
        let type = message.type
        let robot = robotSlot(slot, header: header, message: message)
        robotStates[robot].update(header: header, message: message, receivedAt: receivedAt)
        markRobot(robot)

        switch type.category {
        case .state:
            let start = Int(header.headerLength)
            let body = UnsafeRawBufferPointer(rebasing: bytes[start..<start + type.bodySize])
            addToRollup(robot: robot, type: type, body: body, at: header.timestampNanoseconds, receivedAt: receivedAt)
        case .robotEvent, .refereeEvent:
            events.append(Self.eventRecord(header: header, type: type, bytes: bytes))
        case .control:
            break
        }
        onFrame?(Frame(header: header, message: message), bytes)
    }

    private mutating func reject(_ bytes: UnsafeRawBufferPointer, code: ProtocolError.Code) {
        totals.rejected[code, default: 0] += 1
        batchCounters.rejected[code, default: 0] += 1
        // Charge the rejection to the stream the frame claims, so that a robot whose frames are
        // all bad still shows in the loss report. Only a frame whose checksum held settles
        // its sequence number (rejected for good, acknowledged so the robot stops resending
        // it); an unverified header moves no sequence state.
        guard let claimed = FrameHeader.unverified(bytes), ownsLedger(of: claimed.robotID) else { return }
        let slot = streamSlot(StreamKey(robotID: claimed.robotID, bootEpoch: claimed.bootEpoch))
        if code.headerIsVerified {
            ledgers.ledgers[slot].reject(claimed.sequence)
        } else {
            ledgers.ledgers[slot].rejectUnverified()
        }
        markLedger(slot)
    }

    private enum Counter { case accepted, duplicates, skippedUnknownType, skippedAck }

    /// Counts one frame (a switch, not a key path: writing through a key path allocates).
    private mutating func count(_ counter: Counter) {
        switch counter {
        case .accepted:
            totals.accepted += 1
            batchCounters.accepted += 1
        case .duplicates:
            totals.duplicates += 1
            batchCounters.duplicates += 1
        case .skippedUnknownType:
            totals.skippedUnknownType += 1
            batchCounters.skippedUnknownType += 1
        case .skippedAck:
            totals.skippedAck += 1
            batchCounters.skippedAck += 1
        }
    }

    /// The dense slot of a stream, created on first sight. One hash lookup, none for a run of
    /// frames from the same stream.
    mutating func streamSlot(_ key: StreamKey) -> Int {
        if let cached = cachedStream, cached.key == key { return cached.slot }
        let slot: Int
        if let existing = ledgers.index[key] {
            slot = existing
        } else {
            slot = streamKeys.count
            ledgers.index[key] = slot
            ledgers.ledgers.append(LossLedger(robotID: key.robotID, bootEpoch: key.bootEpoch))
            streamKeys.append(key)
            streamRobot.append(-1)
            chunks.append(ChunkBuilder())
            ledgerTouched.append(false)
            ledgerQueued.append(false)
            ledgerPin.append(0)
            if ownership != nil { attachGate(slot) }
        }
        cachedStream = (key, slot)
        return slot
    }

    mutating func markLedger(_ slot: Int) {
        if !ledgerTouched[slot] {
            ledgerTouched[slot] = true
            touchedLedgers.append(slot)
        }
        if !ledgerQueued[slot] {
            ledgerQueued[slot] = true
            // The change may come from a frame of this batch's segment: keep it until the
            // row that counts it is written.
            ledgerPin[slot] = nextSegmentID
            pinCounts[nextSegmentID, default: 0] += 1
            ledgerRowQueue.append((slot, latestReceive &+ ledgerRowIntervalNanos))
        }
    }

    private mutating func appendToSegment(_ bytes: UnsafeRawBufferPointer, at timestamp: UInt64) {
        FrameChunk.append(bytes, to: &segment)
        segmentCount += 1
        segmentStart = min(segmentStart, timestamp)
        segmentEnd = max(segmentEnd, timestamp)
    }

    static func eventRecord(
        header: FrameHeader,
        type: MessageType,
        bytes: UnsafeRawBufferPointer
    ) -> EventRecord {
        var subject = header.robotID
        var runID: UInt32?
        if type.category == .refereeEvent {
            // Every referee event body starts with run_id, robot_id (see the schema).
            let body = Int(header.headerLength)
            runID = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: body, as: UInt32.self))
            subject = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: body + 4, as: UInt32.self))
        }
        return EventRecord(
            robotID: subject,
            senderID: header.robotID,
            bootEpoch: header.bootEpoch,
            sequence: header.sequence,
            runID: runID,
            timestampNanos: header.timestampNanoseconds,
            messageType: type.rawValue,
            frame: Array(bytes)
        )
    }
}

/// A batch on its way to the writer, with what the writer does after committing it.
public struct PipelineBatch: Sendable {
    public var batch: WriteBatch
    /// To send once the batch is committed (reliable mode).
    public var acks: [Acknowledgement]
    public var receiveTimes: [UInt64]
    public var publishTimes: [UInt64]
    /// Robot ownership decided in the batch's transaction (a store several ingesters write).
    public var claims: RobotClaims
}

/// "Every frame of this stream from `from` up to and including `through` is settled
/// (committed, or rejected for good)": what reliable mode sends back to a robot after its
/// batch commits.
public struct Acknowledgement: Sendable, Equatable {
    public var stream: StreamKey
    public var from: UInt32
    public var through: UInt32

    public init(stream: StreamKey, from: UInt32 = 0, through: UInt32) {
        self.stream = stream
        self.from = from
        self.through = through
    }
}
