import FleetCompetition
import FleetProtocol
import FleetScoring
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import GRDB
import Testing

extension CompetitionSuites {
    /// `fleet verify` on a compact (`fleet-final-v2`) FINAL result: every tamper it caught
    /// when the document held the whole result is still caught, and a stored score event
    /// that differs from the signed digest is caught too.
    @Suite(.serialized)
    struct VerifyTests {
        /// One finalized run (with a standing penalty), saved once; each case edits a copy.
        struct Finalized: Sendable {
            var folder: URL
            var master: String
            var keyPath: String
            var runID: UInt32
            var runningStart: UInt64
        }

        struct SetupError: Error {
            var message: String
        }

        static let finalized: Result<Finalized, SetupError> = {
            do {
                return .success(try build())
            } catch {
                return .failure(SetupError(message: "\(error)"))
            }
        }()

        static func build() throws -> Finalized {
            let temporary = try TemporaryStore()
            let store = temporary.store
            for entry in Dictionary(grouping: Fixture.entries(), by: \.team).sorted(by: { $0.key < $1.key }) {
                try store.addTeam(entry.key, robots: entry.value, at: 1)
            }
            let run = try store.createRun(
                name: "run",
                division: "P",
                seed: 6,
                window: .referee,
                rulebook: (Fixture.rulebook.hash, Fixture.rulebook.id, Fixture.rulebookBytes),
                entries: try store.registeredRobots(),
                at: 1
            )
            let simulated = try Fixture.simulate(runID: run, seed: 6, duration: 30, faults: "reorder=0.01")
            var pipeline = FakePipeline(database: temporary.database)
            let start = simulated.offsets.first!
            try store.transition(run, to: .running, at: start)
            pipeline.observer.backgroundTick(now: start)
            try pipeline.close(now: start)
            try store.addAction(LifecycleTests.penalty(run, "team-2-solid", 2))
            pipeline.observer.backgroundTick(now: start)
            try pipeline.ingest(simulated.frames, at: simulated.offsets, batch: 40)
            let end = simulated.offsets.last!
            try store.transition(run, to: .finished, at: end)
            pipeline.observer.backgroundTick(now: end)
            for step in 1...4 { try pipeline.close(now: end + UInt64(step) * 600_000_000) }
            let keyPath = temporary.folder.appendingPathComponent("service.key").path
            let key = try ServiceKey(path: keyPath, create: true)
            let outcome = try Finalizer.finalize(store: store, runID: run, key: key, now: end + 5_000_000_000)
            // Kept past the temporary store: the cases copy it.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-verify-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let master = folder.appendingPathComponent("master.db").path
            try temporary.database.pool.writeWithoutTransaction { db in
                try db.execute(sql: "VACUUM INTO ?", arguments: [master])
            }
            try FileManager.default.copyItem(atPath: keyPath, toPath: folder.appendingPathComponent("service.key").path)
            return Finalized(
                folder: folder,
                master: master,
                keyPath: folder.appendingPathComponent("service.key").path,
                runID: run,
                runningStart: outcome.document.result.runningStart ?? 0
            )
        }

        /// A copy of the finalized database.
        static func copy() throws -> (Finalized, FleetDatabase) {
            let finalized = try Self.finalized.get()
            let path = finalized.folder.appendingPathComponent("\(UUID()).db").path
            try FileManager.default.copyItem(atPath: finalized.master, toPath: path)
            return (finalized, try FleetDatabase(path: path))
        }

        @Test func anUntouchedCompactResultVerifiesAndStoresEachEventOnce() throws {
            let (finalized, database) = try Self.copy()
            let store = SQLiteCompetitionStore(database: database)
            let report = try Verifier.verify(store: store, runID: finalized.runID, keyPath: finalized.keyPath)
            #expect(report.ok, "\(report.checks)")
            #expect(report.checks.contains { $0.name == "score events" && $0.ok })
            let record = try #require(try store.finalRecord(runID: finalized.runID))
            let document = try CanonicalJSON.decode(FinalDocument.self, from: record.document)
            #expect(document.format == FinalDocument.formatV4 && document.result.events.isEmpty)
            // FINAL == recompute, byte for byte, from what is stored once.
            let final = try #require(try store.runResult(runID: finalized.runID, source: .final))
            let recomputed = try Recompute.result(store: store, runID: finalized.runID)
            #expect(try CanonicalJSON.string(final) == CanonicalJSON.string(recomputed))
            #expect(final.events.count > 100 && final.events.count == document.eventCount)
            // The final result agrees with the live one: it shares every live event.
            let live = try #require(try store.storedResult(runID: finalized.runID, source: .live))
            let stored = try #require(try store.storedResult(runID: finalized.runID, source: .final))
            #expect(stored.shared == live.eventCount && stored.own.isEmpty)
            let listed = try database.read { db in
                try Int.fetchOne(
                    db,
                    sql: "SELECT sum(count) FROM score_event WHERE run_id = ?",
                    arguments: [finalized.runID]
                )
            }
            #expect(listed == final.events.count)
        }

