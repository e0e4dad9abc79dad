import FleetProtocol
import Foundation

/// The peers of the sustained benchmark, fed the same frames: a naive Python ingester (one
/// JSON row per frame) and InfluxDB 1.6 (line protocol over HTTP). Each runs as its own
/// process from `Benchmarks/peers/`; a peer that cannot run here says why instead.
struct PeerBench {
    var peersFolder: String
    var protocolsFolder: String
    var python = "/usr/bin/python3"
    var folder: URL

    /// What a peer script printed as its last line (JSON).
    struct Result: Decodable {
        var frames: Int?
        var seconds: Double?
        var framesPerSecond: Double?
        var samplesPerSecond: Double?
        var error: String?

        enum CodingKeys: String, CodingKey {
            case frames
            case seconds
            case framesPerSecond = "frames_per_s"
            case samplesPerSecond = "samples_per_s"
            case error
        }

        static func parse(lastLineOf output: String) -> Result {
            let line = output.split(separator: "\n").last.map(String.init) ?? ""
            guard let result = try? JSONDecoder().decode(Result.self, from: Data(line.utf8)) else {
                let shown = line.isEmpty ? "no output" : String(line.prefix(160))
                return Result(error: "unreadable result: \(shown)")
            }
            return result
        }
    }

    /// The naive ingester binds a SUB socket; `fleet replay --rate max` sends it `recording`.
    func naive(recording: String, frames: Int, name: String) throws -> Result {
        let script = "\(peersFolder)/naive_ingest.py"
        guard FileManager.default.isExecutableFile(atPath: python) else { return Result(error: "no \(python)") }
        let endpointFile = folder.appendingPathComponent("\(name).endpoint").path
        let db = folder.appendingPathComponent("\(name).db").path
        let peer = Process()
        peer.executableURL = URL(fileURLWithPath: python)
        peer.arguments = [
            script, "--db", db, "--frames", String(frames), "--endpoint-file", endpointFile,
            "--protocols", protocolsFolder,
        ]
        let output = Pipe()
        peer.standardOutput = output
        try peer.run()
        let deadline = Date().addingTimeInterval(20)
        var endpoint: String?
        while endpoint == nil && peer.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            endpoint = try? String(contentsOfFile: endpointFile, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if endpoint?.isEmpty == true { endpoint = nil }
        }
        if let endpoint {
            let replay = Process()
            replay.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            replay.arguments = ["replay", recording, "--connect", endpoint, "--rate", "max"]
            try replay.run()
            replay.waitUntilExit()
        } else if peer.isRunning {
            peer.terminate()
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        peer.waitUntilExit()
        DiskUsage.remove(db)
        return Result.parse(lastLineOf: text)
    }

    /// The feeder starts influxd in a temporary folder, writes `recording` as line protocol
    /// in batches of 5,000 and stops it.
    func influx(recording: String, name: String) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: python) else { return Result(error: "no \(python)") }
        let peer = Process()
        peer.executableURL = URL(fileURLWithPath: python)
        peer.arguments = [
            "\(peersFolder)/influx_feed.py", "--recording", recording, "--batch", "5000",
            "--workdir", folder.appendingPathComponent(name).path, "--protocols", protocolsFolder,
        ]
        let output = Pipe()
        peer.standardOutput = output
        try peer.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        peer.waitUntilExit()
        return Result.parse(lastLineOf: text)
    }
}

/// Bytes on disk of a database, per table, after a checkpoint: SQLite's dbstat virtual table
/// through the sqlite3 shell, or the file sizes where that is not available.
enum DiskUsage {
    struct Tables {
        var total: Int
        /// (table or index, bytes), largest first; empty when only the total is known.
        var byName: [(String, Int)]
    }

    static func measure(_ db: String) -> Tables {
        let shell = "/usr/bin/sqlite3"
        if FileManager.default.isExecutableFile(atPath: shell) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: shell)
            process.arguments = [
                db, "PRAGMA wal_checkpoint(TRUNCATE);",
                "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC;",
            ]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            if (try? process.run()) != nil {
                let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                if let tables = parse(text), process.terminationStatus == 0 { return tables }
            }
        }
        let size = [db, db + "-wal"].compactMap {
            try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int
        }.reduce(0, +)
        return Tables(total: size, byName: [])
    }

    /// "name|bytes" lines after the checkpoint's "0|pages|pages" line.
    static func parse(_ text: String) -> Tables? {
        var byName: [(String, Int)] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "|")
            guard parts.count == 2, let bytes = Int(parts[1]) else { continue }
            byName.append((String(parts[0]), bytes))
        }
        guard !byName.isEmpty else { return nil }
        return Tables(total: byName.reduce(0) { $0 + $1.1 }, byName: byName)
    }

    static func remove(_ db: String) {
        guard !db.isEmpty else { return }
        for suffix in ["", "-wal", "-shm", "-writer"] { try? FileManager.default.removeItem(atPath: db + suffix) }
    }
}

extension MessageType {
    /// Numeric samples a frame carries: every field but the reserved ones, arrays by element.
    var numericSamples: Int { layout.filter { !$0.isReserved }.reduce(0) { $0 + $1.count } }
}
