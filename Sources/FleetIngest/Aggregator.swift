public import FleetProtocol
public import FleetStorage
public import FleetStore

/// The pipeline's pure core: takes frames in arrival order, decodes each once, filters
/// duplicates through the loss ledgers, keeps each robot's live state, accumulates 1 s
/// rollups, extracts events, groups raw frames into chunks, and hands all of it out as one
/// `WriteBatch` at a time. No I/O, no clocks: the caller passes receive times in.
public struct Aggregator {
    /// Latest state by robot id.
    public private(set) var robots: [UInt32: RobotLiveState] = [:]
    public private(set) var ledgers: [StreamKey: LossLedger] = [:]
    /// Totals since the service started (not per batch).
    public private(set) var totals = IngestCounters()
    /// Called with every accepted, decoded frame, in arrival order: the live scorer's feed.
    public var onFrame: ((borrowing Frame, UnsafeRawBufferPointer) -> Void)?

    private let catalog = RollupCatalog.shared
    // The batch being built.
    private var chunks: [StreamKey: ChunkRecord] = [:]
    private var rollups: [RollupKey: RollupRecord] = [:]
    private var events: [EventRecord] = []
    private var touchedLedgers: Set<StreamKey> = []
    private var touchedRobots: Set<UInt32> = []
    private var batchCounters = IngestCounters()
    private var batchFrames = 0
    /// Receive times of the batch's accepted frames, for receive→commit latency.
    private var batchReceiveTimes: [UInt64] = []
    /// Event times of the batch's accepted frames stamped with real (not simulated) time,
    /// for publish→commit latency.
    private var batchPublishTimes: [UInt64] = []

    private struct RollupKey: Hashable {
        var robotID: UInt32
        var type: UInt8
        var second: Int64
    }

    /// Whether `ingest` checks each frame's header, lengths and checksum itself. The
    /// pipeline turns this off: its receiver checked every frame before queueing it, and
    /// the checksum is the costliest part of decoding.
    public var verifiesFrames: Bool

    /// - Parameters:
    ///   - ledgers: ledgers stored before a restart, so duplicates resent after it are
    ///     recognised.
    ///   - verifiesFrames: see `verifiesFrames`.
    public init(restoring ledgers: [LedgerRecord] = [], verifiesFrames: Bool = true) {
        self.verifiesFrames = verifiesFrames
        for record in ledgers {
            self.ledgers[StreamKey(robotID: record.robotID, bootEpoch: record.bootEpoch)] = LossLedger(
                restoring: record
            )
        }
    }

    /// Frames the receiver took off its sockets since the last batch (valid or not), so the
    /// store can show that everything received was stored or accounted for.
    public var receivedSinceLastBatch = 0

    /// Frames accepted into the batch being built.
    public var pendingFrames: Int { batchFrames }

