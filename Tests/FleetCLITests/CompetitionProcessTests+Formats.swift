import FleetCompetition
import FleetScoring
import Foundation
import Testing

extension ProcessSuites.CompetitionProcessTests {
    static func jsonRows(_ text: String) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]], "\(text)")
    }

    /// On the competition fixture (teams registered, a FINAL run): `fleet query robots` shows
    /// the teams `fleet team list` has, `fleet score` and `fleet verify` print csv and json
    /// like the other data commands, and `fleet backup` makes a copy the FINAL run verifies on.
    @Test(.timeLimit(.minutes(3)))
    func dataCommandsPrintEveryFormatRobotsShowTheirTeamAndAFinalRunVerifiesOnABackup() async throws {
        let folder = try TemporaryFolder()
        for file in ["fleet.db", "fleet-service.key"] {
            try FileManager.default.copyItem(
                atPath: Self.legacyFixture.appendingPathComponent(file).path,
                toPath: folder.path(file)
            )
        }
        let teams = try Self.jsonRows(try await Self.fleet(["team", "list", "--format", "json"], in: folder))
        let registered = Dictionary(
            uniqueKeysWithValues: teams.compactMap { row in
                (row["robot"] as? Int).map { ($0, row["team"] as? String ?? "") }
            }
        )
        #expect(registered.count == 12)
        let robots = try Self.jsonRows(try await Self.fleet(["query", "robots", "--format", "json"], in: folder))
        let shown = robots.compactMap { row -> (Int, String?)? in
            guard let id = row["robot"] as? Int, id < 0xF000_0000 else { return nil }
            return (id, row["team"] as? String)
        }
        #expect(shown.count == 12 && shown.allSatisfy { registered[$0.0] == $0.1 }, "\(shown) against \(registered)")

        let report = try Self.report(try await Self.fleet(["score", "1", "--format", "json"], in: folder))
        let result = try #require(report.result)
        let csv = try await Self.fleet(["score", "1", "--format", "csv"], in: folder)
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "team,score,Q,C,c,E,A,S,penalties,bonuses,note")
        #expect(Set(lines.dropFirst().map { String($0.split(separator: ",")[0]) }) == Set(result.teams.map(\.team)))
        let events = try await Self.fleet(["score", "1", "--format", "csv", "--events"], in: folder)
        #expect(events.split(separator: "\n").count == result.events.count + 1)

        let checks = try Self.jsonRows(try await Self.fleet(["verify", "1", "--format", "json"], in: folder))
        #expect(checks.count > 5 && checks.allSatisfy { $0["ok"] as? Bool == true }, "\(checks)")
        let rows = try await Self.fleet(["verify", "1", "--format", "csv"], in: folder)
        #expect(rows.hasPrefix("run,check,ok,detail\n") && rows.split(separator: "\n").count == checks.count + 1)

        // A backup of the file verifies, with the same key, like the original.
        _ = try await Self.fleet(["backup", "--db", "fleet.db", "--to", "copy.db"], in: folder)
        let copied = try await Self.fleet(["verify", "1", "--db", "copy.db"], in: folder)
        #expect(copied.contains("run 1 verifies"))
    }
}
