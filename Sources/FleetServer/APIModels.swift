public import FleetCompetition
import FleetIngest
import FleetProtocol
public import FleetScoring
import FleetStorage
import FleetStore

/// A robot as the API lists it: who it is, when it was seen, and its latest state.
struct RobotJSON: Encodable {
    var robot: UInt32
    var kind: String?
    var name: String?
    var team: String?
    var bootEpoch: UInt32
    var firstSeen: UInt64?
    var lastSeen: UInt64
    /// Heard from in the last 5 s (live only; nil when the server has no ingester).
    var online: Bool?
    var framesAccepted: Int?
    var state: StateJSON?
}

/// A state message: event time, type and every field by schema name.
struct StateJSON: Encodable {
    var time: UInt64
    var type: String
    var fields: JSONValue
}

/// A stored frame, decoded.
struct FrameJSON: Encodable {
    var robot: UInt32
    var bootEpoch: UInt32
    var sequence: UInt32
    var time: UInt64
    var type: String
    /// Nil for a message type this version does not know (stored raw).
    var fields: JSONValue?

    init(header: FrameHeader, bytes: [UInt8]) {
        robot = header.robotID
        bootEpoch = header.bootEpoch
        sequence = header.sequence
        time = header.timestampNanoseconds
        type = header.knownMessageType?.schemaName ?? "unknown_\(header.messageType)"
        fields = bytes.withUnsafeBytes { buffer in
            MessageType.fieldValues(of: header, in: buffer).map(JSONValue.fields)
        }
    }
}

struct EventJSON: Encodable {
    var id: Int64
    var robot: UInt32
    var sender: UInt32
    var run: UInt32?
    var time: UInt64
    var type: String
    var fields: JSONValue?

    init(_ event: StoredEvent) {
        id = event.eventID
        robot = event.robotID
        sender = event.senderID
        run = event.runID
        time = event.timestampNanos
        let frame = FrameJSON(
            header: event.bytes.withUnsafeBytes { FrameHeader.unverified($0) }
                ?? FrameHeader(
                    messageType: event.messageType,
                    robotID: event.senderID,
                    bootEpoch: 0,
                    sequence: 0,
                    bodyLength: 0,
                    timestampNanoseconds: event.timestampNanos
                ),
            bytes: event.bytes
        )
        type = frame.type
        fields = frame.fields
    }
}

/// One robot's loss ledger for one boot epoch, with its completeness.
struct LedgerJSON: Encodable {
    var robot: UInt32
    var bootEpoch: UInt32
    var received: Int
    var missing: Int
    var duplicates: Int
    var outOfOrder: Int
    var rejected: Int
    var dropped: Int
    var highestSequence: UInt32?
    var first: UInt64
    var last: UInt64
    var gaps: [String]
    var rejectedSequences: [String]
    /// Frames received / frames sent (from sequence numbers), 0–1.
    var completeness: Double

    init(_ record: LedgerRecord) {
        robot = record.robotID
        bootEpoch = record.bootEpoch
        received = record.received
        missing = record.gaps.reduce(0) { $0 + $1.count }
        duplicates = record.duplicates
        outOfOrder = record.outOfOrder
        rejected = record.rejected
        dropped = record.dropped
        highestSequence = record.highestSequence
        first = record.firstNanos
        last = record.lastNanos
        gaps = record.gaps.map(\.description)
        rejectedSequences = record.rejectedSequences.map(\.description)
        completeness = Completeness(received: received, missing: missing).fraction
    }
}

/// Frames received against frames sent, summed over boot epochs and robots.
struct Completeness: Encodable, Equatable {
    var received: Int
    var missing: Int

    var fraction: Double {
        received + missing == 0 ? 1 : Double(received) / Double(received + missing)
    }

    static func byRobot(_ ledgers: [LedgerRecord]) -> [UInt32: Completeness] {
        var out: [UInt32: Completeness] = [:]
        for record in ledgers {
            out[record.robotID, default: Completeness(received: 0, missing: 0)].received += record.received
            out[record.robotID, default: Completeness(received: 0, missing: 0)].missing +=
                record.gaps.reduce(0) { $0 + $1.count }
        }
        return out
    }

    enum CodingKeys: String, CodingKey { case received, missing, fraction }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(received, forKey: .received)
        try container.encode(missing, forKey: .missing)
        try container.encode(fraction, forKey: .fraction)
    }
}

/// A run's board: the ranking with each team's score components and data completeness,
/// then the result (every criterion, per robot, review flags) with its newest score events;
/// all of them page by page from `/api/runs/{run}/events`.
public struct Scoreboard: Encodable, Sendable {
    /// Score events carried in `result.events` (the newest ones).
    static let recentEvents = 30