    /// Takes one frame off the ring.
    public mutating func ingest(_ frame: RingFrame) {
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
                    skipUnknownType(known, frame)
                } else {
                    reject(frame.bytes, code: error.code)
                }
                return
            }
        } else {
            // The receiver checked lengths, checksum and type before queueing the frame.
            guard let checked = FrameHeader.unverified(frame.bytes) else {
                reject(frame.bytes, code: .truncatedHeader)
                return
            }
            header = checked
            if header.knownMessageType == nil {
                skipUnknownType(header, frame)
                return
            }
        }
        do {
            let message = try FrameDecoder.decodeMessage(of: header, in: frame.bytes)
            accept(header: header, message: message, bytes: frame.bytes, receivedAt: frame.receivedAt)
        } catch {
            reject(frame.bytes, code: error.code)
        }
    }

    /// A type from a newer minor version: its sequence number counts, its bytes are kept,
    /// nothing is decoded.
    private mutating func skipUnknownType(_ header: FrameHeader, _ frame: RingFrame) {
        accept(header: header, message: nil, bytes: frame.bytes, receivedAt: frame.receivedAt)
        count(\.skippedUnknownType)
    }

    /// Counts frames the receiver dropped for `robotID` (ring full in pub mode).
    public mutating func countDropped(robotID: UInt32, bootEpoch: UInt32, count: Int) {
        let key = StreamKey(robotID: robotID, bootEpoch: bootEpoch)
        ledgers[key, default: LossLedger(robotID: robotID, bootEpoch: bootEpoch)].countDropped(count)
        touchedLedgers.insert(key)
        totals.dropped += count
        batchCounters.dropped += count
    }

    /// Counts frames the receiver refused for claiming another robot than their sender's key.
    public mutating func countRefusedRobotID(_ count: Int) {
        totals.refusedRobotID += count
        batchCounters.refusedRobotID += count
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
        let verdict = ledgers[key, default: LossLedger(robotID: header.robotID, bootEpoch: header.bootEpoch)]
            .accept(header.sequence, at: header.timestampNanoseconds)
        touchedLedgers.insert(key)
        if verdict == .duplicate {
            count(\.duplicates)
            return
        }
        count(\.accepted)
        batchFrames += 1
        batchReceiveTimes.append(receivedAt)
        if !header.hasSimulatedTime { batchPublishTimes.append(header.timestampNanoseconds) }
        appendToChunk(key, header: header, bytes: bytes)
        guard let message else { return }
        let type = message.type
        updateLiveState(header: header, message: message, receivedAt: receivedAt)

        switch type.category {
        case .state:
            let second = Int64(header.timestampNanoseconds / 1_000_000_000)
            let rollupKey = RollupKey(robotID: header.robotID, type: type.rawValue, second: second)
            let start = Int(header.headerLength)
            let body = UnsafeRawBufferPointer(rebasing: bytes[start..<start + type.bodySize])
            let metricCount = catalog.metrics(of: type).count
            // One hash lookup: the default subscript mutates the stored record in place.
            rollups[
                rollupKey,
                default: RollupRecord(
                    robotID: header.robotID,
                    messageType: type.rawValue,
                    bucketSecond: second,
                    count: 0,
                    lastNanos: 0,
                    stats: RollupStats(metricCount: metricCount)
                )
            ].add(type, body: body, at: header.timestampNanoseconds, catalog: catalog)
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
        // Charge the rejection to the stream the frame claims, but only for a robot already
        // known here: a corrupt robot id must not invent robots.
        guard let claimed = FrameHeader.unverified(bytes) else { return }
        let key = StreamKey(robotID: claimed.robotID, bootEpoch: claimed.bootEpoch)
        guard ledgers[key] != nil else { return }
        ledgers[key]!.reject(claimed.sequence)
        touchedLedgers.insert(key)
    }

    private mutating func count(_ counter: WritableKeyPath<IngestCounters, Int>) {
        totals[keyPath: counter] += 1
        batchCounters[keyPath: counter] += 1
    }

    private mutating func appendToChunk(_ key: StreamKey, header: FrameHeader, bytes: UnsafeRawBufferPointer) {
        let ts = header.timestampNanoseconds
        chunks[
            key,
            default: ChunkRecord(
                robotID: key.robotID,
                bootEpoch: key.bootEpoch,
                firstSequence: header.sequence,
                lastSequence: header.sequence,
                startNanos: ts,
                endNanos: ts,
                frameCount: 0,
                frames: []
            )
        ].append(bytes, sequence: header.sequence, at: ts)
    }

    private mutating func updateLiveState(header: FrameHeader, message: borrowing Message, receivedAt: UInt64) {
        let id = header.robotID
        if touchedRobots.insert(id).inserted && robots[id] == nil {
            robots[id] = RobotLiveState(
                robotID: id,
                kind: RobotKind(message.type, robotID: id),
                bootEpoch: header.bootEpoch
            )
        }
        robots[id]!.update(header: header, message: message, receivedAt: receivedAt)
    }

    private static func eventRecord(
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

    /// Hands out everything accumulated since the last call, in a deterministic order, and
    /// the acknowledgements that become true once it is committed.
    public mutating func takeBatch() -> PipelineBatch {
        var batch = WriteBatch()
        batch.frameCount = batchFrames
        batch.chunks = chunks.keys.sorted().map { chunks[$0]! }
        batch.rollups = rollups.values.sorted {
            ($0.robotID, $0.messageType, $0.bucketSecond) < ($1.robotID, $1.messageType, $1.bucketSecond)
        }
        batch.events = events
        var acks: [Acknowledgement] = []
        for key in touchedLedgers.sorted() {
            let ledger = ledgers[key]!
            batch.ledger.append(ledger.record)
            if let through = ledger.contiguousThrough {
                acks.append(Acknowledgement(stream: key, through: through))
            }
        }
        batch.robots = touchedRobots.sorted().map { id in
            let robot = robots[id]!
            return RobotRecord(
                robotID: id,
                kind: robot.kind == .unknown ? nil : robot.kind.rawValue,
                bootEpoch: robot.bootEpoch,
                lastSeenNanos: robot.lastTimestamp
            )
        }
        batch.counterDeltas = batchCounters.deltas()
        if receivedSinceLastBatch > 0 {
            batch.counterDeltas.insert(("frames.received", Int64(receivedSinceLastBatch)), at: 0)
            receivedSinceLastBatch = 0
        }
        chunks.removeAll(keepingCapacity: true)
        rollups.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
        touchedLedgers.removeAll(keepingCapacity: true)
        touchedRobots.removeAll(keepingCapacity: true)
        batchCounters = IngestCounters()
        batchFrames = 0
        defer {
            batchReceiveTimes.removeAll(keepingCapacity: true)
            batchPublishTimes.removeAll(keepingCapacity: true)
        }
        return PipelineBatch(batch: batch, acks: acks, receiveTimes: batchReceiveTimes, publishTimes: batchPublishTimes)
    }
}

/// A batch on its way to the writer, with what the writer does after committing it.
public struct PipelineBatch: Sendable {
    public var batch: WriteBatch
    /// To send once the batch is committed (reliable mode).
    public var acks: [Acknowledgement]
    public var receiveTimes: [UInt64]
    public var publishTimes: [UInt64]
}

/// "Every frame of this stream up to and including `through` is committed": what reliable
/// mode sends back to a robot after its batch commits.
public struct Acknowledgement: Sendable, Equatable {
    public var stream: StreamKey
    public var through: UInt32

    public init(stream: StreamKey, through: UInt32) {
        self.stream = stream
        self.through = through
    }
}

extension RollupRecord {
    mutating func add(_ type: MessageType, body: UnsafeRawBufferPointer, at timestamp: UInt64, catalog: RollupCatalog) {
        count += 1
        lastNanos = max(lastNanos, timestamp)
        catalog.accumulate(type, body: body, into: &stats)
    }
}

extension ChunkRecord {
    mutating func append(_ bytes: UnsafeRawBufferPointer, sequence: UInt32, at timestamp: UInt64) {
        firstSequence = min(firstSequence, sequence)
        lastSequence = max(lastSequence, sequence)
        startNanos = min(startNanos, timestamp)
        endNanos = max(endNanos, timestamp)
        frameCount += 1
        FrameChunk.append(bytes, to: &frames)
    }
}