        /// A stored chunk of robot 102 that reaches into the window: its id, encoding and
        /// frames (decoded, as received), and the index of its first frame inside the window.
        static func chunk(
            _ database: FleetDatabase,
            start: UInt64
        ) throws -> (id: Int64, encoding: ChunkEncoding, frames: [[UInt8]], firstInWindow: Int) {
            let row = try #require(
                try database.read { db in
                    try Row.fetchOne(
                        db,
                        sql: """
                            SELECT chunk_id, encoding, CAST(frames AS BLOB) FROM frame_chunk
                            WHERE robot_id = 102 AND end_ns >= ? ORDER BY start_ns LIMIT 1
                            """,
                        arguments: [Int64(bitPattern: start)]
                    )
                }
            )
            let encoding = try #require(ChunkEncoding(rawValue: UInt8(row[1] as Int64)))
            var frames: [[UInt8]] = []
            try (row[2] as Data).withUnsafeBytes { blob in
                try ChunkCodec.forEachFrame(in: blob, encoding: encoding) { frames.append(Array($0)) }
            }
            let first = try #require(
                frames.firstIndex { frame in
                    frame.withUnsafeBytes { FrameHeader.unverified($0)!.timestampNanoseconds >= start }
                }
            )
            return (row[0], encoding, frames, first)
        }

        /// Writes `frames` back as the chunk's blob, encoded as stored.
        static func replace(
            _ chunk: Int64,
            encoding: ChunkEncoding,
            with frames: [[UInt8]],
            in database: FleetDatabase
        )
            throws
        {
            let blob = ChunkForgery.blob(frames, encoding: encoding)
            try database.write { db in
                try db.execute(
                    sql: "UPDATE frame_chunk SET frames = ? WHERE chunk_id = ?",
                    arguments: [Data(blob), chunk]
                )
            }
        }

        @Test func anEditedFrameIsNamedByRobotAndSequence() throws {
            let (finalized, database) = try Self.copy()
            let chunk = try Self.chunk(database, start: finalized.runningStart)
            var frames = chunk.frames
            let target = chunk.firstInWindow
            let header = try #require(frames[target].withUnsafeBytes { FrameHeader.unverified($0) })
            // One body byte changed, the checksum made to match: a careful forgery.
            ChunkForgery.editBody(of: &frames, at: target)
            try Self.replace(chunk.id, encoding: chunk.encoding, with: frames, in: database)
            let report = try Verifier.verify(
                store: SQLiteCompetitionStore(database: database),
                runID: finalized.runID,
                keyPath: finalized.keyPath
            )
            #expect(!report.ok)
            #expect(
                report.firstFailure?.contains("robot 102 sequence \(header.sequence) (boot \(header.bootEpoch))")
                    == true,
                "\(report.firstFailure ?? "")"
            )
        }

        @Test func aDeletedChunkIsNamedByRobotAndSequence() throws {
            let (finalized, database) = try Self.copy()
            let chunk = try Self.chunk(database, start: finalized.runningStart)
            let first = try #require(chunk.frames[chunk.firstInWindow].withUnsafeBytes { FrameHeader.unverified($0) })
            try database.write { db in
                try db.execute(sql: "DELETE FROM frame_chunk WHERE chunk_id = ?", arguments: [chunk.id])
            }
            let report = try Verifier.verify(
                store: SQLiteCompetitionStore(database: database),
                runID: finalized.runID,
                keyPath: finalized.keyPath
            )
            #expect(!report.ok)
            #expect(
                report.firstFailure?.contains("robot 102 sequence \(first.sequence) (boot \(first.bootEpoch))")
                    == true,
                "\(report.firstFailure ?? "")"
            )
        }

        @Test(arguments: [
            "UPDATE event SET ts_ns = ts_ns + 3000000000 WHERE message_type = \(MessageType.runState.rawValue)",
            "UPDATE referee_action SET value = value + 1",
        ])
        func aMovedRunStateEventOrAChangedPenaltyFailsTheRecompute(_ tamper: String) throws {
            let (finalized, database) = try Self.copy()
            let changed = try database.write { db in
                try db.execute(sql: tamper)
                return db.changesCount
            }
            #expect(changed > 0)
            let report = try Verifier.verify(
                store: SQLiteCompetitionStore(database: database),
                runID: finalized.runID,
                keyPath: finalized.keyPath
            )
            #expect(!report.ok)
            #expect(report.checks.contains { $0.name == "recompute" && !$0.ok }, "\(report.checks)")
        }

        @Test func anEditedSignedDocumentFailsTheSignature() throws {
            let (finalized, database) = try Self.copy()
            try database.write { db in
                try db.execute(
                    sql: """
                        UPDATE final_result SET document = CAST(replace(CAST(document AS TEXT), '"isFinal":true', '"isFinal":false') AS BLOB)
                        """
                )
            }
            let report = try Verifier.verify(
                store: SQLiteCompetitionStore(database: database),
                runID: finalized.runID,
                keyPath: finalized.keyPath
            )
            #expect(report.checks.contains { $0.name == "signature" && !$0.ok })
        }

        @Test func anEditedStoredScoreEventFailsTheSignedDigest() throws {
            let (finalized, database) = try Self.copy()
            let store = SQLiteCompetitionStore(database: database)
            let stored = try #require(try store.storedResult(runID: finalized.runID, source: .final))
            var events = try store.scoreEvents(of: stored)
            events[min(events.count / 2, ScoreEventCodec.pageSize - 1)].delta += 1
            let page = ScoreEventCodec.encode(events.prefix(ScoreEventCodec.pageSize))
            try database.write { db in
                try db.execute(
                    sql: "UPDATE score_event SET page = ? WHERE run_id = ? AND first_ordinal = 0",
                    arguments: [Data(page), finalized.runID]
                )
            }
            let report = try Verifier.verify(store: store, runID: finalized.runID, keyPath: finalized.keyPath)
            #expect(!report.ok)
            #expect(report.checks.contains { $0.name == "score events" && !$0.ok }, "\(report.checks)")
            #expect(report.checks.contains { $0.name == "recompute" && $0.ok }, "the frames are untouched")
        }

        /// Item 8: who and why of a penalty are signed: an edited reason or author fails verify,
        /// and the cheap check behind score, standings and the board voids the run.
        @Test(arguments: ["UPDATE referee_action SET reason = 'no reason'", "UPDATE referee_action SET by = 'someone'"])
        func anEditedPenaltyReasonOrAuthorFailsTheSignedActions(_ tamper: String) throws {
            let (finalized, database) = try Self.copy()
            try database.write { db in try db.execute(sql: tamper) }
            let store = SQLiteCompetitionStore(database: database)
            let report = try Verifier.verify(store: store, runID: finalized.runID, keyPath: finalized.keyPath)
            #expect(!report.ok && report.void)
            #expect(
                report.checks.contains { $0.name == "referee actions" && !$0.ok && $0.detail.contains("differs") },
                "\(report.checks)"
            )
            let anchor = try TrustAnchor.resolve(given: nil, keyPath: finalized.keyPath)
            #expect(Integrity.check(store: store, runID: finalized.runID, anchor: anchor).verdict == .void)
        }

        /// Item 8: a document rebuilt without the penalty and signed with a new key (stored
        /// beside it) fails against the pinned key; without any pinned key it is UNVERIFIED,
        /// never "verifies".
        @Test func aResultResignedWithAnotherKeyFailsThePinnedKeyAndIsUnverifiedWithoutOne() throws {
            let (finalized, database) = try Self.copy()
            let store = SQLiteCompetitionStore(database: database)
            let record = try #require(try store.finalRecord(runID: finalized.runID))
            var document = try CanonicalJSON.decode(FinalDocument.self, from: record.document)
            #expect(!document.actions.isEmpty)
            document.actions = []
            try database.write { db in try db.execute(sql: "DELETE FROM referee_action") }
            let forger = try ServiceKey(
                path: finalized.folder.appendingPathComponent("forger-\(UUID()).key").path,
                create: true
            )
            let bytes = try CanonicalJSON.encode(document)
            let signature = try forger.sign(bytes)
            try database.write { db in
                try db.execute(
                    sql: "UPDATE final_result SET document = ?, signature = ?, public_key = ? WHERE run_id = ?",
                    arguments: [Data(bytes), Data(signature), Data(forger.publicKey), finalized.runID]
                )
            }
            // Against the organizers' key: fails, naming the trust anchor.
            let pinned = try Verifier.verify(store: store, runID: finalized.runID, keyPath: finalized.keyPath)
            #expect(pinned.checks.contains { $0.name == "signature" && $0.ok }, "the forger's signature is valid")
            #expect(pinned.checks.contains { $0.name == "trust anchor" && !$0.ok }, "\(pinned.checks)")
            #expect(!pinned.ok && pinned.void)
            // The published key given as hex works the same.
            let hex = HashChain.hex(try ServiceKey(path: finalized.keyPath, create: false).publicKey)
            let given = try Verifier.verify(store: store, runID: finalized.runID, keyPath: nil, publicKey: hex)
            #expect(given.checks.contains { $0.name == "trust anchor" && !$0.ok })
            // No key beside the database, none given: UNVERIFIED, not ok.
            let missing = finalized.folder.appendingPathComponent("missing-\(UUID()).key").path
            let none = try Verifier.verify(store: store, runID: finalized.runID, keyPath: missing)
            #expect(!none.ok && none.unverified)
            #expect(none.checks.contains { $0.name == "trust anchor" && $0.detail.hasPrefix("UNVERIFIED") })
            #expect(Integrity.check(store: store, runID: finalized.runID, anchor: nil).verdict == .unverified)
        }

        /// Items 6 and 7: every row kind that feeds a result, edited one at a time, makes the
        /// cheap check (what score, standings and the board run) say void; the untouched copy
        /// verifies. The run_result row of a FINAL run is not read at all: the signed
        /// document is (an edit there changes nothing printed, and the events it points to are
        /// checked against the signed digest).
        @Test(arguments: [
            "frame", "chunk", "event", "event copy", "action value", "action reason", "run_result events", "document",
            "score event",
        ])
        func everyTamperMakesTheCheapCheckVoid(_ kind: String) throws {
            let (finalized, database) = try Self.copy()
            let store = SQLiteCompetitionStore(database: database)
            let anchor = try TrustAnchor.resolve(given: nil, keyPath: finalized.keyPath)
            #expect(Integrity.check(store: store, runID: finalized.runID, anchor: anchor).verdict == .verified)
            switch kind {
            case "frame":
                let chunk = try Self.chunk(database, start: finalized.runningStart)
                var frames = chunk.frames
                ChunkForgery.editBody(of: &frames, at: chunk.firstInWindow)
                try Self.replace(chunk.id, encoding: chunk.encoding, with: frames, in: database)
            case "chunk":
                let chunk = try Self.chunk(database, start: finalized.runningStart)
                try database.write { db in
                    try db.execute(sql: "DELETE FROM frame_chunk WHERE chunk_id = ?", arguments: [chunk.id])
                }
            case "event":
                try database.write { db in
                    try db.execute(
                        sql: "UPDATE event SET ts_ns = ts_ns + 3000000000 WHERE message_type = ?",
                        arguments: [MessageType.runState.rawValue]
                    )
                }
            case "event copy":
                // Item 14: the event table's copy (what queries and the API show) is checked too.
                try database.write { db in
                    try db.execute(
                        sql: "UPDATE event SET robot_id = robot_id + 1000 WHERE message_type != ?",
                        arguments: [MessageType.runState.rawValue]
                    )
                }
            case "action value":
                try database.write { db in try db.execute(sql: "UPDATE referee_action SET value = value + 1") }
            case "action reason":
                try database.write { db in try db.execute(sql: "UPDATE referee_action SET reason = 'x'") }
            case "run_result events":
                try database.write { db in
                    try db.execute(sql: "UPDATE run_result SET shared = shared - 1 WHERE source = 'final'")
                }
            case "document":
                try database.write { db in
                    try db.execute(
                        sql: """
                            UPDATE final_result SET document = CAST(replace(CAST(document AS TEXT), '"isFinal":true', '"isFinal":false') AS BLOB)
                            """
                    )
                }
            default:
                let stored = try #require(try store.storedResult(runID: finalized.runID, source: .final))
                var events = try store.scoreEvents(of: stored)
                events[0].total += 10
                let page = ScoreEventCodec.encode(events.prefix(ScoreEventCodec.pageSize))
                try database.write { db in
                    try db.execute(
                        sql: "UPDATE score_event SET page = ? WHERE run_id = ? AND first_ordinal = 0",
                        arguments: [Data(page), finalized.runID]
                    )
                }
            }
            let full = try Verifier.verify(store: store, runID: finalized.runID, keyPath: finalized.keyPath)
            #expect(!full.ok, "fleet verify fails (\(kind))")
            let integrity = Integrity.check(store: store, runID: finalized.runID, anchor: anchor)
            #expect(integrity.verdict == .void, "\(kind): \(integrity)")
        }
    }
}