    public struct Rank: Encodable, Sendable {
        public var rank: Int
        public var team: String
        public var robots: [UInt32]
        public var score: Double
        public var earned: Double
        /// The criteria, 0–1 (sanitation: Q, C, E, A, S; humanoid: items, bin, A).
        public var components: [String: Double]
        public var penalties: Double
        public var bonuses: Double
        public var zeroedByContact: Bool
        public var disqualifiedRobots: [UInt32]
        /// Frames received / frames sent over the team's robots, 0–1.
        public var completeness: Double
        public var flags: Int
    }

    public var run: RunSummary
    /// Scores stay provisional until the run is FINAL.
    public var provisional: Bool
    public var ranking: [Rank]
    /// Per robot: frames received / frames sent (sequence numbers).
    public var completeness: [String: Double]
    public var flags: [ReviewFlag]
    /// Score events of the run in all; `result.events` has the newest `recentEvents`.
    public var eventCount: Int
    /// FINAL: the signed result's checks now (nil before FINAL).
    public var integrity: Integrity?
    /// The run's data failed integrity: the rulebook voids it (the scores do not count).
    public var void: Bool
    /// Before FINAL, from the live scorer of the serving process: every frame up to this
    /// event time (ns) is scored (nil: no live scorer here, or nothing scored yet).
    public var scoredThrough: UInt64?
    /// Wall clock (ns) of the live board shown.
    public var computedAt: UInt64?
    public var result: RunResult?

    static func make(
        run: RunSummary,
        result: RunResult?,
        ledgers: [LedgerRecord],
        completeness perRun: [RobotCompleteness]? = nil,
        integrity: Integrity? = nil,
        progress: LiveProgress? = nil
    ) -> Scoreboard {
        var byRobot = Completeness.byRobot(ledgers)
        if let perRun {
            byRobot = Dictionary(
                uniqueKeysWithValues: perRun.map {
                    ($0.robot, Completeness(received: $0.received, missing: max(0, $0.expected - $0.received)))
                }
            )
        }
        let ranking = ranked(
            (result?.teams ?? []).map { team in
                Rank(team, completeness: byRobot, flags: result?.flags.filter { team.robots.contains($0.robot) } ?? [])
            }
        )
        var completeness: [String: Double] = [:]
        for robot in result?.robots ?? [] {
            completeness[String(robot.robot)] = byRobot[robot.robot]?.fraction ?? 0
        }
        return Scoreboard(
            run: run,
            provisional: run.state != .final,
            ranking: ranking,
            completeness: completeness,
            flags: result?.flags ?? [],
            eventCount: result?.events.count ?? 0,
            integrity: integrity,
            void: integrity?.verdict == .void,
            scoredThrough: run.state == .final ? nil : progress?.scoredThrough,
            computedAt: run.state == .final ? nil : progress?.computedAt,
            result: result.map { full in
                var trimmed = full
                trimmed.events = Array(full.events.suffix(recentEvents))
                return trimmed
            }
        )
    }

    /// Sorted by score, then safety, then name; ties share a rank.
    static func ranked(_ unranked: [Rank]) -> [Rank] {
        var ranking = unranked
        ranking.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            let sa = a.components["S"] ?? 0
            let sb = b.components["S"] ?? 0
            if sa != sb { return sa > sb }
            return a.team < b.team
        }
        for i in ranking.indices {
            ranking[i].rank = i > 0 && ranking[i].score == ranking[i - 1].score ? ranking[i - 1].rank : i + 1
        }
        return ranking
    }
}

extension Scoreboard.Rank {
    /// A team's row, unranked: its criteria, and its robots' completeness summed.
    init(_ team: TeamResult, completeness byRobot: [UInt32: Completeness], flags: [ReviewFlag]) {
        var sum = Completeness(received: 0, missing: 0)
        for robot in team.robots {
            if let c = byRobot[robot] {
                sum.received += c.received
                sum.missing += c.missing
            }
        }
        let components: [String: Double]
        if let humanoid = team.humanoid {
            components = [
                "items": humanoid.items == 0 ? 0 : Double(humanoid.itemsPlaced) / Double(humanoid.items),
                "bin": humanoid.binDelivered ? 1 : 0,
                "A": team.autonomy.A,
            ]
        } else {
            components = [
                "Q": team.quality.Q, "C": team.coverage.C, "E": team.efficiency.E, "A": team.autonomy.A,
                "S": team.safety.S,
            ]
        }
        self.init(
            rank: 0,
            team: team.team,
            robots: team.robots,
            score: team.runScore,
            earned: team.earned,
            components: components,
            penalties: team.penalties.points,
            bonuses: team.bonuses.points,
            zeroedByContact: team.zeroedByContact,
            disqualifiedRobots: team.disqualifiedRobots,
            completeness: sum.fraction,
            flags: flags.count
        )
    }
}
