import FleetScoring
public import FleetStorage
public import FleetStore
import Foundation

/// `fleet verify`: checks a FINAL run's signature, its document against the run, the hash
/// chains against the stored frames, the stored score events against the signed digest
/// (`fleet-final-v2`), and the recompute against the signed result.
public enum Verifier {
    public struct Report: Sendable {
        /// One line per check, passed or not.
        public var checks: [(name: String, ok: Bool, detail: String)] = []
        /// Chain breaks, first per sender.
        public var breaks: [HashChain.Break] = []
        public var ok: Bool { checks.allSatisfy(\.ok) }
        /// The first failure, for the error message.
        public var firstFailure: String? {
            if let b = breaks.first { return b.description }
            return checks.first { !$0.ok }.map { "\($0.name): \($0.detail)" }
        }
    }

    public static func verify(store: CompetitionStore, runID: UInt32, keyPath: String?) throws -> Report {
        let run = try store.run(runID)
        guard let record = try store.finalRecord(runID: runID) else {
            throw CompetitionError(
                .wrongState,
                "run \(runID) is \(run.state.rawValue): nothing is signed until `fleet run finalize \(runID)`"
            )
        }
        var report = Report()
        let signatureOK = ServiceKey.isValid(
            signature: record.signature,
            of: record.document,
            publicKey: record.publicKey
        )
        report.checks.append(
            ("signature", signatureOK, signatureOK ? "Ed25519 over the stored document" : "does not match the document")
        )
        if let keyPath, FileManager.default.fileExists(atPath: keyPath) {
            let key = try ServiceKey(path: keyPath, create: false)
            let same = key.publicKey == record.publicKey
            report.checks.append(
                ("service key", same, same ? keyPath : "the result was signed with another key than \(keyPath)")
            )
        }
        let document: FinalDocument
        do {
            document = try CanonicalJSON.decode(FinalDocument.self, from: record.document)
        } catch {
            report.checks.append(("document", false, "cannot be read: \(error)"))
            return report
        }
        let sameRun =
            document.run.id == run.id && document.run.division == run.division && document.run.seed == run.seed
            && document.run.rulebookHash == run.rulebookHash
        report.checks.append(
            ("run", sameRun, sameRun ? "matches the signed document" : "differs from the signed document")
        )
        let rulebookBytes = try store.rulebookBytes(hash: run.rulebookHash)
        let rulebookOK = Rulebook.sha256Hex(Data(rulebookBytes)) == run.rulebookHash
        report.checks.append(
            ("rulebook", rulebookOK, rulebookOK ? run.rulebookHash : "stored bytes do not hash to \(run.rulebookHash)")
        )

        let context = try RunContext(store: store, runID: runID)
        let format = HashChain.IndexFormat(documentFormat: document.format)
        if let window = document.window {
            let indexes = Dictionary(
                uniqueKeysWithValues: try store.chains(runID: runID).map { ($0.senderID, $0.frameIndex) }
            )
            do {
                report.breaks = try HashChain.verify(
                    store: store,
                    context: context,
                    window: window,
                    signed: document.chains,
                    indexes: indexes,
                    format: format
                )
            } catch let error as StorageError where error.code == .corruptRow {
                report.checks.append(("hash chains", false, "a stored row no longer reads: \(error.message)"))
                return report
            }
            let frames = document.chains.reduce(0) { $0 + $1.frames }
            report.checks.append(
                (
                    "hash chains", report.breaks.isEmpty,
                    report.breaks.isEmpty
                        ? "\(document.chains.count) senders, \(frames) frames"
                        : report.breaks.map(\.description).joined(separator: "; ")
                )
            )
        }
        if format == .v2 {
            report.checks.append(storedEventsCheck(store: store, runID: runID, document: document))
        }
        if report.breaks.isEmpty && rulebookOK {
            let again = try Recompute.result(store: store, context: context, isFinal: true)
            let same: Bool
            if format == .v1 {
                same = again == document.result
            } else {
                let events = again.eventRows
                same =
                    again.withoutEvents == document.result && events.count == document.eventCount
                    && FinalDocument.eventsDigest(events) == document.eventsDigest
            }
            report.checks.append(
                ("recompute", same, same ? "equals the signed result" : "differs from the signed result")
            )
        }
        return report
    }

    /// v2: the stored score events (what `fleet score` and the API show) are the signed ones.
    static func storedEventsCheck(
        store: CompetitionStore,
        runID: UInt32,
        document: FinalDocument
    ) -> (name: String, ok: Bool, detail: String) {
        do {
            guard let stored = try store.storedResult(runID: runID, source: .final) else {
                return ("score events", false, "the final result's score events are not stored")
            }
            let events = try store.scoreEvents(of: stored)
            let same =
                events.count == document.eventCount && FinalDocument.eventsDigest(events) == document.eventsDigest
            return (
                "score events", same,
                same
                    ? "\(events.count) stored, as signed"
                    : "the stored score events differ from the signed ones (\(events.count) stored, \(document.eventCount ?? 0) signed)"
            )
        } catch {
            return ("score events", false, "the stored score events do not read: \(error)")
        }
    }
}
