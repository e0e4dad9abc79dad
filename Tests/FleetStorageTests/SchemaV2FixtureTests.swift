import FleetProtocol
import FleetStore
import Foundation
import GRDB
import Testing

@testable import FleetStorage

/// A database written by schema v2 (before storage engine v2: chunks appended to with
/// UPDATE, text ledgers) answers every query the same, byte for byte, once migrated.
/// The fixture and its answers were written by `FixtureGenerator` at commit 8e8a796's
/// writer (see the commit that added `Fixtures/`).
struct SchemaV2FixtureTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures"
    )

    /// A copy of the fixture in a temporary folder, opened (and so migrated).
    static func openCopy() throws -> (TemporaryFolder, FleetDatabase) {
        let folder = try TemporaryFolder()
        let path = folder.url.appendingPathComponent("fleet.db").path
        try FileManager.default.copyItem(
            atPath: fixtures.appendingPathComponent("v2-telemetry.db").path,
            toPath: path
        )
        return (folder, try FleetDatabase(path: path))
    }

    @Test func everyQueryAnswersAsBeforeTheMigration() throws {
        let expected = try JSONDecoder().decode(
            FixtureAnswers.self,
            from: Data(contentsOf: Self.fixtures.appendingPathComponent("v2-telemetry.expected.json"))
        )
        let (folder, database) = try Self.openCopy()
        let answers = try FixtureAnswers.collect(from: database)
        #expect(answers.answers.keys.sorted() == expected.answers.keys.sorted())
        for key in expected.answers.keys.sorted() {
            #expect(answers.answers[key] == expected.answers[key], "\(key)")
        }
        #expect(expected.answers["frames robot 1 all"]?.count == 400)
        #expect(expected.answers["frames robot 3 all"]?.count == 140)
        #expect(try database.integrityCheck() == "ok")
        withExtendedLifetime(folder) {}
    }

    @Test func theMigrationTagsOldChunksAndConvertsTheLedgerToBlobs() throws {
        let (folder, database) = try Self.openCopy()
        try database.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM frame_chunk WHERE encoding <> 0") == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM frame_segment") == 0)
            let types = try String.fetchAll(
                db,
                sql: "SELECT DISTINCT typeof(gaps) || typeof(rejected_seqs) FROM loss_ledger"
            )
            #expect(types == ["blobblob"])
            let gaps = try Data.fetchOne(
                db,
                sql: "SELECT gaps FROM loss_ledger WHERE robot_id = 2 AND boot_epoch = 7"
            )
            // 50-52 and 130-130, as (first, last) u32 little-endian pairs.
            #expect(gaps.map([UInt8].init) == [50, 0, 0, 0, 52, 0, 0, 0, 130, 0, 0, 0, 130, 0, 0, 0])
        }
        let state = try database.restoreIngestState()
        #expect(state.segments.isEmpty && state.nextSegmentID == 1)
        #expect(state.ledgers == (try database.lossLedger()))
        withExtendedLifetime(folder) {}
    }

    @Test func aMigratedDatabaseTakesSegmentsAndStillReadsItsOldChunks() throws {
        let (folder, database) = try Self.openCopy()
        let before = try database.frames(robotID: 1, from: 0, to: UInt64(Int64.max))
        let late = TestFrame(
            .sanitationState,
            robot: 1,
            boot: 2,
            sequence: 200,
            time: FixtureAnswers.origin + 99 * FixtureAnswers.second
        )
        var batch = WriteBatch()
        batch.segment = SegmentRecord(
            segmentID: 1,
            startNanos: late.time,
            endNanos: late.time,
            frameCount: 1,
            frames: TestFrame.lengthPrefixed([late])
        )
        try database.commit(batch, at: 0)
        let after = try database.frames(robotID: 1, from: 0, to: UInt64(Int64.max))
        #expect(after.map(\.bytes) == before.map(\.bytes) + [late.bytes])
        #expect(try database.latestState(robotID: 1)?.bytes == late.bytes)
        withExtendedLifetime(folder) {}
    }
}

/// A fresh temporary folder, removed when the test ends.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-storage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
