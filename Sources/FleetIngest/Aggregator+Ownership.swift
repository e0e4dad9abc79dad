public import FleetProtocol
public import FleetStore

/// How an ingester shares a store with other ingesters: each robot is written by one of
/// them at a time, under a lease the store grants (`IngestStore.commit(_:claims:at:)`).
public struct RobotOwnershipPolicy: Sendable, Equatable {
    /// How long a claim or renewal holds.
    public var leaseNanos: UInt64
    /// Frames held while their robots' claims are decided, in bytes; past it the pipeline
    /// stops draining the ring until the answer comes (back pressure, not loss).
    public var heldBytesBudget = 16 << 20

    public init(leaseNanos: UInt64) {
        self.leaseNanos = leaseNanos
    }

    /// A robot's frames are accepted until this long before its lease ends: room for the
    /// batch that carries them to commit while the lease still holds.
    var marginNanos: UInt64 { leaseNanos / 4 }
    /// A robot whose lease has less than this left is renewed with the next batch.
    var renewWithinNanos: UInt64 { leaseNanos / 2 }
}

/// A robot whose frames another ingester writes, reported when its first frame is refused
/// and then every 1000th, for the log.
public struct RefusalNotice: Sendable, Equatable {
    public var robotID: UInt32
    /// The ingester holding the robot.
    public var owner: String
    /// Frames of the robot refused so far.
    public var refused: Int
    /// The owner's lease left when the store last answered, ns.
    public var remainingNanos: UInt64
}

/// Where the pipeline stands with one robot.
struct RobotGate {
    enum State {
        /// No decision: the next frame asks the store.
        case unclaimed
        /// Asked in a batch on its way: frames are held until the answer.
        case claiming
        /// This ingester's until `until` (receive clock): frames are accepted.
        case owned
        /// Another ingester's until `until`: frames are refused and counted.
        case elsewhere
    }

    var robotID: UInt32
    var state = State.unclaimed
    var until: UInt64 = 0
    /// A renewal is on its way.
    var renewing = false
    var held: [HeldFrame] = []
    var refused = 0
    var owner = ""
    var ownerRemaining: UInt64 = 0
    /// The robot's streams (one per boot epoch), by stream slot.
    var streams: [Int] = []
}

/// A frame copied off the ring while its robot's claim is decided.
struct HeldFrame {
    var bytes: [UInt8]
    var source: UInt32
    var receivedAt: UInt64
}

extension Aggregator {
    /// Shares robots with other ingesters under `policy` from now on: every robot's frames
    /// wait for a claim before they reach its ledger, and robots with restored rows still
    /// to write are claimed with the first batch. Call once, after `restore(_:)`.
    public mutating func shareRobots(_ policy: RobotOwnershipPolicy) {
        ownership = policy
        for slot in streamKeys.indices { attachGate(slot) }
        for slot in streamKeys.indices where ledgerQueued[slot] {
            let g = gate(streamKeys[slot].robotID)
            if gates[g].state == .unclaimed { requestClaim(g) }
        }
    }

    /// Whether the pipeline should stop draining until claims are answered.
    public var mustWaitForClaims: Bool {
        guard let ownership else { return false }
        return heldBytes >= ownership.heldBytesBudget
    }

    /// Claims asked and not answered yet.
    public var awaitingClaims: Bool { claimingCount > 0 }

    /// Claims or releases wait to be sent: the batch should close soon.
    public var hasClaimRequests: Bool { !pendingClaims.isEmpty || !pendingReleases.isEmpty }

    /// Refusals to log since the last call.
    public mutating func takeRefusalNotices() -> [RefusalNotice] {
        defer { refusalNotices.removeAll(keepingCapacity: true) }
        return refusalNotices
    }

    /// The gate of a robot, created on first sight.
    mutating func gate(_ robotID: UInt32) -> Int {
        if let cached = cachedGate, cached.robotID == robotID { return cached.gate }
        let g: Int
        if let existing = gateIndex[robotID] {
            g = existing
        } else {
            g = gates.count
            gateIndex[robotID] = g
            gates.append(RobotGate(robotID: robotID))
        }
        cachedGate = (robotID, g)
        return g
    }

    mutating func attachGate(_ slot: Int) {
        let g = gate(streamKeys[slot].robotID)
        gates[g].streams.append(slot)
    }

    /// Whether a robot's ledger may be charged (a rejected or dropped frame): only while
    /// this ingester holds it.
    mutating func ownsLedger(of robotID: UInt32) -> Bool {
        guard ownership != nil else { return true }
        return gates[gate(robotID)].state == .owned
    }

    /// Decides a frame before it reaches a ledger: true to go on; otherwise it was held
    /// (claim on its way) or refused (another ingester's robot).
    mutating func admit(_ header: FrameHeader, _ frame: RingFrame) -> Bool {
        guard let policy = ownership else { return true }
        let g = gate(header.robotID)
        switch gates[g].state {
        case .owned:
            if frame.receivedAt < gates[g].until {
                if !gates[g].renewing && gates[g].until &- frame.receivedAt < policy.renewWithinNanos {
                    gates[g].renewing = true
                    pendingRenewals.append(header.robotID)
                }
                return true
            }
            // The lease ran short while frames kept coming (the writer fell behind): let go
            // of what is written, and ask again.
            release(g)
            requestClaim(g)
        case .elsewhere:
            if frame.receivedAt < gates[g].until {
                refuse(g, count: 1)
                return false
            }
            requestClaim(g)
        case .unclaimed:
            requestClaim(g)
        case .claiming:
            break
        }
        gates[g].held.append(HeldFrame(bytes: Array(frame.bytes), source: frame.source, receivedAt: frame.receivedAt))
        heldBytes += frame.bytes.count
        return false
    }

