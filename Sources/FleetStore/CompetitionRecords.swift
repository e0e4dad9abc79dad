/// A run's lifecycle state. Only RUNNING telemetry scores; FINAL is signed and never changes.
public enum RunPhase: String, Sendable, Codable, CaseIterable {
    case prepare = "PREPARE"
    case running = "RUNNING"
    case finished = "FINISHED"
    case final = "FINAL"

    /// The state a command moves a run to from this one, if allowed.
    public var next: RunPhase? {
        switch self {
        case .prepare: .running
        case .running: .finished
        case .finished: .final
        case .final: nil
        }
    }
}

/// Where a run's RUNNING window (in event time) comes from.
public enum RunWindowSource: String, Sendable, Codable, CaseIterable {
    /// The arena referee's `run_state` frames for the run (simulated or real arena).
    case referee
    /// The wall-clock times of `fleet run start` and `fleet run stop`.
    case wall
}

/// A robot registered to a team.
public struct RegisteredRobot: Sendable, Equatable, Codable {
    public var robotID: UInt32
    public var team: String
    public var name: String?
    /// Registration kind: sweeper, litterPicker, washer, humanoid.
    public var kind: String
    /// m; nil takes the rulebook's width for the kind.
    public var brushWidth: Double?

    public init(robotID: UInt32, team: String, name: String? = nil, kind: String, brushWidth: Double? = nil) {
        self.robotID = robotID
        self.team = team
        self.name = name
        self.kind = kind
        self.brushWidth = brushWidth
    }
}

public struct RunRecord: Sendable, Equatable, Codable {
    public var id: UInt32
    public var name: String
    /// Division id: P, N, A or H.
    public var division: String
    public var seed: UInt64
    public var state: RunPhase
    public var window: RunWindowSource
    public var rulebookHash: String
    /// SHA-256 of the arena file stored with the run (`fleet run create --arena`); nil: the
    /// run is scored in the arena generated from its division and seed.
    public var arenaHash: String?
    public var createdNanos: UInt64
    public var startedNanos: UInt64?
    public var stoppedNanos: UInt64?
    public var finalizedNanos: UInt64?
    /// Flagged for review (a telemetry gap, a live/recompute disagreement).
    public var review: Bool

    public init(
        id: UInt32,
        name: String,
        division: String,
        seed: UInt64,
        state: RunPhase,
        window: RunWindowSource,
        rulebookHash: String,
        createdNanos: UInt64,
        startedNanos: UInt64? = nil,
        stoppedNanos: UInt64? = nil,
        finalizedNanos: UInt64? = nil,
        review: Bool = false,
        arenaHash: String? = nil
    ) {
        self.id = id
        self.name = name
        self.division = division
        self.seed = seed
        self.state = state
        self.window = window
        self.rulebookHash = rulebookHash
        self.createdNanos = createdNanos
        self.startedNanos = startedNanos
        self.stoppedNanos = stoppedNanos
        self.finalizedNanos = finalizedNanos
        self.review = review
        self.arenaHash = arenaHash
    }
}

/// A referee's action on a run, kept with who and why.
public struct RefereeAction: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case penaltyAdd = "penalty_add"
        case penaltyRemove = "penalty_remove"
        case award
    }

    public var id: Int64
    public var runID: UInt32
    public var kind: Kind
    public var team: String?
    public var robotID: UInt32?
    /// Penalty points, or the award's fraction of points earned.
    public var value: Double?
    /// penalty_remove: the penalty it takes back.
    public var target: Int64?
    public var by: String
    public var reason: String
    public var atNanos: UInt64

    public init(
        id: Int64 = 0,
        runID: UInt32,
        kind: Kind,
        team: String?,
        robotID: UInt32? = nil,
        value: Double?,
        target: Int64? = nil,
        by: String,
        reason: String,
        atNanos: UInt64
    ) {
        self.id = id
        self.runID = runID
        self.kind = kind
        self.team = team
        self.robotID = robotID
        self.value = value
        self.target = target
        self.by = by
        self.reason = reason
        self.atNanos = atNanos
    }
}

/// The live board of a run, written with the ingest writer's batches; only the newest is kept.
public struct ProvisionalScoreRecord: Sendable, Equatable {
    public var runID: UInt32
    /// Wall clock of the snapshot.
    public var atNanos: UInt64
    /// Event time up to which frames were scored.
    public var watermarkNanos: UInt64?
    /// JSON.
    public var summary: String

    public init(runID: UInt32, atNanos: UInt64, watermarkNanos: UInt64?, summary: String) {
        self.runID = runID
        self.atNanos = atNanos
        self.watermarkNanos = watermarkNanos
        self.summary = summary
    }
}

