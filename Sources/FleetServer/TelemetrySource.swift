public import FleetIngest
import FleetProtocol
import FleetStorage
import FleetStore
import Foundation

/// What the server reads about robots: the running ingester's live state when there is
/// one, else the database (a server over a finished run's file).
public protocol LiveTelemetry: Sendable {
    /// Robots' latest decoded state, ledgers and counters.
    var liveSnapshot: LiveSnapshot { get }
    /// The ingester's counters, ring, robots online and latency histograms, current.
    func currentMetrics() -> IngestMetrics.Snapshot
}

/// `liveSnapshot` and `currentMetrics()` (gauges refreshed on every call) are the ingester's own.
extension IngestService: LiveTelemetry {}

/// One robot's position and vitals for the board's map and sparklines.
struct LiveRobotJSON: Encodable, Equatable {
    var robot: UInt32
    var kind: String
    var team: String?
    var name: String?
    var time: UInt64
    var x: Double?
    var y: Double?
    var heading: Double?
    var speed: Double?
    var battery: Double?
    var status: String?
    var mode: String?
    var brushDown: Bool?
    var online: Bool

    init(robot: UInt32, kind: String, time: UInt64, fields: JSONValue?, online: Bool, summary: RobotSummary?) {
        self.robot = robot
        self.kind = summary?.kind ?? kind
        self.team = summary?.team
        self.name = summary?.name
        self.time = time
        self.online = online
        guard case .object(let f) = fields else { return }
        x = f["x"]?.number
        y = f["y"]?.number
        heading = f["heading"]?.number
        speed = f["speed"]?.number
        battery = f["battery_soc"]?.number
        if case .string(let s) = f["status"] { status = s } else if case .string(let s) = f["task_phase"] { status = s }
        if case .string(let m) = f["mode"] { mode = m }
        if case .bool(let b) = f["brush_down"] { brushDown = b }
    }
}

struct LiveRobotsJSON: Encodable, Equatable {
    /// Newest event time among the robots, ns (the run clock's "now" in simulated time).
    var time: UInt64
    var robots: [LiveRobotJSON]
}

/// One robot's sparkline past, oldest first.
struct SparklineHistoryJSON: Encodable, Equatable {
    var battery: [Double]
    var speed: [Double]
}

/// Reads robots' latest state from the live ingester or the database.
struct RobotStateReader: Sendable {
    let database: any TelemetryQueries
    let live: (any LiveTelemetry)?

    static let onlineWindow: UInt64 = 5_000_000_000

    static func wallClock() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970) * 1e9) }

    /// Every robot with its latest state.
    func robots() throws -> [RobotJSON] {
        let stored = try database.robots()
        var byID: [UInt32: RobotJSON] = [:]
        for summary in stored {
            byID[summary.robotID] = RobotJSON(
                robot: summary.robotID,
                kind: summary.kind,
                name: summary.name,
                team: summary.team,
                bootEpoch: summary.bootEpoch,
                firstSeen: summary.firstSeenNanos,
                lastSeen: summary.lastSeenNanos,
                online: nil,
                framesAccepted: nil,
                state: nil
            )
        }
        if let live {
            let now = Self.wallClock()
            for robot in live.liveSnapshot.robots {
                var entry =
                    byID[robot.robotID]
                    ?? RobotJSON(
                        robot: robot.robotID,
                        kind: nil,
                        name: nil,
                        team: nil,
                        bootEpoch: robot.bootEpoch,
                        firstSeen: nil,
                        lastSeen: robot.lastTimestamp,
                        online: nil,
                        framesAccepted: nil,
                        state: nil
                    )
                entry.kind = entry.kind ?? robot.kind.rawValue
                entry.lastSeen = max(entry.lastSeen, robot.lastTimestamp)
                entry.online = now &- robot.lastReceivedAt < Self.onlineWindow
                entry.framesAccepted = robot.framesAccepted
                if let message = robot.state {
                    entry.state = StateJSON(
                        time: robot.stateTimestamp,
                        type: message.type.schemaName,
                        fields: JSONValue.fields(of: message)
                    )
                }
                byID[robot.robotID] = entry
            }
        }
        for (id, entry) in byID where entry.state == nil {
            if let frame = try database.latestState(robotID: id) {
                let decoded = FrameJSON(header: frame.header, bytes: frame.bytes)
                if let fields = decoded.fields {
                    byID[id]?.state = StateJSON(time: decoded.time, type: decoded.type, fields: fields)
                }
            }
        }
        return byID.keys.sorted().map { byID[$0]! }
    }

    /// The board's compact view of the same.
    func liveRobots() throws -> LiveRobotsJSON {
        let summaries = Dictionary(try database.robots().map { ($0.robotID, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [LiveRobotJSON] = []
        // An ingester that has heard nobody yet (just restarted) shows the stored state.
        if let live, !live.liveSnapshot.robots.isEmpty {
            let now = Self.wallClock()
            for robot in live.liveSnapshot.robots where robot.kind != .referee {
                out.append(
                    LiveRobotJSON(
                        robot: robot.robotID,
                        kind: robot.kind.rawValue,
                        time: robot.stateTimestamp,
                        fields: robot.state.map(JSONValue.fields(of:)),
                        online: now &- robot.lastReceivedAt < Self.onlineWindow,
                        summary: summaries[robot.robotID]
                    )
                )
            }
        } else {
            for robot in try robots() where robot.state != nil {
                out.append(
                    LiveRobotJSON(
                        robot: robot.robot,
                        kind: robot.kind ?? "unknown",
                        time: robot.state!.time,
                        fields: robot.state!.fields,
                        online: false,
                        summary: summaries[robot.robot]
                    )
                )
            }
        }
        out.sort { $0.robot < $1.robot }
        return LiveRobotsJSON(time: out.map(\.time).max() ?? 0, robots: out)
    }

    /// The recent past of the board's sparklines (battery, speed) for up to `limit` robots:
    /// the last `seconds` 1 s rollups before each robot's latest state.
    func sparklineHistory(seconds: UInt64 = 120, limit: Int = 64) throws -> [String: SparklineHistoryJSON] {
        var out: [String: SparklineHistoryJSON] = [:]
        for robot in try liveRobots().robots.prefix(limit) where robot.time > 0 {
            let to = robot.time
            let from = to > seconds * 1_000_000_000 ? to - (seconds - 1) * 1_000_000_000 : 0
            // A robot whose messages lack a field has no sparkline for it.
            let battery = (try? database.metric(robotID: robot.robot, name: "battery_soc", from: from, to: to)) ?? []
            let speed = (try? database.metric(robotID: robot.robot, name: "speed", from: from, to: to)) ?? []
            out[String(robot.robot)] = SparklineHistoryJSON(
                battery: battery.map(\.last),
                speed: speed.map { abs($0.mean) }
            )
        }
        return out
    }

    /// Loss ledgers: live when ingesting (they include the current batch), else stored.
    func ledgers(robotID: UInt32? = nil) throws -> [LedgerRecord] {
        if let live {
            let all = live.liveSnapshot.ledgers
            let filtered = robotID.map { id in all.filter { $0.robotID == id } } ?? all
            return filtered.sorted { ($0.robotID, $0.bootEpoch) < ($1.robotID, $1.bootEpoch) }
        }
        return try database.lossLedger(robotID: robotID)
    }
}
