import FleetTestSupport
import Foundation

/// Debian's `prometheus`, started for a test on a free port with a scrape config (every
/// second) pointed at one target, its data in the test's folder; killed by `stop()` (call it
/// in a `defer`: a failed test must not leave it running).
// @unchecked Sendable: `process` is only signalled and waited on by `stop()`; queries use the port.
struct PrometheusProcess: @unchecked Sendable {
    let process: Process
    let port: Int
    private let log: URL

    static func start(program: String, scraping target: String, in folder: TemporaryFolder) throws -> PrometheusProcess
    {
        let config = folder.url.appendingPathComponent("prometheus.yml")
        try """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: fleet
            metrics_path: /metrics
            static_configs:
              - targets: ['\(target)']
        """.write(to: config, atomically: true, encoding: .utf8)
        let port = try freePort()
        let log = folder.url.appendingPathComponent("prometheus.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = [
            "--config.file=\(config.path)", "--storage.tsdb.path=\(folder.path("prometheus-data"))",
            "--web.listen-address=127.0.0.1:\(port)",
        ]
        process.currentDirectoryURL = folder.url
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        return PrometheusProcess(process: process, port: port, log: log)
    }

    /// Prometheus's own log (for failure messages).
    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// An instant query through the HTTP API: the result vector as (labels, value).
    func query(_ promQL: String) throws -> [(labels: [String: String], value: String)] {
        let encoded = promQL.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? promQL
        let response = try HTTPRequest.send("GET", port: port, "/api/v1/query?query=\(encoded)", timeoutSeconds: 10)
        let json = response.json
        guard response.status == 200, json["status"] as? String == "success",
            let data = json["data"] as? [String: Any]
        else {
            throw CLITestError("prometheus refused \(promQL): \(response.status) \(response.body.prefix(300))")
        }
        if data["resultType"] as? String == "scalar", let value = data["result"] as? [Any], value.count == 2 {
            return [([:], value[1] as? String ?? "")]
        }
        return (data["result"] as? [[String: Any]] ?? []).map {
            ($0["metric"] as? [String: String] ?? [:], ($0["value"] as? [Any])?.last as? String ?? "")
        }
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
