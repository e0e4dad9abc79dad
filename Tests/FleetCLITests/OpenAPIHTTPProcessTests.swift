import FleetTestSupport
import Foundation
import Testing

extension ProcessSuites {
    /// Protocols/openapi.yaml against the real tools: `openapi-spec-validator` validates it, and
    /// `schemathesis` (every check, a bounded number of examples per operation, a fixed seed)
    /// finds no mismatch against a live `fleet ingest --http` holding a short simulated run.
    @Suite(.serialized)
    struct OpenAPIHTTPProcessTests {
        static let description = ExternalTool.packageRoot.appendingPathComponent("Protocols/openapi.yaml").path
        static let configuration = ExternalTool.packageRoot.appendingPathComponent("Protocols/schemathesis.toml").path

        /// The CI Python if it has `module`, else nil after recording why in CI.
        static func python(with module: String) -> String? {
            if let python = ExternalTool.ciPython, ExternalTool.ciPythonHas(module: module) { return python }
            if ExternalTool.requiredByCI {
                Issue.record("\(module) is not in .venv-ci: .ci/run installs Tests/requirements-ci.txt")
            }
            return nil
        }

        @Test(.timeLimit(.minutes(2)))
        func theDescriptionIsValidOpenAPI() async throws {
            guard let python = Self.python(with: "openapi_spec_validator") else { return }
            let checked = try await offPool {
                try ToolRun.run(python, ["-m", "openapi_spec_validator", Self.description], timeout: .seconds(90))
            }
            #expect(checked.succeeded, "openapi-spec-validator: \(checked.output)")
            #expect(checked.output.contains("OK"))
        }

        @Test(.timeLimit(.minutes(5)))
        func schemathesisFindsNoMismatchAgainstALiveServer() async throws {
            guard let python = Self.python(with: "schemathesis") else { return }
            let schemathesis = URL(fileURLWithPath: python).deletingLastPathComponent()
                .appendingPathComponent("schemathesis").path
            let folder = try TemporaryFolder()
            let db = folder.path("fleet.db")
            for team in [["team-1", "101:sweeper", "102:washer"], ["team-2", "201:sweeper", "202:washer"]] {
                let added = try await FleetProcess.run(
                    ["team", "add", team[0], "--robot", team[1], "--robot", team[2], "--db", db],
                    in: folder.url
                )
                #expect(added.status == 0, "fleet team add: \(added.errors)")
            }
            let ingest = try await HTTPIngestProcess.start(db: db, in: folder)
            defer { ingest.kill() }
            // Data for the reads: 30 simulated seconds of two teams, and a run in PREPARE.
            let sim = try await FleetProcess.run(
                [
                    "sim", "--connect", ingest.endpoint, "--teams", "2", "--robots-per-team", "2", "--duration", "30",
                    "--time-scale", "30", "--seed", "3",
                ],
                in: folder.url,
                timeout: .seconds(90)
            )
            #expect(sim.status == 0, "fleet sim: \(sim.errors)")
            let created = try await ingest.call("POST", "/api/runs", #"{"division":"P","name":"fuzzed"}"#)
            #expect(created.status == 201, "create a run: \(created.body)")

            // Every check; schema-driven requests (coverage, fuzzing, stateful), 10 per
            // operation. The live feed streams forever: its requests read events for 2 s,
            // each validated, in a run of its own with a short request timeout.
            let url = "http://127.0.0.1:\(ingest.port)"
            let work = folder.url
            let common = [
                "--config-file", Self.configuration, "run", Self.description, "--url", url, "--checks", "all",
                "--seed", "1", "--generation-database", "none", "--no-color",
                "-H", "Authorization: Bearer \(HTTPIngestProcess.token)",
            ]
            let runs: [(name: String, arguments: [String])] = [
                (
                    "every operation but /api/live",
                    // One worker: with two, CPython 3.11's ast module (which hypothesis calls from
                    // each worker thread to describe its strategies) once failed with "SystemError:
                    // AST constructor recursion depth mismatch", a crash of the tool, not a finding.
                    ["--max-examples", "10", "--request-timeout", "20", "--exclude-path", "/api/live", "-w", "1"]
                ),
                (
                    "/api/live",
                    [
                        "--max-examples", "5", "--request-timeout", "2", "--include-path", "/api/live", "--phases",
                        "examples,fuzzing",
                    ]
                ),
            ]
            for run in runs {
                let clock = ContinuousClock()
                let started = clock.now
                let result = try await offPool {
                    try ToolRun.run(schemathesis, common + run.arguments, in: work, timeout: .seconds(120))
                }
                let summary = result.output.split(separator: "\n").last(where: { $0.contains("=====") }) ?? ""
                #expect(result.succeeded, "schemathesis (\(run.name)), \(clock.now - started): \(result.output)")
                // "No issues found", or a warning (e.g. operations that answered 404 to every
                // generated id) but never a failure or an error.
                #expect(
                    !summary.contains("failure") && !summary.contains("error"),
                    "schemathesis (\(run.name)): \(summary)"
                )
                #expect(!result.output.contains("Tested: 0"), "schemathesis (\(run.name)) tested nothing")
            }

            // Admin routes refuse a request without the token or with a wrong one.
            for path in [
                "/api/runs", "/api/runs/1/start", "/api/runs/1/stop", "/api/runs/1/finalize", "/api/runs/1/award",
                "/api/runs/1/penalties", "/api/runs/1/penalties/1/remove",
            ] {
                for headers in [[:], ["Authorization": "Bearer wrong"]] {
                    let answer = try await offPool {
                        try HTTPRequest.send("POST", port: ingest.port, path, headers: headers, body: "{}")
                    }
                    #expect(answer.status == 401, "POST \(path) \(headers): \(answer.status) \(answer.body)")
                    #expect(answer.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
                }
            }
            // A served path with a method it does not serve: 405 and the methods it does.
            let port = ingest.port
            let trace = try await offPool { try HTTPRequest.send("TRACE", port: port, "/api/runs") }
            #expect(trace.status == 405 && trace.headers["allow"] == "GET, POST", "TRACE /api/runs: \(trace)")
            let delete = try await offPool { try HTTPRequest.send("DELETE", port: port, "/api/robots/101") }
            #expect(delete.status == 405 && delete.headers["allow"] == "GET", "DELETE /api/robots/101: \(delete)")
            let unknown = try await offPool { try HTTPRequest.send("TRACE", port: port, "/api/nothing") }
            #expect(unknown.status == 404)

            ingest.process.signal(SIGTERM)
            #expect(await ingest.process.wait(timeout: .seconds(60)))
            #expect(ingest.process.exitStatus == 0)
            // What the fuzzer sent never broke live scoring (a stored action the scorer refuses).
            #expect(!ingest.process.standardError.contains("live score failed"), "\(ingest.process.standardError)")
        }
    }
}
