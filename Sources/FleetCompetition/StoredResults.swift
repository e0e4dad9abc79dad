import Crypto
public import FleetScoring
public import FleetStorage
public import FleetStore

/// Whole results from what is stored once: a live result is its JSON without events plus its
/// events from the run's event list; a final result is the signed document's result plus the
/// events it references (whose digest the document signs). A `fleet-final-v1` document
/// (written before `v4-compact-results`) holds the whole result itself.
extension CompetitionStore {
    /// A stored result, whole; nil when there is none of that source.
    public func runResult(runID: UInt32, source: RunResultWrite.Source) throws -> RunResult? {
        switch source {
        case .live:
            guard let stored = try storedResult(runID: runID, source: .live), let summary = stored.summary else {
                return nil
            }
            var result = try CanonicalJSON.decode(RunResult.self, from: Array(summary.utf8))
            result.events = try scoreEvents(of: stored).map { try ScoreEvent(row: $0) }
            return result
        case .final:
            guard let record = try finalRecord(runID: runID) else { return nil }
            let document = try CanonicalJSON.decode(FinalDocument.self, from: record.document)
            var result = document.result
            if document.format != FinalDocument.formatV1 {
                let stored = try storedResult(runID: runID, source: .final)
                result.events = try stored.map { try scoreEvents(of: $0).map { try ScoreEvent(row: $0) } } ?? []
            }
            return result
        }
    }
}

extension RunResult {
    /// The result as its stored JSON holds it: everything but the score events (stored once,
    /// in the run's event list).
    public var withoutEvents: RunResult {
        var copy = self
        copy.events = []
        return copy
    }
}

extension ScoreEvent {
    init(row: ScoreEventRow) throws {
        guard let criterion = ScoreCriterion(rawValue: row.criterion) else {
            throw StorageError(.corruptRow, "a stored score event has an unknown criterion '\(row.criterion)'")
        }
        self.init(
            time: row.time,
            robot: row.robotID,
            team: row.team,
            criterion: criterion,
            delta: row.delta,
            total: row.total,
            score: row.score,
            evidence: Evidence(
                sender: row.sender,
                bootEpoch: row.bootEpoch,
                sequence: row.sequence,
                eventID: row.eventID
            )
        )
    }
}

extension FinalDocument {
    /// Hex SHA-256 of the events' canonical encoding (`ScoreEventCodec`, one page): what a
    /// `fleet-final-v2` document signs instead of the events themselves.
    public static func eventsDigest(_ events: [ScoreEventRow]) -> String {
        HashChain.hex(Array(SHA256.hash(data: ScoreEventCodec.encode(events))))
    }
}
