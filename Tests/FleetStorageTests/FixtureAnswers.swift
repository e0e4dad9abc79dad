import FleetProtocol
import FleetStore
import Foundation

@testable import FleetStorage

/// The answers of every reading query over a database, as lines of text keyed by query, so
/// two databases (or one database before and after a migration) compare exactly and a
/// difference reads as a diff. Frames are listed by header and an FNV-1a hash of their
/// bytes; doubles by their bit pattern, so equal means equal byte for byte.
struct FixtureAnswers: Codable, Equatable {
    var answers: [String: [String]]

    /// The fixture's robots and the time range it covers (see `FixtureGenerator`).
    static let robots: [UInt32] = [1, 2, 3]
    static let origin: UInt64 = 1_750_000_000_000_000_000
    static let second: UInt64 = 1_000_000_000

    static func collect(from database: FleetDatabase) throws -> FixtureAnswers {
        var answers: [String: [String]] = [:]
        let end = origin + 100 * second
        let windows: [(String, UInt64, UInt64)] = [
            ("all", 0, UInt64(Int64.max)),
            ("20s-35s", origin + 20 * second, origin + 35 * second),
            ("39.5s-41s", origin + 39 * second + second / 2, origin + 41 * second),
            ("65s-end", origin + 65 * second, end),
        ]
        for robot in robots {
            for (name, from, to) in windows {
                answers["frames robot \(robot) \(name)"] = try database.frames(robotID: robot, from: from, to: to)
                    .map(line)
            }
            answers["frames robot \(robot) states limit 7"] = try database.frames(
                robotID: robot,
                from: 0,
                to: end,
                types: [.sanitationState, .humanoidState],
                limit: 7
            ).map(line)
            answers["frames robot \(robot) heartbeats"] = try database.frames(
                robotID: robot,
                from: 0,
                to: end,
                types: [.heartbeat]
            ).map(line)
            answers["latest state robot \(robot)"] = try database.latestState(robotID: robot).map { [line($0)] } ?? []
            let metric = robot == 3 ? "max_joint_temperature" : "battery_soc"
            for step: Int64 in [1, 7] {
                answers["metric robot \(robot) \(metric) step \(step)"] =
                    (try? database.metric(robotID: robot, name: metric, from: 0, to: end, step: step))?.map(line)
                    ?? ["not found"]
            }
        }
        answers["frames of the first 2 s, byte for byte"] = try robots.flatMap { robot in
            try database.frames(robotID: robot, from: origin, to: origin + 2 * second).map {
                $0.bytes.map { String(format: "%02x", $0) }.joined()
            }
        }
        answers["events all"] = try database.events(from: 0, to: end).map(line)
        answers["events robot 2"] = try database.events(robotID: 2, from: 0, to: end).map(line)
        answers["events run state"] = try database.events(from: 0, to: end, types: [.runState]).map(line)
        answers["loss ledger"] = try database.lossLedger().map(line)
        answers["loss ledger robot 1"] = try database.lossLedger(robotID: 1).map(line)
        answers["robots"] = try database.robots().map {
            "\($0.robotID) \($0.kind ?? "-") \($0.name ?? "-") \($0.team ?? "-") boot \($0.bootEpoch) seen \($0.firstSeenNanos)-\($0.lastSeenNanos)"
        }
        answers["ingest statistics"] = try database.ingestStatistics().map { "\($0.key)=\($0.value)" }.sorted()
        let store = SQLiteCompetitionStore(database: database)
        for (name, from, to) in windows {
            var lines: [String] = []
            let notRobot2: (UInt32) -> Bool = { $0 != 2 }
            try store.forEachFrame(from: from, to: to, senders: notRobot2) { sender, header, bytes in
                lines.append("sender \(sender) " + (header.map { line($0, Array(bytes)) } ?? "no header"))
            }
            answers["competition frames \(name) without robot 2"] = lines
        }
        return FixtureAnswers(answers: answers)
    }

    static func line(_ frame: StoredFrame) -> String { line(frame.header, frame.bytes) }

    static func line(_ header: FrameHeader, _ bytes: [UInt8]) -> String {
        "t \(header.timestampNanoseconds) type \(header.messageType) robot \(header.robotID) boot \(header.bootEpoch) seq \(header.sequence) bytes \(bytes.count) fnv \(fnv(bytes))"
    }

    static func line(_ point: MetricPoint) -> String {
        "\(point.second) n \(point.count) min \(bits(point.min)) max \(bits(point.max)) mean \(bits(point.mean)) last \(bits(point.last))"
    }

    static func line(_ event: StoredEvent) -> String {
        "#\(event.eventID) robot \(event.robotID) sender \(event.senderID) run \(event.runID.map(String.init) ?? "-") t \(event.timestampNanos) type \(event.messageType) fnv \(fnv(event.bytes))"
    }

    static func line(_ l: LedgerRecord) -> String {
        "robot \(l.robotID) boot \(l.bootEpoch) received \(l.received) duplicates \(l.duplicates) out of order \(l.outOfOrder) rejected \(l.rejected) dropped \(l.dropped) highest \(l.highestSequence.map(String.init) ?? "-") t \(l.firstNanos)-\(l.lastNanos) gaps [\(SequenceRange.text(l.gaps))] rejected seqs [\(SequenceRange.text(l.rejectedSequences))]"
    }

    static func bits(_ value: Double) -> String { String(value.bitPattern, radix: 16) }

    /// FNV-1a, 64 bit: enough to tell any two of the fixture's frames apart.
    static func fnv(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
