public import FleetScoring
public import FleetStorage
public import FleetStore
import Foundation

/// Frames received over frames sent (from sequence numbers) of one robot, from the loss
/// ledger: shown beside its score.
public struct RobotCompleteness: Sendable, Equatable, Codable {
    public var robot: UInt32
    public var received: Int
    public var expected: Int
    public var completeness: Double

    public static func from(_ ledgers: [LedgerRecord], robots: [UInt32]) -> [RobotCompleteness] {
        var received: [UInt32: Int] = [:]
        var expected: [UInt32: Int] = [:]
        for record in ledgers {
            received[record.robotID, default: 0] += record.received
            expected[record.robotID, default: 0] += record.expected
        }
        return robots.sorted().map { id in
            let r = received[id] ?? 0
            let e = expected[id] ?? 0
            return RobotCompleteness(
                robot: id,
                received: r,
                expected: e,
                completeness: e == 0 ? 1 : Double(r) / Double(e)
            )
        }
    }
}

/// What `fleet score` prints and the board shows: a run, where its numbers come from, the
/// result, and each robot's data completeness.
public struct ScoreReport: Sendable, Codable {
    public enum Source: String, Sendable, Codable {
        /// The newest provisional board row (RUNNING).
        case provisional
        /// The live scorer's result when the run stopped.
        case live
        /// Rebuilt from the database now.
        case recompute
        /// The signed FINAL result.
        case final
    }

    public var run: RunRecord
    public var source: Source
    public var result: RunResult?
    /// The board row, when the source is provisional.
    public var board: BoardSummary?
    public var completeness: [RobotCompleteness]
    /// FINAL: what the signed result's checks say (void: a check failed; unverified: no pinned key).
    public var integrity: Integrity?

    public init(
        run: RunRecord,
        source: Source,
        result: RunResult?,
        board: BoardSummary? = nil,
        completeness: [RobotCompleteness]
    ) {
        self.run = run
        self.source = source
        self.result = result
        self.board = board
        self.completeness = completeness
    }
}

/// One provisional row: the board's numbers per team, completeness per robot.
public struct BoardSummary: Sendable, Codable, Equatable {
    public struct Team: Sendable, Codable, Equatable {
        public var team: String
        public var runScore: Double
        public var Q: Double
        public var C: Double
        public var E: Double
        public var A: Double
        public var S: Double
        public var penalties: Double
        public var bonuses: Double
    }

    public var runID: UInt32
    /// Event time up to which frames are scored.
    public var watermark: UInt64?
    public var teams: [Team]
    public var robots: [RobotCompleteness]
    public var flags: [ReviewFlag]
    /// Frames that arrived after the watermark had passed their time (not scored live).
    public var lateFrames: Int

    public init(result: RunResult, watermark: UInt64?, completeness: [RobotCompleteness], lateFrames: Int) {
        runID = result.runID
        self.watermark = watermark
        teams = result.teams.map {
            Team(
                team: $0.team,
                runScore: $0.runScore,
                Q: $0.quality.Q,
                C: $0.coverage.C,
                E: $0.efficiency.E,
                A: $0.autonomy.A,
                S: $0.safety.S,
                penalties: $0.penalties.points,
                bonuses: $0.bonuses.points
            )
        }
        robots = completeness
        flags = result.flags
        self.lateFrames = lateFrames
    }
}

/// JSON with sorted keys: the same value always gives the same bytes (signed documents,
/// stored results, and the comparisons in tests).
public enum CanonicalJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity",
            negativeInfinity: "-Infinity",
            nan: "NaN"
        )
        return [UInt8](try encoder.encode(value))
    }

    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Sequence<UInt8>) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity",
            negativeInfinity: "-Infinity",
            nan: "NaN"
        )
        return try decoder.decode(type, from: Data(bytes))
    }
}

extension RunResult {
    /// The score events as storage rows.
    public var eventRows: [ScoreEventRow] {
        events.map {
            ScoreEventRow(
                time: $0.time,
                robotID: $0.robot,
                team: $0.team,
                criterion: $0.criterion.rawValue,
                delta: $0.delta,
                total: $0.total,
                score: $0.score,
                sender: $0.evidence.sender,
                bootEpoch: $0.evidence.bootEpoch,
                sequence: $0.evidence.sequence,
                eventID: $0.evidence.eventID
            )
        }
    }

    /// A run with a telemetry gap, or a frame out of order, goes to review.
    public var needsReview: Bool { !flags.isEmpty }
}