    private mutating func requestClaim(_ g: Int) {
        gates[g].state = .claiming
        gates[g].renewing = false
        claimingCount += 1
        pendingClaims.append(gates[g].robotID)
    }

    private mutating func refuse(_ g: Int, count: Int) {
        guard count > 0 else { return }
        let before = gates[g].refused
        gates[g].refused += count
        totals.refusedOwnedElsewhere += count
        batchCounters.refusedOwnedElsewhere += count
        if before == 0 || before / 1000 != gates[g].refused / 1000 {
            refusalNotices.append(
                RefusalNotice(
                    robotID: gates[g].robotID,
                    owner: gates[g].owner,
                    refused: gates[g].refused,
                    remainingNanos: gates[g].ownerRemaining
                )
            )
        }
    }

    /// Lets go of a robot: its open chunks seal and its ledger and robot rows go out with
    /// this batch, which ends its lease.
    mutating func release(_ g: Int) {
        for slot in gates[g].streams {
            sealChunk(slot)
            if ledgerQueued[slot] { forcedLedgerSlots.append(slot) }
        }
        if let robot = robotIndex[gates[g].robotID], !robotRows[robot].structural {
            robotRows[robot].structural = true
            structuralRobots.append(robot)
        }
        gates[g].state = .unclaimed
        gates[g].renewing = false
        pendingReleases.append(gates[g].robotID)
    }

    /// Releases the robots whose leases end before a frame renewed them (receive time `now`).
    mutating func releaseQuietRobots(now: UInt64) {
        while let entry = leaseQueue.first, now >= entry.due {
            leaseQueue.popFirst()
            let g = entry.gate
            if gates[g].state == .owned && gates[g].until == entry.due { release(g) }
        }
    }

    /// The claims, renewals and releases for the batch being taken.
    mutating func takeClaims() -> RobotClaims {
        var claims = RobotClaims(leaseNanos: ownership?.leaseNanos ?? 0)
        claims.claim = pendingClaims
        claims.renew = pendingRenewals
        claims.release = pendingReleases
        pendingClaims.removeAll(keepingCapacity: true)
        pendingRenewals.removeAll(keepingCapacity: true)
        pendingReleases.removeAll(keepingCapacity: true)
        return claims
    }

    /// Applies the store's answer to a batch's claims, committed after `startedAt` (receive
    /// clock): owned robots' held frames go in, refused robots' held frames are counted.
    public mutating func applyClaims(_ outcome: RobotClaimOutcome, startedAt: UInt64) {
        guard let policy = ownership else { return }
        var continued = Set<Int>()
        for record in outcome.ledgers {
            // Another ingester wrote it: continue its counts and its duplicate filter. One
            // that counts fewer frames than this ingester's own is older (written before this
            // ingester took the robot over and before its own row went out): keep ours.
            let slot = streamSlot(StreamKey(robotID: record.robotID, bootEpoch: record.bootEpoch))
            if record.received >= ledgers.ledgers[slot].record.received {
                ledgers.ledgers[slot] = LossLedger(restoring: record)
            }
            continued.insert(slot)
        }
        // What the previous holder stored after its row: received, so resends are duplicates.
        for frame in outcome.takenOverFrames {
            let slot = streamSlot(frame.stream)
            ledgers.ledgers[slot].absorb(frame.sequence, at: frame.timestampNanos)
            continued.insert(slot)
        }
        // The continued ledgers go out with the next batch: a later takeover finds them
        // written, whatever becomes of the previous holder's segments.
        for slot in continued.sorted() { forceLedgerRow(slot) }
        for robotID in outcome.owned {
            let g = gate(robotID)
            switch gates[g].state {
            case .claiming:
                claimingCount -= 1
            case .owned:
                break
            case .unclaimed, .elsewhere:
                // Released or lost since this was asked: a later answer decides.
                continue
            }
            let until = startedAt &+ policy.leaseNanos &- policy.marginNanos
            gates[g].state = .owned
            gates[g].until = until
            gates[g].renewing = false
            leaseQueue.append((g, until))
            replayHeld(g)
        }
        for owner in outcome.elsewhere + outcome.lost {
            let g = gate(owner.robotID)
            if gates[g].state == .claiming { claimingCount -= 1 }
            gates[g].state = .elsewhere
            gates[g].owner = owner.ingester
            gates[g].ownerRemaining = owner.remainingNanos
            gates[g].until = startedAt &+ max(owner.remainingNanos, 1_000_000)
            gates[g].renewing = false
            let held = gates[g].held
            gates[g].held = []
            heldBytes -= held.reduce(0) { $0 + $1.bytes.count }
            refuse(g, count: held.count)
        }
        for key in outcome.removedFrameKeys {
            if let slot = ledgers.index[key.stream] { ledgers.ledgers[slot].forget(key.sequence) }
        }
        if outcome.removedFrames > 0 {
            totals.accepted -= outcome.removedFrames
            totals.refusedOwnedElsewhere += outcome.removedFrames
            batchCounters.refusedOwnedElsewhere += outcome.removedFrames
        }
    }

    /// Writes a stream's ledger row with the next batch.
    private mutating func forceLedgerRow(_ slot: Int) {
        if !ledgerQueued[slot] {
            ledgerQueued[slot] = true
            ledgerPin[slot] = nextSegmentID
            pinCounts[nextSegmentID, default: 0] += 1
        }
        forcedLedgerSlots.append(slot)
    }

    private mutating func replayHeld(_ g: Int) {
        let held = gates[g].held
        gates[g].held = []
        for frame in held {
            heldBytes -= frame.bytes.count
            frame.bytes.withUnsafeBytes { bytes in
                ingest(RingFrame(bytes: bytes, source: frame.source, receivedAt: frame.receivedAt))
            }
        }
    }
}