/// A score event as stored (the scorer's `ScoreEvent`, flattened).
public struct ScoreEventRow: Sendable, Equatable {
    public var time: UInt64
    public var robotID: UInt32
    public var team: String
    public var criterion: String
    public var delta: Double
    public var total: Double
    public var score: Double
    public var sender: UInt32
    public var bootEpoch: UInt32
    public var sequence: UInt32
    public var eventID: Int64?

    public init(
        time: UInt64,
        robotID: UInt32,
        team: String,
        criterion: String,
        delta: Double,
        total: Double,
        score: Double,
        sender: UInt32,
        bootEpoch: UInt32,
        sequence: UInt32,
        eventID: Int64?
    ) {
        self.time = time
        self.robotID = robotID
        self.team = team
        self.criterion = criterion
        self.delta = delta
        self.total = total
        self.score = score
        self.sender = sender
        self.bootEpoch = bootEpoch
        self.sequence = sequence
        self.eventID = eventID
    }
}

/// A result to store: its JSON without the score events, and the events (stored once, in the
/// run's append-only event list; a final result shares the live result's events as far as
/// they agree).
public struct RunResultWrite: Sendable, Equatable {
    public enum Source: String, Sendable {
        case live
        case final
    }

    public var runID: UInt32
    public var source: Source
    /// The result's JSON with an empty `events` array; nil for a final result (its signed
    /// document holds it).
    public var summary: String?
    public var events: [ScoreEventRow]
    /// Sets the run's review flag (never clears it).
    public var review: Bool

    public init(runID: UInt32, source: Source, summary: String?, events: [ScoreEventRow], review: Bool) {
        self.runID = runID
        self.source = source
        self.summary = summary
        self.events = events
        self.review = review
    }
}

/// A stored result: its JSON without events and where its events are in the run's event list
/// (`run_result` of migration `v4-compact-results`).
public struct StoredRunResult: Sendable, Equatable {
    public var runID: UInt32
    public var source: RunResultWrite.Source
    /// The result's JSON with an empty `events` array; nil for a final result.
    public var summary: String?
    /// The result's events are the first `shared` events of the run's list, then the list's
    /// events at `own`.
    public var shared: Int
    public var own: Range<Int>

    public init(runID: UInt32, source: RunResultWrite.Source, summary: String?, shared: Int, own: Range<Int>) {
        self.runID = runID
        self.source = source
        self.summary = summary
        self.shared = shared
        self.own = own
    }

    public var eventCount: Int { shared + own.count }

    /// The list ordinals of the result's events at `positions` (at most two ranges).
    public func ordinals(_ positions: Range<Int>) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        let head = positions.clamped(to: 0..<shared)
        if !head.isEmpty { ranges.append(head) }
        let tail = positions.clamped(to: shared..<eventCount)
        if !tail.isEmpty {
            ranges.append((own.lowerBound + tail.lowerBound - shared)..<(own.lowerBound + tail.upperBound - shared))
        }
        return ranges
    }
}

/// One sender's hash chain over a run's stored frames.
public struct ChainRecord: Sendable, Equatable {
    public var senderID: UInt32
    public var frames: Int
    /// SHA-256 chain head.
    public var head: [UInt8]
    /// Per frame, in chain order: its boot epoch, sequence and a digest prefix
    /// (`HashChain.IndexFormat` says how they are laid out).
    public var frameIndex: [UInt8]

    public init(senderID: UInt32, frames: Int, head: [UInt8], frameIndex: [UInt8]) {
        self.senderID = senderID
        self.frames = frames
        self.head = head
        self.frameIndex = frameIndex
    }
}

/// The signed final result as stored.
public struct FinalRecord: Sendable, Equatable {
    public var runID: UInt32
    /// The exact bytes that were signed (JSON).
    public var document: [UInt8]
    public var signature: [UInt8]
    public var publicKey: [UInt8]
    public var signedNanos: UInt64

    public init(runID: UInt32, document: [UInt8], signature: [UInt8], publicKey: [UInt8], signedNanos: UInt64) {
        self.runID = runID
        self.document = document
        self.signature = signature
        self.publicKey = publicKey
        self.signedNanos = signedNanos
    }
}

extension ScoreEventRow {
    /// Equal field by field, doubles by bit pattern (a NaN equals itself, -0.0 differs from 0.0).
    public func bitwiseEquals(_ other: ScoreEventRow) -> Bool {
        time == other.time && robotID == other.robotID && team == other.team && criterion == other.criterion
            && delta.bitPattern == other.delta.bitPattern && total.bitPattern == other.total.bitPattern
            && score.bitPattern == other.score.bitPattern && sender == other.sender && bootEpoch == other.bootEpoch
            && sequence == other.sequence && eventID == other.eventID
    }
}
