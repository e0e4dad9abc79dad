public import FleetProtocol
public import FleetStore

extension Aggregator {
    /// The robot slot of a stream's sender, created on first sight (one lookup per stream,
    /// then remembered in the stream's slot).
    mutating func robotSlot(_ stream: Int, header: FrameHeader, message: borrowing Message) -> Int {
        let known = streamRobot[stream]
        if known >= 0 { return known }
        let id = header.robotID
        let slot: Int
        if let existing = robotIndex[id] {
            slot = existing
        } else {
            slot = robotStates.count
            robotIndex[id] = slot
            robotStates.append(
                RobotLiveState(robotID: id, kind: RobotKind(message.type, robotID: id), bootEpoch: header.bootEpoch)
            )
            robotBuckets.append(contentsOf: repeatElement(nil, count: Self.bucketKinds))
            robotRows.append(RobotRowState())
        }
        streamRobot[stream] = slot
        return slot
    }

    /// Notes that a robot's state moved on: a new robot, kind or boot epoch is written with
    /// the next batch; liveness alone at most every `robotRowIntervalNanos`.
    mutating func markRobot(_ robot: Int) {
        // Field by field: the live state carries a whole message, not worth copying per frame.
        let bootEpoch = robotStates[robot].bootEpoch
        let kind = robotStates[robot].kind
        let structural =
            robotRows[robot].written.map { $0.bootEpoch != bootEpoch || $0.kind != Self.kindColumn(kind) } ?? true
        if structural {
            if !robotRows[robot].structural {
                robotRows[robot].structural = true
                structuralRobots.append(robot)
            }
        } else if !robotRows[robot].queued {
            robotRows[robot].queued = true
            robotRowQueue.append((robot, robotStates[robot].lastReceivedAt &+ robotRowIntervalNanos))
        }
    }

    private static func kindColumn(_ kind: RobotKind) -> String? {
        kind == .unknown ? nil : kind.rawValue
    }

    private func robotRecord(_ robot: Int) -> RobotRecord {
        let state = robotStates[robot]
        return RobotRecord(
            robotID: state.robotID,
            kind: Self.kindColumn(state.kind),
            bootEpoch: state.bootEpoch,
            firstSeenNanos: min(state.firstTimestamp, state.lastTimestamp),
            lastSeenNanos: state.lastTimestamp
        )
    }

    private mutating func takeRobotRows(now: UInt64, all: Bool) -> [RobotRecord] {
        var out: [RobotRecord] = []
        func emit(_ robot: Int, into out: inout [RobotRecord]) {
            let record = robotRecord(robot)
            if robotRows[robot].written != record {
                out.append(record)
                robotRows[robot].written = record
            }
        }
        for robot in structuralRobots {
            robotRows[robot].structural = false
            emit(robot, into: &out)
        }
        structuralRobots.removeAll(keepingCapacity: true)
        if all {
            for robot in robotRows.indices { emit(robot, into: &out) }
            robotRowQueue = FIFO()
            for robot in robotRows.indices { robotRows[robot].queued = false }
        } else {
            while let entry = robotRowQueue.first, now >= entry.due {
                robotRowQueue.popFirst()
                robotRows[entry.robot].queued = false
                emit(entry.robot, into: &out)
            }
        }
        return out
    }

    /// The ledger rows due: each changed stream's at most every `ledgerRowIntervalNanos`,
    /// every changed one when `all`. Writing a row lets go of the segment it pinned.
    private mutating func takeLedgerRows(now: UInt64, all: Bool) -> [LedgerRecord] {
        var out: [LedgerRecord] = []
        for slot in forcedLedgerSlots where ledgerQueued[slot] {
            ledgerQueued[slot] = false
            unpin(ledgerPin[slot])
            out.append(ledgers.ledgers[slot].record)
        }
        forcedLedgerSlots.removeAll(keepingCapacity: true)
        while let entry = ledgerRowQueue.first, all || now >= entry.due {
            ledgerRowQueue.popFirst()
            let slot = entry.slot
            guard ledgerQueued[slot] else { continue }
            ledgerQueued[slot] = false
            unpin(ledgerPin[slot])
            out.append(ledgers.ledgers[slot].record)
        }
        return out
    }

    /// Hands out everything accumulated since the last call and the acknowledgements that
    /// become true once it is committed.
    ///
    /// - Parameters:
    ///   - now: the receive clock's time, for chunk ages, quiet rollup buckets and robot
    ///     rows; the newest receive time seen when nil.
    ///   - final: seal every chunk, close every bucket and write every robot (shutdown):
    ///     the store then holds no segment.
    public mutating func takeBatch(now: UInt64? = nil, final: Bool = false) -> PipelineBatch {
        let now = now ?? latestReceive
        // Robots quiet for their lease are let go first: their last rows go with this batch.
        if ownership != nil { releaseQuietRobots(now: now) }
        let claims = takeClaims()
        var batch = WriteBatch()
        batch.frameCount = batchFrames
        if final {
            sealAllChunks()
        } else {
            sealAgedChunks(now: now)
        }
        closeBuckets(now: now, all: final)
        batch.chunks = sealed
        sealed.removeAll(keepingCapacity: true)
        // Ledger rows count every frame up to and including this batch's segment.
        batch.ledgerThroughSegment = nextSegmentID + (segmentCount > 0 ? 1 : 0)
        batch.ledger = takeLedgerRows(now: now, all: final)
        (batch.segment, batch.releaseSegmentsBelow) = takeSegment()
        batch.rollups = takeRollups()
        batch.events = events
        events.removeAll(keepingCapacity: true)
        var acks: [Acknowledgement] = []
        for slot in touchedLedgers {
            ledgerTouched[slot] = false
            for run in ledgers.ledgers[slot].acknowledgedRuns {
                acks.append(Acknowledgement(stream: streamKeys[slot], from: run.first, through: run.last))
            }
        }
        touchedLedgers.removeAll(keepingCapacity: true)
        batch.robots = takeRobotRows(now: now, all: final)
        batch.counterDeltas = batchCounters.deltas()
        if receivedSinceLastBatch > 0 {
            batch.counterDeltas.insert(("frames.received", Int64(receivedSinceLastBatch)), at: 0)
            receivedSinceLastBatch = 0
        }
        batchCounters = IngestCounters()
        batchFrames = 0
        defer {
            batchReceiveTimes.removeAll(keepingCapacity: true)
            batchPublishTimes.removeAll(keepingCapacity: true)
        }
        return PipelineBatch(
            batch: batch,
            acks: acks,
            receiveTimes: batchReceiveTimes,
            publishTimes: batchPublishTimes,
            claims: claims
        )
    }
}
