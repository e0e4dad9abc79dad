import FleetCompetition
import FleetProtocol
import FleetScoring
import FleetStorage
import Foundation
import GRDB
import Testing

extension ProcessSuites.CompetitionProcessTests {
    /// Issue 11, items 6, 7 and 8 with the `fleet` binary on a real database (the v2 fixture:
    /// run 1 FINAL, run 2 FINISHED): `fleet verify` needs a pinned key (UNVERIFIED and a
    /// non-zero exit without one); `fleet score` reads the signed document, not the result row;
    /// after an edited frame `fleet score` says VOID and `fleet standings` does not count the run.
    @Test(.timeLimit(.minutes(3)))
    func verifyNeedsAPinnedKeyAndAFailedCheckVoidsTheRunInScoreAndStandings() async throws {
        let folder = try TemporaryFolder()
        try FileManager.default.copyItem(
            atPath: Self.legacyFixture.appendingPathComponent("fleet.db").path,
            toPath: folder.path("fleet.db")
        )
        let keyFile = folder.path("organizers.key")
        try FileManager.default.copyItem(
            atPath: Self.legacyFixture.appendingPathComponent("fleet-service.key").path,
            toPath: keyFile
        )
        let published = HashChain.hex(try ServiceKey(path: keyFile, create: false).publicKey)

        // No key beside the database, none given: UNVERIFIED, exit non-zero.
        let bare = try await FleetProcess.run(["verify", "1", "--db", "fleet.db"], in: folder.url)
        #expect(bare.status != 0, "\(bare.output)")
        #expect(
            bare.output.contains("UNVERIFIED") && bare.errors.contains("UNVERIFIED"),
            "\(bare.output)\(bare.errors)"
        )
        let missing = try await FleetProcess.run(
            ["verify", "1", "--db", "fleet.db", "--key", folder.path("nowhere.key")],
            in: folder.url
        )
        #expect(missing.status != 0 && missing.errors.contains("UNVERIFIED"), "--key naming a missing file")
        // The published key pins it.
        let pinned = try await Self.fleet(["verify", "1", "--db", "fleet.db", "--public-key", published], in: folder)
        #expect(pinned.contains("run 1 verifies"), "\(pinned)")
        let unverified = try await Self.fleet(["score", "1", "--db", "fleet.db"], in: folder)
        #expect(unverified.contains("UNVERIFIED"), "\(unverified)")
        // From now on the organizers' public key sits beside the database.
        try (published + "\n").write(toFile: folder.path("fleet-service.key.pub"), atomically: true, encoding: .utf8)
        let signed = try Self.report(
            try await Self.fleet(["score", "1", "--db", "fleet.db", "--format", "json"], in: folder)
        )
        #expect(signed.integrity?.verdict == .verified, "\(String(describing: signed.integrity))")
        let before = try #require(signed.result)

        // Item 7: the result row of a FINAL run is not what is printed; the signed document is.
        let database = try FleetDatabase(path: folder.path("fleet.db"))
        let edited = try database.write { db in
            var json = try #require(
                try String.fetchOne(db, sql: "SELECT summary FROM run_result WHERE run_id = 1 AND source = 'live'")
            )
            json = json.replacingOccurrences(of: #""runScore":25"#, with: #""runScore":35"#)
            try db.execute(sql: "UPDATE run_result SET summary = ? WHERE run_id = 1", arguments: [json])
            return db.changesCount
        }
        #expect(edited > 0)
        let after = try Self.report(
            try await Self.fleet(["score", "1", "--db", "fleet.db", "--format", "json"], in: folder)
        )
        #expect(try CanonicalJSON.string(after.result) == CanonicalJSON.string(before))
        #expect(after.integrity?.verdict == .verified)

        // Items 6: an edited frame inside the signed window voids run 1 in score and standings.
        let (start, end) = (try #require(before.runningStart), try #require(before.runningEnd))
        let header = try Self.flipABodyByte(ofRobot: 102, within: start, end, in: database)
        let void = try await Self.fleet(["score", "1", "--db", "fleet.db"], in: folder)
        #expect(void.contains("VOID") && void.contains("robot 102 sequence \(header.sequence)"), "\(void)")
        let standings = try await Self.fleet(["standings", "--division", "P", "--db", "fleet.db"], in: folder)
        #expect(standings.contains("run 1 VOID (not counted)"), "\(standings)")
        #expect(!standings.contains(" 1:25"), "run 1 is not among the counted runs: \(standings)")
        let failed = try await FleetProcess.run(["verify", "1", "--db", "fleet.db"], in: folder.url)
        #expect(failed.status != 0)
    }
}
