import FleetProtocol
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
        /// No trust anchor: nothing says who should have signed.
        public var unverified = false
        public var ok: Bool { checks.allSatisfy(\.ok) }
        /// The stored data fails a check (not just a missing anchor): the run is void.
        public var void: Bool { checks.contains { !$0.ok && !($0.name == "trust anchor" && unverified) } }
        /// The first failure, for the error message.
        public var firstFailure: String? {
            if let b = breaks.first { return b.description }
            return checks.first { !$0.ok }.map { "\($0.name): \($0.detail)" }
        }
    }

    /// `keyPath`: the service key file (its `.pub` beside it, or the key itself, is the trust
    /// anchor unless `publicKey` gives one). Without an anchor the "trust anchor" check fails:
    /// a signature by whatever key the database holds proves nothing. `recompute: false` skips
    /// the rescoring (what `fleet score`, `fleet standings` and the board check cheaply).
    public static func verify(
        store: any CompetitionStore,
        runID: UInt32,
        keyPath: String?,
        publicKey: String? = nil,
        recompute: Bool = true
    ) throws -> Report {
        let anchor =
            try keyPath.map { try TrustAnchor.resolve(given: publicKey, keyPath: $0) }
            ?? publicKey.map { try TrustAnchor.resolve(given: $0, keyPath: "") } ?? nil
        return try verify(store: store, runID: runID, anchor: anchor, recompute: recompute)
    }

    public static func verify(
        store: any CompetitionStore,
        runID: UInt32,
        anchor: TrustAnchor?,
        recompute: Bool = true
    ) throws -> Report {
        let run = try store.run(runID)
        guard let record = try store.finalRecord(runID: runID) else {
            throw CompetitionError(
                .wrongState,
                "run \(runID) is \(run.state.rawValue): nothing is signed until `fleet run finalize \(runID)`"
            )
        }
        var report = Report()
        signatureChecks(record, anchor: anchor, into: &report)
        let document: FinalDocument
        do {
            document = try CanonicalJSON.decode(FinalDocument.self, from: record.document)
        } catch {
            report.checks.append(("document", false, "cannot be read: \(error)"))
            return report
        }
        let (rulebookOK, arenaOK) = try inputChecks(store: store, run: run, document: document, into: &report)
        // A changed arena file may no longer load: nothing below can be checked with it.
        guard arenaOK else { return report }
        let context = try RunContext(store: store, runID: runID)
        let format = HashChain.IndexFormat(documentFormat: document.format)
        // The window the stored run_state events give now is the signed one (a moved event
        // would change which frames count; cheap to see before any rescoring).
        let window = try Recompute.readWindow(store: store, run: run).map {
            FinalDocument.Window(from: $0.from, to: $0.to)
        }
        let sameWindow = window == document.window
        report.checks.append(
            (
                "window", sameWindow,
                sameWindow
                    ? "RUNNING window as signed"
                    : "the stored run_state events give another RUNNING window than the signed one"
            )
        )
        if let window = document.window {
            guard try chainChecks(store: store, context: context, window: window, document: document, into: &report)
            else { return report }
        }
        if format == .v2 {
            report.checks.append(storedEventsCheck(store: store, runID: runID, document: document))
        }
        if let window = document.window {
            report.checks.append(try eventRowsCheck(store: store, context: context, window: window))
        }
        report.checks.append(actionsCheck(stored: try store.actions(runID: runID), signed: document.actions))
        if recompute && report.breaks.isEmpty && rulebookOK {
            report.checks.append(try recomputeCheck(store: store, context: context, document: document))
        }
        return report
    }

    /// The signature over the stored document, and whose key made it.
    static func signatureChecks(_ record: FinalRecord, anchor: TrustAnchor?, into report: inout Report) {
        let signatureOK = ServiceKey.isValid(
            signature: record.signature,
            of: record.document,
            publicKey: record.publicKey
        )
        report.checks.append(
            ("signature", signatureOK, signatureOK ? "Ed25519 over the stored document" : "does not match the document")
        )
        if let anchor {
            let same = anchor.publicKey == record.publicKey
            report.checks.append(
                (
                    "trust anchor", same,
                    same
                        ? "signed by the pinned key \(HashChain.hex(anchor.publicKey).prefix(16))… (\(anchor.source))"
                        : "the result was signed with another key than the pinned one (\(anchor.source))"
                )
            )
        } else {
            report.unverified = true
            report.checks.append(
                (
                    "trust anchor", false,
                    "UNVERIFIED: no pinned public key (give --public-key HEX or keep fleet-service.key.pub beside the database)"
                )
            )
        }
    }

    /// The run, its rulebook and its arena against the signed document; returns whether the
    /// rulebook's and the arena's stored bytes still hash as signed.
    static func inputChecks(
        store: any CompetitionStore,
        run: RunRecord,
        document: FinalDocument,
        into report: inout Report
    ) throws -> (rulebook: Bool, arena: Bool) {
        let sameRun =
            document.run.id == run.id && document.run.division == run.division && document.run.seed == run.seed
            && document.run.rulebookHash == run.rulebookHash && document.run.arenaHash == run.arenaHash
            && (document.format == FinalDocument.formatV5) == (run.arenaHash != nil)
        report.checks.append(
            ("run", sameRun, sameRun ? "matches the signed document" : "differs from the signed document")
        )
        let rulebookBytes = try store.rulebookBytes(hash: run.rulebookHash)
        let rulebookOK = Rulebook.sha256Hex(Data(rulebookBytes)) == run.rulebookHash
        report.checks.append(
            ("rulebook", rulebookOK, rulebookOK ? run.rulebookHash : "stored bytes do not hash to \(run.rulebookHash)")
        )

        var arenaOK = true
        if let hash = run.arenaHash {
            let bytes = try store.arenaBytes(hash: hash)
            arenaOK = Rulebook.sha256Hex(Data(bytes)) == hash
            report.checks.append(("arena", arenaOK, arenaOK ? hash : "stored bytes do not hash to \(hash)"))
            // A changed arena file may no longer load: nothing below can be checked with it.
        }

        return (rulebookOK, arenaOK)
    }

    /// Every sender's hash chain over the stored frames against the signed chains; false
    /// when a stored row no longer reads (nothing after it can be checked).
    static func chainChecks(
        store: any CompetitionStore,
        context: RunContext,
        window: FinalDocument.Window,
        document: FinalDocument,
        into report: inout Report
    ) throws -> Bool {
        let format = HashChain.IndexFormat(documentFormat: document.format)
        let runID = context.run.id
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
            return false
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
        return true
    }

    /// The run scored again from the stored inputs alone, against the signed result.
    static func recomputeCheck(
        store: any CompetitionStore,
        context: RunContext,
        document: FinalDocument
    ) throws -> (String, Bool, String) {
        let format = HashChain.IndexFormat(documentFormat: document.format)
        var again = try Recompute.result(store: store, context: context, isFinal: true)
        if document.format == FinalDocument.formatV1 || document.format == FinalDocument.formatV2 {
            // Signed before the final adjustments were score events.
            again.events.removeAll { ScoreCriterion.settling.contains($0.criterion) }
        }
        let same: Bool
        if format == .v1 {
            same = again == document.result
        } else {
            let events = again.eventRows
            same =
                again.withoutEvents == document.result && events.count == document.eventCount
                && FinalDocument.eventsDigest(events) == document.eventsDigest
        }
        return ("recompute", same, same ? "equals the signed result" : "differs from the signed result")
    }

    /// The event table's copy of robot and referee events (what `fleet query events` and the
    /// API show) against the hash-chained frames: every row of the run's senders in the
    /// window must be a chained frame byte for byte, with the time, type, robot and run the
    /// frame gives (the ingester derives them so).
    static func eventRowsCheck(
        store: any CompetitionStore,
        context: RunContext,
        window: FinalDocument.Window
    ) throws -> (name: String, ok: Bool, detail: String) {
        struct Key: Hashable {
            var sender: UInt32
            var boot: UInt32
            var sequence: UInt32
        }
        // Rows of the run's inputs: the infrastructure's only where they name this run (the
        // row's run id is the one its frame names).
        let rows = try store.eventRows(from: window.from, to: window.to, senders: context.isInput).filter {
            context.inputRule == .everyFrame || context.robotIDs.contains($0.event.senderID)
                || $0.event.runID == context.run.id
        }
        var wanted: [Key: StoredEvent] = [:]
        for (event, boot, sequence) in rows {
            wanted[Key(sender: event.senderID, boot: boot, sequence: sequence)] = event
        }
        var bad: [(Int64, String)] = []
        var found = Set<Key>()
        let senders = Set(wanted.keys.map(\.sender))
        let isEventSender: (UInt32) -> Bool = { senders.contains($0) }
        try store.forEachFrame(from: window.from, to: window.to, senders: isEventSender) { sender, header, bytes in
            guard let header else { return }
            let key = Key(sender: sender, boot: header.bootEpoch, sequence: header.sequence)
            guard let event = wanted[key], !found.contains(key) else { return }
            found.insert(key)
            var subject = header.robotID
            var runID: UInt32?
            if MessageType(rawValue: header.messageType)?.category == .refereeEvent,
                bytes.count >= Int(header.headerLength) + 8
            {
                let body = Int(header.headerLength)
                runID = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: body, as: UInt32.self))
                subject = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: body + 4, as: UInt32.self))
            }
            let same =
                event.bytes.elementsEqual(bytes) && event.timestampNanos == header.timestampNanoseconds
                && event.messageType == header.messageType && event.robotID == subject && event.runID == runID
            if !same {
                bad.append((event.eventID, "event \(event.eventID) (robot \(sender) sequence \(header.sequence))"))
            }
        }
        for (key, event) in wanted where !found.contains(key) {
            bad.append(
                (
                    event.eventID,
                    "event \(event.eventID) (robot \(key.sender) sequence \(key.sequence)): no such chained frame"
                )
            )
        }
        bad.sort { $0.0 < $1.0 }
        if bad.isEmpty { return ("events", true, "\(rows.count) stored event rows are chained frames") }
        return (
            "events", false,
            "\(bad.count) event row(s) differ from the chained frames: \(bad.prefix(3).map(\.1).joined(separator: "; "))"
        )
    }

    /// The stored referee actions (who, why, what) are the signed ones.
    static func actionsCheck(
        stored: [RefereeAction],
        signed: [RefereeAction]
    ) -> (name: String, ok: Bool, detail: String) {
        if stored == signed { return ("referee actions", true, "\(stored.count) stored, as signed") }
        let signedByID = Dictionary(signed.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for action in stored where signedByID[action.id] != action {
            guard let was = signedByID[action.id] else {
                return ("referee actions", false, "action \(action.id) is not in the signed result")
            }
            var fields: [String] = []
            if was.by != action.by { fields.append("by") }
            if was.reason != action.reason { fields.append("reason") }
            if was.value != action.value { fields.append("value") }
            if was.team != action.team { fields.append("team") }
            if was.robotID != action.robotID { fields.append("robot") }
            if was.kind != action.kind || was.target != action.target { fields.append("kind") }
            if was.atNanos != action.atNanos { fields.append("time") }
            return (
                "referee actions", false,
                "action \(action.id) differs from the signed one (\(fields.joined(separator: ", ")))"
            )
        }
        return ("referee actions", false, "\(signed.count - stored.count) signed action(s) are no longer stored")
    }

    /// v2: the stored score events (what `fleet score` and the API show) are the signed ones.
    static func storedEventsCheck(
        store: any CompetitionStore,
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

/// What a FINAL result's numbers are worth, checked where they are printed (`fleet score`,
/// `fleet standings`, the board): signature, trust anchor, signed actions and events, hash
/// chains over the stored frames (no rescoring; `fleet verify` does that too).
public struct Integrity: Sendable, Codable, Equatable {
    public enum Verdict: String, Sendable, Codable {
        /// Every check passed against the pinned key.
        case verified
        /// The stored data agrees with the document, but no pinned key says who should have signed.
        case unverified
        /// A check failed: the rulebook says the run is void.
        case void
    }

    public var verdict: Verdict
    public var detail: String

    public init(verdict: Verdict, detail: String) {
        self.verdict = verdict
        self.detail = detail
    }

    public static func check(store: any CompetitionStore, runID: UInt32, anchor: TrustAnchor?) -> Integrity {
        do {
            let report = try Verifier.verify(store: store, runID: runID, anchor: anchor, recompute: false)
            if report.void {
                return Integrity(verdict: .void, detail: report.firstFailure ?? "a check failed")
            }
            if report.unverified {
                return Integrity(verdict: .unverified, detail: "no pinned public key to check the signer against")
            }
            return Integrity(verdict: .verified, detail: "signature, actions, events and hash chains check")
        } catch {
            return Integrity(verdict: .void, detail: "cannot be checked: \(error)")
        }
    }
}
