import FleetStorage
import FleetStore
import Foundation

/// The read side as users run it, on stored runs: a 20-minute demo of the default fleet for
/// bytes on disk, and a 20-minute run of 50 robots for `fleet score --recompute` and a
/// 1-hour, 1-robot, 1 s metric history over HTTP from `fleet ingest --http`. Every step is
/// this binary run as a child process, the way a user runs it.
struct ReadSideBench {
    let folder: URL
    /// Simulated seconds of each run.
    var duration = 1200
    /// HTTP requests timed.
    var requests = 200

    private var executable: URL { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath() }

    /// Table rows: measure, value, unit, vs goal.
    func rows() async throws -> [[String]] {
        var rows: [[String]] = []
        // The demo fleet (default teams and humanoids): what 20 minutes take on disk.
        let demo = folder.appendingPathComponent("demo-\(duration)s.db").path
        try runChild(["demo", "--duration", "\(duration)", "--time-scale", "200", "--db", demo, "--http", "off"])
        let sizes = try TableSizes(path: demo)
        rows.append([
            "\(duration / 60)-minute demo (default fleet): database", String(format: "%.1f", sizes.total / 1e6), "MB",
            "goal ≤ 25 MB",
        ])
        for (table, bytes) in sizes.byTable.prefix(6) {
            rows.append(["  \(table)", String(format: "%.2f", bytes / 1e6), "MB", ""])
        }
        if let samples = sizes.numericSamples, samples > 0 {
            rows.append([
                "  bytes per numeric sample (all tables)", String(format: "%.2f", sizes.total / Double(samples)), "B",
                "goal ≤ 2",
            ])
        }

        // 50 robots: 16 teams of 3 and 2 humanoids.
        let big = folder.appendingPathComponent("fifty-\(duration)s.db").path
        try runChild([
            "demo", "--duration", "\(duration)", "--time-scale", "200", "--teams", "16", "--humanoids", "2", "--db",
            big,
            "--http", "off",
        ])
        let runID = try largestRunID(big)
        let clock = ContinuousClock()
        var recomputes: [Duration] = []
        for _ in 0..<3 {
            recomputes.append(try clock.measure { try runChild(["score", "\(runID)", "--recompute", "--db", big]) })
        }
        let recompute = recomputes.sorted()[1]
        rows.append([
            "fleet score --recompute, \(duration / 60)-min run of 50 robots (median of 3)",
            String(format: "%.2f", Self.seconds(recompute)), "s", "goal ≤ 1 s",
        ])
        let (p50, p99) = try await metricHistory(database: big)
        rows.append([
            "1-hour 1-robot 1 s metric history over HTTP", String(format: "p50 %.1f / p99 %.1f", p50, p99), "ms",
            "goal p50 ≤ 10 ms",
        ])
        return rows
    }

    /// Starts `fleet ingest --http` on the stored run and times GETs of one robot's battery
    /// history over the last hour at a 1 s step.
    private func metricHistory(database: String) async throws -> (Double, Double) {
        let port = 18_000 + Int.random(in: 0..<2000)
        let robot = try FleetDatabase(path: database, readOnly: true).robots().first { $0.kind == "sanitation" }
        guard let robot else { throw BenchError("no sanitation robot in \(database)") }
        let ingest = Process()
        ingest.executableURL = executable
        ingest.arguments = [
            "ingest", "--db", database, "--listen", "tcp://127.0.0.1:*", "--http", "127.0.0.1:\(port)",
        ]
        ingest.standardOutput = FileHandle.nullDevice
        ingest.standardError = FileHandle.nullDevice
        try ingest.run()
        defer {
            ingest.terminate()
            ingest.waitUntilExit()
        }
        let to = robot.lastSeenNanos
        let from = to >= 3_600_000_000_000 ? to - 3_600_000_000_000 : 0
        let path = "/api/robots/\(robot.robotID)/telemetry?metric=battery_soc&from=\(from)&to=\(to)&step=1"
        // Wait (bounded) for the server to answer, then time GETs on one kept-alive connection.
        let deadline = ContinuousClock.now + .seconds(30)
        var connection: KeepAliveHTTPClient?
        while connection == nil {
            if let client = try? KeepAliveHTTPClient(port: port), (try? client.get(path))?.status == 200 {
                connection = client
                break
            }
            guard ContinuousClock.now < deadline, ingest.isRunning else {
                throw BenchError("fleet ingest --http did not answer http://127.0.0.1:\(port)\(path) within 30 s")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        var latencies: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<requests {
            let started = clock.now
            let answer = try connection!.get(path)
            guard answer.status == 200, answer.body.count > 2 else { throw BenchError("GET \(path): \(answer.status)") }
            latencies.append(Self.seconds(clock.now - started) * 1000)
        }
        latencies.sort()
        return (latencies[latencies.count / 2], latencies[min(latencies.count - 1, latencies.count * 99 / 100)])
    }

    /// The run of the 48 sanitation robots, not the humanoids' run beside it.
    private func largestRunID(_ database: String) throws -> Int64 {
        guard let id = try FleetDatabase(path: database, readOnly: true).largestRunID() else {
            throw BenchError("no run in \(database)")
        }
        return id
    }

    private func runChild(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError(
                "fleet \(arguments.joined(separator: " ")) failed: \(String(decoding: message.suffix(400), as: UTF8.self))"
            )
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Bytes on disk by table (SQLite's dbstat), after a checkpoint, and the numeric samples the
/// stored frames carry.
struct TableSizes {
    var total: Double
    var byTable: [(String, Double)]
    var numericSamples: Int?

    init(path: String) throws {
        let database = try FleetDatabase(path: path)
        try database.checkpoint()
        byTable = try database.tableSizes().map { ($0.name, Double($0.bytes)) }
        total = byTable.reduce(0) { $0 + $1.1 }
        numericSamples = try? database.numericSamplesStored()
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
