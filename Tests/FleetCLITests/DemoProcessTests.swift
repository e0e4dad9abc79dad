import FleetStorage
import Foundation
import Testing

/// `fleet demo`, the command README.md starts with, run as a user would.
struct DemoProcessTests {
    @Test(.timeLimit(.minutes(2)))
    func theDemoRunsToTheEndPrintsResultsAndLeavesADatabaseForQueries() async throws {
        let folder = try TemporaryFolder()
        let demo = try await FleetProcess.run(
            ["demo", "--db", "demo.db", "--duration", "90", "--time-scale", "45", "--teams", "3", "--humanoids", "1"],
            in: folder.url,
            timeout: .seconds(90)
        )
        #expect(demo.status == 0, "\(demo.errors)")
        #expect(demo.output.contains("teams by area cleaned"))
        #expect(demo.output.contains("database: demo.db"))

        let database = try FleetDatabase(path: folder.path("demo.db"), readOnly: true)
        let robots = try database.robots()
        #expect(robots.filter { $0.kind == "sanitation" }.count == 9)
        #expect(robots.filter { $0.kind == "humanoid" }.count == 1)
        #expect(try database.lossLedger().allSatisfy { $0.gaps.isEmpty }, "reliable mode: nothing missing")

        let query = try await FleetProcess.run(["query", "loss", "--db", "demo.db", "--format", "csv"], in: folder.url)
        #expect(query.status == 0)
        #expect(query.output.hasPrefix("robot,boot,received,expected,completeness,"))
        #expect(query.output.split(separator: "\n").count == 1 + robots.count)
    }
}
