import Crypto
import FleetScoring
public import FleetStorage
public import FleetStore

/// `fleet run finalize`: recomputes a FINISHED run from the database, checks it against the
/// live result, computes the hash chains, signs the document and marks the run FINAL, all
/// stored in one transaction. The document signs the result without its events plus their
/// digest; the events go to the run's event list (after the live result's, sharing what agrees).
public enum Finalizer {
    public struct Outcome: Sendable {
        public var document: FinalDocument
        public var signature: [UInt8]
    }

    public static func finalize(
        store: any CompetitionStore,
        runID: UInt32,
        key: ServiceKey,
        now: UInt64
    ) throws -> Outcome {
        let context = try RunContext(store: store, runID: runID)
        let run = context.run
        guard run.state == .finished else {
            throw CompetitionError(
                .wrongState,
                "run \(runID) is \(run.state.rawValue); only a FINISHED run can be finalized (fleet run stop \(runID) first)"
            )
        }
        let window = try Recompute.readWindow(store: store, run: run).map {
            FinalDocument.Window(from: $0.from, to: $0.to)
        }
        let result = try Recompute.result(store: store, context: context, isFinal: true)
        var liveAgrees: Bool?
        if let live = try store.runResult(runID: runID, source: .live) {
            liveAgrees = try Recompute.agrees(live: live, store: store, context: context)
        }
        let chains =
            try window.map { try HashChain.compute(store: store, context: context, window: $0, format: .v2) } ?? []
        let events = result.eventRows
        let document = FinalDocument(
            format: run.arenaHash == nil ? FinalDocument.formatV4 : FinalDocument.formatV5,
            run: FinalDocument.Run(
                id: run.id,
                name: run.name,
                division: run.division,
                seed: run.seed,
                window: run.window,
                rulebookHash: run.rulebookHash,
                arenaHash: run.arenaHash
            ),
            window: window,
            result: result.withoutEvents,
            eventCount: events.count,
            eventsDigest: FinalDocument.eventsDigest(events),
            actions: try store.actions(runID: runID),
            chains: chains.map {
                FinalDocument.Chain(
                    sender: $0.senderID,
                    frames: $0.frames,
                    head: HashChain.hex($0.head),
                    indexDigest: HashChain.hex(Array(SHA256.hash(data: $0.frameIndex)))
                )
            },
            liveAgrees: liveAgrees,
            signedAt: now
        )
        let bytes = try CanonicalJSON.encode(document)
        let signature = try key.sign(bytes)
        key.publishPublicKey()
        try store.storeFinal(
            FinalRecord(
                runID: runID,
                document: bytes,
                signature: signature,
                publicKey: key.publicKey,
                signedNanos: now
            ),
            result: RunResultWrite(
                runID: runID,
                source: .final,
                summary: nil,
                events: events,
                review: result.needsReview || liveAgrees == false
            ),
            chains: chains,
            at: now
        )
        return Outcome(document: document, signature: signature)
    }
}
