import FleetCompetition
import FleetProtocol
import FleetScoring
import FleetStorage
import Foundation
import GRDB
import Testing

extension ProcessSuites.CompetitionProcessTests {
    /// Tests/Fixtures/competition-v2: a database the commit before migration
    /// `v4-compact-results` wrote (a FINAL run signed as `fleet-final-v1`, a FINISHED run with
    /// a live result and a penalty, a RUNNING run with board rows), with what `fleet score`,
    /// `fleet verify` and `fleet standings` printed then.
    static let legacyFixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/competition-v2")

    @Test(.timeLimit(.minutes(3)))
    func aDatabaseWrittenBeforeCompactResultsMigratesAndAnswersAsBefore() async throws {
        let folder = try TemporaryFolder()
        for file in ["fleet.db", "fleet-service.key"] {
            try FileManager.default.copyItem(
                atPath: Self.legacyFixture.appendingPathComponent(file).path,
                toPath: folder.path(file)
            )
        }
        func expected(_ name: String) throws -> String {
            try String(contentsOf: Self.legacyFixture.appendingPathComponent("expected/\(name)"), encoding: .utf8)
        }
        for run in 1...3 {
            let json = try await Self.fleet(["score", "\(run)", "--db", "fleet.db", "--format", "json"], in: folder)
            #expect(json == (try expected("score-\(run).json")), "fleet score \(run) --format json")
            let table = try await Self.fleet(["score", "\(run)", "--db", "fleet.db", "--events"], in: folder)
            #expect(table == (try expected("score-\(run).txt")), "fleet score \(run) --events")
        }
        // The fixture was written in /tmp/fx; the service key is named by its full path.
        let verified = try await Self.fleet(["verify", "1", "--db", "fleet.db"], in: folder)
        #expect(
            verified.replacingOccurrences(of: folder.url.path, with: "/tmp/fx") == (try expected("verify-1.txt")),
            "\(verified)"
        )
        let standings = try await Self.fleet(["standings", "--division", "P", "--db", "fleet.db"], in: folder)
        #expect(standings == (try expected("standings-P.txt")))
        let rows = try await Self.fleet(
            ["standings", "--division", "P", "--db", "fleet.db", "--format", "json"],
            in: folder
        )
        #expect(rows == (try expected("standings-P.json")))

        // The FINISHED run finalizes compactly (fleet-final-v2) on the migrated database:
        // FINAL == recompute, byte for byte, and it verifies, stored events included.
        _ = try await Self.fleet(["run", "finalize", "2", "--db", "fleet.db"], in: folder)
        let final = try Self.report(
            try await Self.fleet(["score", "2", "--db", "fleet.db", "--format", "json"], in: folder)
        )
        let recomputed = try Self.report(
            try await Self.fleet(["score", "2", "--recompute", "--db", "fleet.db", "--format", "json"], in: folder)
        )
        #expect(final.source == .final && recomputed.source == .recompute)
        #expect(try CanonicalJSON.string(final.result) == CanonicalJSON.string(recomputed.result))
        #expect((final.result?.events.count ?? 0) > 20)
        let second = try await Self.fleet(["verify", "2", "--db", "fleet.db"], in: folder)
        #expect(second.contains("ok   score events: ") && second.contains("run 2 verifies"), "\(second)")

        // The v1 run's 16-byte frame index still names an edited frame.
        let signed = try #require(try Self.report(try expected("score-1.json")).result)
        let (start, end) = (try #require(signed.runningStart), try #require(signed.runningEnd))
        let database = try FleetDatabase(path: folder.path("fleet.db"))
        let header = try Self.flipABodyByte(ofRobot: 102, within: start, end, in: database)
        let tampered = try await FleetProcess.run(["verify", "1", "--db", "fleet.db"], in: folder.url)
        #expect(tampered.status != 0)
        #expect(
            tampered.errors.contains("robot 102 sequence \(header.sequence) (boot \(header.bootEpoch))"),
            "\(tampered.output)\(tampered.errors)"
        )
    }
}
