import FleetStore
import Foundation
import GRDB

/// Migration `v4-compact-results` (registered after the others in `FleetDatabase+Migrations`):
/// every competition result is stored once.
///
/// Before, a run's live and final results were each a whole `RunResult` JSON with every score
/// event inside, the same events again as rows per result, the signed document a third copy,
/// and a board row every half second kept forever. Now:
///
/// - `provisional_score`: the newest board row of a run only, with the number of snapshots.
/// - `score_event`: the run's append-only event list in compact pages (`ScoreEventCodec`).
/// - `run_result`: a result's JSON without its events (NULL for a final result: the signed
///   document holds it) and where its events are in the run's list: the first `shared`
///   events of the list, then `own_count` events from `own_first` (a final result that
///   agrees with the live one shares its events and adds the referee awards).
///
/// Existing databases: the newest board row per run is kept; a live result is split into its
/// JSON without events and pages of its events; a final result's row and events go (its
/// signed `fleet-final-v1` document, which stays byte for byte, holds the whole result).
extension CompetitionSchema {
    static let v4 = """
        CREATE TABLE provisional_score (
            run_id INTEGER PRIMARY KEY REFERENCES run(run_id),
            at_ns INTEGER NOT NULL,
            watermark_ns INTEGER,
            summary TEXT NOT NULL,
            snapshots INTEGER NOT NULL
        );

        CREATE TABLE run_result (
            run_id INTEGER NOT NULL REFERENCES run(run_id),
            source TEXT NOT NULL CHECK (source IN ('live', 'final')),
            summary TEXT,
            shared INTEGER NOT NULL,
            own_first INTEGER NOT NULL,
            own_count INTEGER NOT NULL,
            stored_ns INTEGER NOT NULL,
            PRIMARY KEY (run_id, source)
        ) WITHOUT ROWID;

        CREATE TABLE score_event (
            run_id INTEGER NOT NULL,
            first_ordinal INTEGER NOT NULL,
            count INTEGER NOT NULL,
            page BLOB NOT NULL,
            PRIMARY KEY (run_id, first_ordinal)
        ) WITHOUT ROWID;
        """

    static func migrateToV4(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE provisional_score RENAME TO provisional_score_v2;
                ALTER TABLE run_result RENAME TO run_result_v2;
                ALTER TABLE score_event RENAME TO score_event_v2;
                """
        )
        try db.execute(sql: v4)
        try db.execute(
            sql: """
                INSERT INTO provisional_score (run_id, at_ns, watermark_ns, summary, snapshots)
                SELECT p.run_id, p.at_ns, p.watermark_ns, p.summary, newest.n
                FROM provisional_score_v2 p
                JOIN (SELECT run_id, max(at_ns) AS at_ns, count(*) AS n FROM provisional_score_v2 GROUP BY run_id) newest
                USING (run_id, at_ns)
                """
        )
        let live = try Row.fetchAll(
            db,
            sql: "SELECT run_id, result, stored_ns FROM run_result_v2 WHERE source = 'live' ORDER BY run_id"
        )
        for row in live {
            let runID: Int64 = row[0]
            let json: String = row[1]
            let (summary, events) = try LegacyResultJSON.split(json, runID: runID)
            try SQLiteCompetitionStore.appendEvents(events, runID: runID, at: 0, into: db)
            try db.execute(
                sql: """
                    INSERT INTO run_result (run_id, source, summary, shared, own_first, own_count, stored_ns)
                    VALUES (?, 'live', ?, ?, ?, 0, ?)
                    """,
                arguments: [runID, summary, events.count, events.count, row[2] as Int64]
            )
        }
        try db.execute(
            sql: """
                DROP TABLE provisional_score_v2;
                DROP TABLE run_result_v2;
                DROP TABLE score_event_v2;
                """
        )
    }
}

/// A `RunResult` JSON as stored before `v4-compact-results` (canonical: sorted keys, no
/// whitespace), taken apart without the scoring module: the text with an empty `events`
/// array, and the events decoded field by field (the shape of `ScoreEvent`'s JSON).
enum LegacyResultJSON {
    struct Event: Decodable {
        struct Evidence: Decodable {
            var sender: UInt32
            var bootEpoch: UInt32
            var sequence: UInt32
            var eventID: Int64?
        }

        var time: UInt64
        var robot: UInt32
        var team: String
        var criterion: String
        var delta: Double
        var total: Double
        var score: Double
        var evidence: Evidence
    }

    static func split(_ json: String, runID: Int64) throws -> (summary: String, events: [ScoreEventRow]) {
        let bytes = Array(json.utf8)
        guard let range = topLevelValue(named: "events", in: bytes) else {
            throw StorageError(.corruptRow, "run \(runID): the stored result has no events array")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity",
            negativeInfinity: "-Infinity",
            nan: "NaN"
        )
        let events: [Event]
        do {
            events = try decoder.decode([Event].self, from: Data(bytes[range]))
        } catch {
            throw StorageError(.corruptRow, "run \(runID): the stored result's events do not read: \(error)")
        }
        let summary = String(
            decoding: Array(bytes[..<range.lowerBound]) + Array("[]".utf8) + Array(bytes[range.upperBound...]),
            as: UTF8.self
        )
        return (
            summary,
            events.map {
                ScoreEventRow(
                    time: $0.time,
                    robotID: $0.robot,
                    team: $0.team,
                    criterion: $0.criterion,
                    delta: $0.delta,
                    total: $0.total,
                    score: $0.score,
                    sender: $0.evidence.sender,
                    bootEpoch: $0.evidence.bootEpoch,
                    sequence: $0.evidence.sequence,
                    eventID: $0.evidence.eventID
                )
            }
        )
    }

    /// The byte range of the value of a key of the top-level object, strings and nesting
    /// respected.
    static func topLevelValue(named key: String, in bytes: [UInt8]) -> Range<Int>? {
        let quote = UInt8(ascii: "\"")
        let backslash = UInt8(ascii: "\\")
        var depth = 0
        var i = 0
        var valueStart: Int?
        var expectKey = false
        while i < bytes.count {
            let b = bytes[i]
            if b == quote {
                let start = i + 1
                i += 1
                while i < bytes.count && bytes[i] != quote {
                    i += bytes[i] == backslash ? 2 : 1
                }
                if depth == 1 && expectKey && valueStart == nil {
                    var j = i + 1
                    while j < bytes.count && bytes[j] != UInt8(ascii: ":") { j += 1 }
                    if Array(bytes[start..<min(i, bytes.count)]) == Array(key.utf8) { valueStart = j + 1 }
                    expectKey = false
                    i = j
                }
            } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                depth += 1
                if depth == 1 { expectKey = true }
            } else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                depth -= 1
                if depth == 1, let s = valueStart { return s..<(i + 1) }
                if depth == 0, let s = valueStart { return s..<i }
            } else if b == UInt8(ascii: ",") && depth == 1 {
                if let s = valueStart { return s..<i }
                expectKey = true
            }
            i += 1
        }
        return nil
    }
}
