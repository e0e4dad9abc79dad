import FleetStore
import Foundation
import GRDB
import Testing

@testable import FleetStorage

/// Migration `v4-compact-results` and the compact score event pages.
struct CompactResultsTests {
    static func event(
        _ time: UInt64,
        robot: UInt32 = 101,
        team: String = "team-1",
        criterion: String = "coverage",
        delta: Double = 1,
        total: Double = 1,
        score: Double = 10.5,
        sender: UInt32? = nil,
        boot: UInt32 = 7,
        sequence: UInt32 = 1,
        eventID: Int64? = nil
    ) -> ScoreEventRow {
        ScoreEventRow(
            time: time,
            robotID: robot,
            team: team,
            criterion: criterion,
            delta: delta,
            total: total,
            score: score,
            sender: sender ?? robot,
            bootEpoch: boot,
            sequence: sequence,
            eventID: eventID
        )
    }

    static func same(_ a: [ScoreEventRow], _ b: [ScoreEventRow]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitwiseEquals($1) }
    }

    @Test func scoreEventPagesGiveBackEveryBitIncludingNegativeZeroNaNAndTimeGoingBack() throws {
        let t: UInt64 = 1_799_971_200_000_000_000
        let events = [
            Self.event(t, delta: 3, total: 3, score: 44.7649061506012, sequence: 10),
            Self.event(t, robot: 102, delta: 3, total: 6, score: 44.767537730928, sequence: 11),
            Self.event(t + 100_000_000, delta: 3, total: 9, score: 44.767537730928, sequence: 12),
            Self.event(t + 100_000_000, robot: 201, team: "team-2", criterion: "dust", delta: -0.0, total: 0.1 + 0.2),
            Self.event(t + 300_000_000, robot: 201, team: "team-2", criterion: "dust", delta: .nan, total: .infinity),
            Self.event(
                t + 200_000_000,
                robot: 0,
                criterion: "refereePenalty",
                delta: -2,
                total: -2,
                score: -.infinity,
                sender: 0,
                boot: 0,
                sequence: 0,
                eventID: 42
            ),
            Self.event(t + 400_000_000, sequence: 3, eventID: -1),
            Self.event(t + 400_000_000, boot: 8, sequence: .max),
            Self.event(.max, robot: .max, team: "", criterion: "ünïcode", delta: 1e300, total: -5e-324, score: 0),
        ]
        let page = ScoreEventCodec.encode(events)
        #expect(Self.same(try ScoreEventCodec.decode(page), events))
        #expect(try ScoreEventCodec.decode(ScoreEventCodec.encode([ScoreEventRow]())).isEmpty)
        #expect(throws: StorageError.self) { try ScoreEventCodec.decode(Array(page.dropLast())) }
        #expect(throws: StorageError.self) { try ScoreEventCodec.decode(page + [0]) }
    }

    @Test func aTypicalCoverageEventTakesAboutTenBytes() throws {
        let t: UInt64 = 1_799_971_200_000_000_000
        var events: [ScoreEventRow] = []
        var score = 36.05
        for i in 0..<1000 {
            let robot = UInt32(101 + (i % 3))
            score += 0.0037 * Double(i % 5)
            events.append(
                Self.event(
                    t + UInt64(i / 3) * 100_000_000,
                    robot: robot,
                    delta: Double(i % 4),
                    total: Double(i),
                    score: score,
                    sequence: UInt32(i / 3 + 1)
                )
            )
        }
        let page = ScoreEventCodec.encode(events)
        #expect(Self.same(try ScoreEventCodec.decode(page), events))
        #expect(page.count < 11 * events.count, "\(page.count) bytes for \(events.count) events")
    }

    @Test func aLegacyResultSplitsIntoItsTextWithoutEventsAndTheEvents() throws {
        let json = #"""
            {"division":"P","events":[{"criterion":"dust","delta":-0,"evidence":{"bootEpoch":3,"eventID":9,"sequence":4,"sender":101},"robot":101,"score":"NaN","team":"a]\"{","time":5,"total":0.30000000000000004}],"flags":[],"teams":[{"events":1}]}
            """#
        let (summary, events) = try LegacyResultJSON.split(json, runID: 1)
        #expect(summary == #"{"division":"P","events":[],"flags":[],"teams":[{"events":1}]}"#)
        #expect(events.count == 1)
        #expect(events[0].delta.sign == .minus && events[0].score.isNaN && events[0].team == #"a]"{"#)
        #expect(events[0].total == 0.1 + 0.2 && events[0].eventID == 9 && events[0].sender == 101)
    }

    /// A copy of the database written before the migration (by the commit before it).
    static func legacyCopy() throws -> (folder: URL, path: String) {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/competition-v2/fleet.db")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-v4-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("fleet.db").path
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
        return (folder, path)
    }

    @Test func aDatabaseWithDuplicatedResultsMigratesToOneCopyOfEach() throws {
        let (folder, path) = try Self.legacyCopy()
        defer { try? FileManager.default.removeItem(at: folder) }
        let before = try DatabaseQueue(path: path)
        let legacyLive = try before.read { db in
            try Row.fetchAll(db, sql: "SELECT run_id, result FROM run_result WHERE source = 'live' ORDER BY run_id")
                .map { (UInt32($0[0] as Int64), $0[1] as String) }
        }
        let snapshots = try before.read { db in
            try Row.fetchAll(db, sql: "SELECT run_id, count(*) FROM provisional_score GROUP BY run_id ORDER BY run_id")
                .map { (UInt32($0[0] as Int64), $0[1] as Int) }
        }
        try before.close()
        #expect(legacyLive.count == 2 && snapshots.count == 3)

        let database = try FleetDatabase(path: path)
        let store = SQLiteCompetitionStore(database: database)
        for (run, count) in snapshots {
            #expect(try store.provisionalCount(runID: run) == count)
            #expect(try store.latestProvisional(runID: run) != nil)
        }
        for (run, json) in legacyLive {
            let stored = try #require(try store.storedResult(runID: run, source: .live))
            let (summary, events) = try LegacyResultJSON.split(json, runID: Int64(run))
            #expect(stored.summary == summary)
            #expect(Self.same(try store.scoreEvents(of: stored), events))
            #expect(events.count > 20, "run \(run): a vacuous comparison otherwise")
            let page = try store.scoreEvents(of: stored, positions: 5..<9)
            #expect(Self.same(page, Array(events[5..<9])))
        }
        // The final result lives in its signed v1 document only.
        #expect(try store.storedResult(runID: 1, source: .final) == nil)
        #expect(try store.finalRecord(runID: 1) != nil)
        let tables = try database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE name LIKE '%_v2' ORDER BY name")
        }
        #expect(tables.isEmpty)
        #expect(try database.integrityCheck() == "ok")
    }

    @Test func aFinalResultSharesTheLiveEventsItAgreesWith() throws {
        let (folder, path) = try Self.legacyCopy()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = SQLiteCompetitionStore(database: try FleetDatabase(path: path))
        let live = try #require(try store.storedResult(runID: 2, source: .live))
        let events = try store.scoreEvents(of: live)
        var final = events
        final.append(Self.event(1, robot: 0, criterion: "refereeAward", sender: 0, boot: 0, sequence: 0, eventID: 5))
        try store.storeResult(
            RunResultWrite(runID: 2, source: .final, summary: nil, events: final, review: false),
            at: 1
        )
        let stored = try #require(try store.storedResult(runID: 2, source: .final))
        #expect(stored.shared == events.count && stored.own.count == 1)
        #expect(Self.same(try store.scoreEvents(of: stored), final))
        #expect(
            Self.same(try store.scoreEvents(of: try #require(try store.storedResult(runID: 2, source: .live))), events)
        )
        // A final result that differs early keeps only the common prefix shared.
        var changed = final
        changed[3].score += 1
        try store.storeResult(
            RunResultWrite(runID: 2, source: .final, summary: nil, events: changed, review: false),
            at: 2
        )
        let again = try #require(try store.storedResult(runID: 2, source: .final))
        #expect(again.shared == 3 && again.own.count == changed.count - 3)
        #expect(Self.same(try store.scoreEvents(of: again), changed))
        #expect(
            Self.same(try store.scoreEvents(of: try #require(try store.storedResult(runID: 2, source: .live))), events)
        )
    }
}
