import FleetTestSupport
import Foundation
import Testing

extension ProcessSuites {
    /// Issue 13 item 2: the ingester's `/metrics` as a real Prometheus scrapes it, as
    /// `promtool` lints it, and as the Grafana dashboard in Dashboards/ queries it.
    @Suite
    struct PrometheusProcessTests {
        /// One exposition line: `name{labels} value`.
        struct Sample: Equatable {
            var name: String
            var labels: [String: String]
            var value: String
        }

        /// The samples of a Prometheus text exposition.
        static func samples(_ text: String) -> [Sample] {
            text.split(separator: "\n").compactMap { line -> Sample? in
                guard !line.hasPrefix("#"), let space = line.lastIndex(of: " ") else { return nil }
                let series = line[..<space]
                let value = String(line[line.index(after: space)...])
                guard let brace = series.firstIndex(of: "{") else {
                    return Sample(name: String(series), labels: [:], value: value)
                }
                var labels: [String: String] = [:]
                let body = series[series.index(after: brace)..<(series.lastIndex(of: "}") ?? series.endIndex)]
                for pair in body.split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
                }
                return Sample(name: String(series[..<brace]), labels: labels, value: value)
            }
        }

        /// Metric names a PromQL expression reads: its identifiers that are not functions,
        /// aggregation keywords, label names of `by (…)`, label matchers, or ranges.
        static func metricNames(_ expression: String) throws -> Set<String> {
            var text = expression
            for pattern in [
                #"\{[^}]*\}"#, #"\[[^\]]*\]"#, #"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"#,
                #""[^"]*""#,
            ] {
                text = text.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
            }
            let identifier = try Regex(#"[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?"#)
            let keywords: Set<String> = ["and", "or", "unless", "bool", "offset", "by", "without", "inf", "nan"]
            var names = Set<String>()
            for match in text.matches(of: identifier) {
                let token = String(text[match.range])
                if token.hasSuffix("(") || keywords.contains(token.lowercased()) { continue }
                names.insert(token)
            }
            return names
        }

        /// Every PromQL expression of the dashboard, with Grafana's interval variables filled in.
        static func dashboardExpressions() throws -> [(panel: String, expression: String)] {
            let url = ExternalTool.packageRoot.appendingPathComponent("Dashboards/fleet.json")
            let dashboard = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
            )
            let panels = dashboard["panels"] as? [[String: Any]] ?? []
            return panels.flatMap { panel in
                (panel["targets"] as? [[String: Any]] ?? []).compactMap { target in
                    (target["expr"] as? String).map {
                        (
                            panel["title"] as? String ?? "?",
                            $0.replacingOccurrences(of: "$__rate_interval", with: "1m")
                                .replacingOccurrences(of: "$__interval", with: "15s")
                        )
                    }
                }
            }
        }

