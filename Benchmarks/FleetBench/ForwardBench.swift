import FleetForward
import FleetPostgres
import FleetRunner
import Foundation
import Logging

/// Store-and-forward throughput: a site's SQLite file (what an ingester stored of a
/// recording) copied whole to a database on the throwaway PostgreSQL by `fleet forward
/// --once`'s forwarder, timed from connecting to the last batch committed.
struct ForwardBench {
    let folder: URL
    let postgres: ThrowawayPostgres
    let frames: Int

    func rows() async throws -> [[String]] {
        let recording = folder.appendingPathComponent("forward-site.ftrec").path
        try BenchKind.sanitation.writeRecording(to: recording, frames: frames)
        let site = try await EndToEnd(folder: folder, name: "forward-site").throughput(recording: recording)
        var configuration = Forwarder.Configuration(
            sitePath: folder.appendingPathComponent("forward-site.db").path,
            site: "bench",
            central: try postgres.createDatabase()
        )
        configuration.once = true
        let forwarder = Forwarder(configuration: configuration, logger: Logger(label: "fleet.bench.forward"))
        let clock = ContinuousClock()
        let started = clock.now
        try await forwarder.run()
        let seconds = (clock.now - started).seconds
        let status = forwarder.status
        let rate = Double(status.cursor.frames) / max(seconds, 1e-6)
        return [
            [
                "fleet forward --once: site SQLite file → PostgreSQL, sanitation", String(format: "%.0f k", rate / 1e3),
                "frames/s",
                "\(status.cursor.frames) of \(site.stored) frames in \(status.cursor.chunks) chunks, "
                    + "\(status.batches) transactions, \(String(format: "%.1f", seconds)) s (schema included)",
            ]
        ]
    }
}