        /// Runs `promtool check metrics` with `text` on its standard input: exit status and output.
        static func promtool(_ program: String, checking text: String) throws -> (status: Int32, output: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = ["check", "metrics"]
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = output
            try process.run()
            input.fileHandleForWriting.write(Data(text.utf8))
            try input.fileHandleForWriting.close()
            let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, printed)
        }

        @Test(.timeLimit(.minutes(2)))
        func theGrafanaDashboardQueriesOnlyMetricsTheIngesterExports() async throws {
            let url = ExternalTool.packageRoot.appendingPathComponent("Dashboards/fleet.json")
            let dashboard = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
            )
            #expect((36...41).contains(dashboard["schemaVersion"] as? Int ?? 0))
            let inputs = dashboard["__inputs"] as? [[String: Any]] ?? []
            #expect(
                inputs.contains {
                    $0["name"] as? String == "DS_PROMETHEUS" && $0["pluginId"] as? String == "prometheus"
                }
            )
            let panels = dashboard["panels"] as? [[String: Any]] ?? []
            let titles = Set(panels.compactMap { $0["title"] as? String })
            for title in [
                "Ingest rate", "Drops and rejects by reason", "Ring fill", "Commit latency", "Robots online",
                "Live feed clients",
            ] {
                #expect(titles.contains(title), "a \(title) panel")
            }
            for panel in panels {
                let source = panel["datasource"] as? [String: String]
                #expect(source?["uid"] == "${DS_PROMETHEUS}", "\(panel["title"] ?? "?") uses the templated data source")
            }

            let folder = try TemporaryFolder()
            let server = try await HTTPIngestProcess.start(db: folder.path("fleet.db"), in: folder)
            defer { server.kill() }
            let metrics = try await server.call("GET", "/metrics")
            #expect(metrics.status == 200)
            let exported = Set(Self.samples(metrics.body).map(\.name))
            #expect(exported.contains("fleet_frames_stored_total"))
            let expressions = try Self.dashboardExpressions()
            #expect(expressions.count >= 10)
            for (panel, expression) in expressions {
                let names = try Self.metricNames(expression)
                #expect(!names.isEmpty, "\(panel): \(expression) reads a metric")
                #expect(names.isSubset(of: exported), "\(panel): \(names.subtracting(exported).sorted()) not exported")
            }
        }

        @Test(.timeLimit(.minutes(3)))
        func prometheusScrapesTheIngesterAndPromtoolFindsNoProblemInItsMetrics() async throws {
            guard let prometheus = ExternalTool.program("prometheus"), let promtool = ExternalTool.program("promtool")
            else {
                if ExternalTool.requiredByCI { Issue.record("prometheus and promtool are not installed (.ci/run)") }
                return
            }
            let folder = try TemporaryFolder()
            let recording = folder.path("fleet.ftrec")
            let sent = try writeRecording(to: recording, robots: 3, framesPerRobot: 200).count
            let server = try await HTTPIngestProcess.start(db: folder.path("fleet.db"), in: folder)
            defer { server.kill() }
            let replay = try await FleetProcess.run(
                [
                    "replay", recording, "--connect", server.endpoint, "--wait-timeout", "90", "--rate", "max",
                    "--restamp",
                ],
                in: folder.url
            )
            #expect(replay.status == 0, "\(replay.errors)")
            // Every frame sent arrived and was committed: the counters stand still from here on
            // (the replay ends when it has sent, not when the ingester has received).
            var scrape: [Sample] = []
            func value(_ name: String, _ labels: [String: String] = [:]) -> String? {
                scrape.first { $0.name == name && $0.labels == labels }?.value
            }
            try await waitUntil(timeout: .seconds(30)) {
                scrape = Self.samples(try HTTPRequest.send("GET", port: server.port, "/metrics").body)
                let stored = Int(value("fleet_frames_stored_total") ?? "") ?? 0
                return stored == sent && value("fleet_frames_accepted_total") == String(stored)
            }
            let stored = try #require(value("fleet_frames_stored_total"))
            #expect(value("fleet_publish_to_commit_seconds_count") == stored, "restamped: every frame has a latency")

            let metrics = try await server.call("GET", "/metrics").body
            let lint = try Self.promtool(promtool, checking: metrics)
            #expect(
                lint.status == 0 && lint.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                "\(lint.output)"
            )

            let prometheusServer = try PrometheusProcess.start(
                program: prometheus,
                scraping: "127.0.0.1:\(server.port)",
                in: folder
            )
            defer { prometheusServer.stop() }
            // Two scrapes of the target, seen through the query API.
            do {
                try await waitUntil(timeout: .seconds(60)) {
                    let samples = try prometheusServer.query("count_over_time(fleet_frames_stored_total[5m])")
                    return Int(samples.first?.value ?? "") ?? 0 >= 2
                }
            } catch {
                Issue.record("Prometheus did not scrape twice: \(prometheusServer.logText.suffix(2000))")
                throw error
            }
            let up = try await offPool { try prometheusServer.query("up{job=\"fleet\"}") }
            #expect(up.first?.value == "1")
            let storedSeen = try await offPool { try prometheusServer.query("fleet_frames_stored_total") }
            #expect(
                storedSeen.count == 1 && storedSeen.first?.value == stored,
                "Prometheus holds what the ingester stored"
            )
            let count = try await offPool { try prometheusServer.query("fleet_publish_to_commit_seconds_count") }
            #expect(count.first?.value == stored)
            let buckets = try await offPool { try prometheusServer.query("fleet_publish_to_commit_seconds_bucket") }
            let exposed = scrape.filter { $0.name == "fleet_publish_to_commit_seconds_bucket" }
            #expect(buckets.count == exposed.count && exposed.count > 10)
            for bucket in exposed {
                let le = bucket.labels["le"] ?? "?"
                let seen = buckets.first { Double($0.labels["le"] ?? "") == Double(le) }
                #expect(seen?.value == bucket.value, "bucket le=\(le)")
            }
            #expect(buckets.first { $0.labels["le"] == "+Inf" }?.value == stored)
            let median = try await offPool {
                try prometheusServer.query("histogram_quantile(0.5, fleet_publish_to_commit_seconds_bucket)")
            }
            let seconds = Double(median.first?.value ?? "") ?? -1
            #expect(seconds > 0 && seconds < 60, "publish→commit median \(seconds) s")
            // Every dashboard query is valid PromQL to this Prometheus.
            for (panel, expression) in try Self.dashboardExpressions() {
                let answered = try? await offPool { try prometheusServer.query(expression).count }
                #expect(answered != nil, "\(panel): Prometheus evaluates \(expression)")
            }
        }
    }
}
