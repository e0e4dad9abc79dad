import FleetIngest
import FleetProtocol
import FleetScoring
import FleetServer
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The JSON API end to end: a live server on a free port, a real client, a real database
/// written by a real ingester.
extension ServerSuites {
    @Suite
    struct APITests {
        static func json(_ response: TestResponse) throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
            return try #require(object as? [String: Any], "a JSON object: \(String(buffer: response.body))")
        }

        static func get(
            _ client: some TestClientProtocol,
            _ uri: String
        ) async throws -> (HTTPResponse.Status, [String: Any]) {
            let response = try await client.execute(uri: uri, method: .get)
            return (response.status, try json(response))
        }

        @Test(.timeLimit(.minutes(2)))
        func everyReadEndpointAnswersWithTheStoredData() async throws {
            let fixture = try await ServerFixture.make()
            let t0 = ServerFixture.start
            try await fixture.test { client in
                // Robots and their latest state.
                let (status, robots) = try await Self.get(client, "/api/robots")
                #expect(status == .ok)
                let list = try #require(robots["robots"] as? [[String: Any]])
                #expect(list.map { $0["robot"] as? Int } == [1, 2])
                let one = try #require(list.first)
                #expect(one["kind"] as? String == "sanitation")
                #expect(one["framesAccepted"] as? Int == 99)
                let state = try #require(one["state"] as? [String: Any])
                #expect(state["type"] as? String == "sanitation_state")
                #expect(state["time"] as? UInt64 == t0 + 99 * 100_000_000)
                let fields = try #require(state["fields"] as? [String: Any])
                #expect(abs((fields["x"] as? Double ?? 0) - 11.9) < 1e-9)
                #expect(fields["status"] as? String == "cleaning")
                let (_, robot2) = try await Self.get(client, "/api/robots/2")
                #expect(robot2["robot"] as? Int == 2)
                #expect(robot2["lastSeen"] as? UInt64 == t0 + 39 * 100_000_000)

                // Telemetry: rollups of a metric (1 s buckets of 10 samples) and raw frames.
                let from = t0
                let to = t0 + 9_999_999_999
                let (_, metric) = try await Self.get(
                    client,
                    "/api/robots/1/telemetry?metric=battery_soc&from=\(from)&to=\(to)&step=2"
                )
                let points = try #require(metric["points"] as? [[String: Any]])
                #expect(points.count == 5)
                #expect(points.first?["count"] as? Int == 20)
                #expect(abs((points.first?["max"] as? Double ?? 0) - 90) < 1e-4)
                #expect(points.map { $0["count"] as? Int }.reduce(0) { $0 + ($1 ?? 0) } == 99)
                let (_, frames) = try await Self.get(
                    client,
                    "/api/robots/1/telemetry?from=\(t0)&to=\(t0 + 1_000_000_000)&limit=5"
                )
                let decoded = try #require(frames["frames"] as? [[String: Any]])
                #expect(decoded.count == 5)
                #expect(frames["truncated"] as? Bool == true)
                #expect(decoded.map { $0["sequence"] as? Int } == [0, 1, 2, 3, 4])
                #expect((decoded[3]["fields"] as? [String: Any])?["x"] as? Double == 2.3)
                let (_, all) = try await Self.get(
                    client,
                    "/api/robots/1/telemetry?from=\(t0 / 1_000_000_000)s&to=\(t0 + 20_000_000_000)"
                )
                #expect((all["frames"] as? [Any])?.count == 99)
                #expect(all["truncated"] as? Bool == false)
                let (_, iso) = try await Self.get(
                    client,
                    "/api/robots/2/telemetry?from=2027-01-15T08:00:00Z&to=2027-01-15T08:00:01Z"
                )
                #expect((iso["frames"] as? [Any])?.count == 11, "ISO 8601 times are accepted (robot 2, 0...1 s)")

                // Events by range, robot and type.
                let (_, events) = try await Self.get(client, "/api/events?from=\(t0)&to=\(t0 + 60_000_000_000)")
                let eventList = try #require(events["events"] as? [[String: Any]])
                #expect(eventList.count == 1)
                #expect(eventList.first?["type"] as? String == "collision")
                #expect(eventList.first?["robot"] as? Int == 2)
                #expect((eventList.first?["fields"] as? [String: Any])?["other"] as? String == "static")
                let (_, none) = try await Self.get(client, "/api/events?from=\(t0)&to=\(t0 + 60_000_000_000)&robot=1")
                #expect((none["events"] as? [Any])?.isEmpty == true)
                let (_, typed) = try await Self.get(
                    client,
                    "/api/events?type=fall,near_miss&from=\(t0)&to=\(t0 + 60_000_000_000)"
                )
                #expect((typed["events"] as? [Any])?.isEmpty == true)
                let (_, byDefault) = try await Self.get(client, "/api/events")
                #expect((byDefault["events"] as? [Any])?.count == 1, "the default range ends at the newest data")

                // Loss ledger: robot 1 lost sequence 50.
                let (_, loss) = try await Self.get(client, "/api/loss?robot=1")
                let ledger = try #require((loss["ledger"] as? [[String: Any]])?.first)
                #expect(ledger["gaps"] as? [String] == ["50"])
                #expect(ledger["received"] as? Int == 99)
                #expect(abs((ledger["completeness"] as? Double ?? 0) - 0.99) < 1e-9)
                let (_, everyLoss) = try await Self.get(client, "/api/loss")
                #expect((everyLoss["ledger"] as? [Any])?.count == 2)

                // Ingest statistics: stored counters and the live ones.
                let (_, stats) = try await Self.get(client, "/api/stats")
                let stored = try #require(stats["stored"] as? [String: Int])
                #expect(stored["frames.accepted"] == 139)
                #expect(stored["frames.rejected.bad_checksum"] == 1)
                let live = try #require(stats["live"] as? [String: Any])
                #expect(live["stored"] as? Int == 139)
                #expect(live["received"] as? Int == 141)

                // Runs, the scoreboard with its breakdown, score events, standings.
                let (_, runs) = try await Self.get(client, "/api/runs")
                let run = try #require((runs["runs"] as? [[String: Any]])?.first)
                #expect(run["state"] as? String == "RUNNING")
                #expect(run["division"] as? String == "P")
                let (_, single) = try await Self.get(client, "/api/runs/\(fixture.runID)")
                #expect(single["name"] as? String == "heat 1")
                let expected = try #require(try await fixture.scoreboard.scoreboard(runID: fixture.runID))
                let (_, board) = try await Self.get(client, "/api/runs/\(fixture.runID)/scoreboard")
                #expect(board["provisional"] as? Bool == true)
                let ranking = try #require(board["ranking"] as? [[String: Any]])
                #expect(ranking.count == 2)
                let best = expected.teams.max { $0.runScore < $1.runScore }!
                #expect(ranking.first?["team"] as? String == best.team)
                #expect(abs((ranking.first?["score"] as? Double ?? -1) - best.runScore) < 1e-9)
                let components = try #require(ranking.first?["components"] as? [String: Double])
                #expect(Set(components.keys) == ["Q", "C", "E", "A", "S"])
                let alpha = try #require(ranking.first { $0["team"] as? String == "alpha" })
                #expect(abs((alpha["completeness"] as? Double ?? 0) - 0.99) < 1e-9)
                let result = try #require(board["result"] as? [String: Any])
                #expect((result["teams"] as? [Any])?.count == 2)
                #expect((result["events"] as? [Any])?.count == min(30, expected.events.count), "the newest events")
                #expect(board["eventCount"] as? Int == expected.events.count)

                let (_, page) = try await Self.get(client, "/api/runs/\(fixture.runID)/events?after=1&limit=2")
                let scoreEvents = try #require(page["events"] as? [[String: Any]])
                #expect(scoreEvents.count == min(2, max(0, expected.events.count - 1)))
                if expected.events.count > 1 {
                    #expect(scoreEvents.first?["criterion"] as? String == expected.events[1].criterion.rawValue)
                }
                let (_, standings) = try await Self.get(client, "/api/standings/P")
                let entries = try #require(standings["entries"] as? [[String: Any]])
                #expect(entries.map { $0["team"] as? String }.count == 2)
                #expect(entries.first?["rank"] as? Int == 1)

                // The index, the board and its files.
                let (_, index) = try await Self.get(client, "/api")
                #expect((index["endpoints"] as? [Any])?.isEmpty == false)
                let page1 = try await client.execute(uri: "/", method: .get)
                #expect(page1.status == .ok)
                #expect(page1.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(String(buffer: page1.body).contains("<svg id=\"map\""))
                let script = try await client.execute(uri: "/board.js", method: .get)
                #expect(String(buffer: script.body).contains("EventSource(\"/api/live\")"))
                let css = try await client.execute(uri: "/board.css", method: .get)
                #expect(css.headers[.contentType]?.hasPrefix("text/css") == true)
            }
        }

        @Test(.timeLimit(.minutes(2)))
        func badParametersAndBoundsGiveAJSONErrorThatSaysWhatToFix() async throws {
            let fixture = try await ServerFixture.make()
            let t0 = ServerFixture.start
            let cases: [(String, HTTPResponse.Status, String, String)] = [
                ("/api/robots/abc", .badRequest, "bad_request", "robot id"),
                ("/api/robots/99", .notFound, "not_found", "no robot 99"),
                ("/api/robots/99/telemetry", .notFound, "not_found", "no robot 99"),
                ("/api/robots/1/telemetry?metric=nope", .notFound, "not_found", "battery_soc"),
                ("/api/robots/1/telemetry?from=yesterday", .badRequest, "bad_request", "ISO 8601"),
                ("/api/robots/1/telemetry?from=\(t0 + 5)&to=\(t0)", .badRequest, "bad_request", "swap"),
                ("/api/robots/1/telemetry?from=0&to=\(t0)", .badRequest, "bad_request", "at most 3600 s"),
                ("/api/robots/1/telemetry?limit=0", .badRequest, "bad_request", "limit must be"),
                ("/api/robots/1/telemetry?limit=10001", .badRequest, "bad_request", "1...10000"),
                ("/api/robots/1/telemetry?type=teleport", .badRequest, "bad_request", "sanitation_state"),
                (
                    "/api/robots/1/telemetry?metric=speed&from=\(t0)&to=\(t0 + 86_400_000_000_000)&step=1",
                    .badRequest, "bad_request", "use step=9"
                ),
                ("/api/robots/1/telemetry?metric=speed&step=0", .badRequest, "bad_request", "step must be"),
                ("/api/robots/1/telemetry?metric=speed&from=0&to=\(t0)", .badRequest, "bad_request", "narrow from/to"),
                ("/api/events?limit=5001", .badRequest, "bad_request", "limit must be"),
                ("/api/events?robot=-1", .badRequest, "bad_request", "robot id"),
                ("/api/events?from=0&to=\(t0)", .badRequest, "bad_request", "at most 604800 s"),
                ("/api/loss?robot=x", .badRequest, "bad_request", "robot id"),
                ("/api/runs/77", .notFound, "not_found", "no run 77"),
                ("/api/runs/x/scoreboard", .badRequest, "bad_request", "run id"),
                ("/api/runs/1/events?limit=100000", .badRequest, "bad_request", "limit must be"),
                ("/api/standings/Z", .notFound, "not_found", "divisions: P"),
                ("/api/nothing-here", .notFound, "not_found", "no such endpoint"),
            ]
            try await fixture.test { client in
                for (uri, status, code, hint) in cases {
                    let response = try await client.execute(uri: uri, method: .get)
                    #expect(response.status == status, "\(uri)")
                    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, "\(uri)")
                    let body = try Self.json(response)
                    let error = try #require(body["error"] as? [String: String], "\(uri): \(body)")
                    #expect(error["code"] == code, "\(uri)")
                    #expect(error["message"]?.contains(hint) == true, "\(uri): \(error["message"] ?? "")")
                }
            }
        }

        @Test(.timeLimit(.minutes(2)))
        func adminEndpointsRefuseAMissingOrWrongTokenAndRunTheLifecycleWithTheRightOne() async throws {
            let fixture = try await ServerFixture.make()
            let json = ByteBuffer(string: #"{"division":"P","name":"heat 2"}"#)
            try await fixture.test { client in
                let calls: [(String, ByteBuffer?)] = [
                    ("/api/runs", json), ("/api/runs/1/start", nil), ("/api/runs/1/stop", nil),
                    ("/api/runs/1/finalize", nil),
                    ("/api/runs/1/award", ByteBuffer(string: #"{"team":"alpha","fraction":0.05}"#)),
                ]
                for (uri, body) in calls {
                    for headers: HTTPFields in [
                        [:], [.authorization: "Bearer wrong"], [.authorization: "Basic \(ServerFixture.token)"],
                        [.authorization: "Bearer \(ServerFixture.token)x"],
                    ] {
                        let response = try await client.execute(uri: uri, method: .post, headers: headers, body: body)
                        #expect(response.status == .unauthorized, "\(uri) \(headers)")
                        #expect(response.headers[.wwwAuthenticate] == "Bearer realm=\"fleet\"")
                        let error = try Self.json(response)["error"] as? [String: String]
                        #expect(error?["code"] == "unauthorized")
                    }
                }
                #expect(try await fixture.scoreboard.runs().count == 1, "nothing changed without the token")

                let auth: HTTPFields = [.authorization: "Bearer \(ServerFixture.token)"]
                let created = try await client.execute(uri: "/api/runs", method: .post, headers: auth, body: json)
                #expect(created.status == .created)
                let id = try #require(try Self.json(created)["id"] as? Int)
                #expect(id == 2)
                let bad = try await client.execute(
                    uri: "/api/runs",
                    method: .post,
                    headers: auth,
                    body: ByteBuffer(string: "{")
                )
                #expect(bad.status == .badRequest)
                #expect((try Self.json(bad)["error"] as? [String: String])?["message"]?.contains("division") == true)
                let unknown = try await client.execute(
                    uri: "/api/runs",
                    method: .post,
                    headers: auth,
                    body: ByteBuffer(string: #"{"division":"X"}"#)
                )
                #expect(unknown.status == .badRequest)
                let early = try await client.execute(uri: "/api/runs/2/finalize", method: .post, headers: auth)
                #expect(early.status == .conflict, "a PREPARE run cannot become FINAL")
                let start = try await client.execute(
                    uri: "/api/runs/2/start",
                    method: .post,
                    headers: auth,
                    body: ByteBuffer(string: #"{"time":1800000000000000000}"#)
                )
                #expect(start.status == .ok)
                #expect(try Self.json(start)["runningStart"] as? UInt64 == 1_800_000_000_000_000_000)
                #expect(try await client.execute(uri: "/api/runs/2/stop", method: .post, headers: auth).status == .ok)
                let final = try await client.execute(uri: "/api/runs/2/finalize", method: .post, headers: auth)
                #expect(try Self.json(final)["state"] as? String == "FINAL")
                let award = try await client.execute(
                    uri: "/api/runs/\(fixture.runID)/award",
                    method: .post,
                    headers: auth,
                    body: ByteBuffer(string: #"{"team":"alpha","fraction":0.05}"#)
                )
                #expect(award.status == .ok)
                #expect(try fixture.scoreboard.awards(runID: fixture.runID) == ["alpha": 0.05])
                let tooMuch = try await client.execute(
                    uri: "/api/runs/\(fixture.runID)/award",
                    method: .post,
                    headers: auth,
                    body: ByteBuffer(string: #"{"team":"alpha","fraction":0.5}"#)
                )
                // Above the rulebook's maximum (0.05): a conflict with the server's rulebook.
                #expect(tooMuch.status == .conflict)
                let negative = try await client.execute(
                    uri: "/api/runs/\(fixture.runID)/award",
                    method: .post,
                    headers: auth,
                    body: ByteBuffer(string: #"{"team":"alpha","fraction":-0.5}"#)
                )
                #expect(negative.status == .badRequest)
            }
        }

        @Test func anUnconfiguredTokenRefusesEveryAdminCall() async throws {
            let fixture = try await ServerFixture.make { $0.adminToken = nil }
            try await fixture.test { client in
                let response = try await client.execute(
                    uri: "/api/runs/1/stop",
                    method: .post,
                    headers: [.authorization: "Bearer "]
                )
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("--admin-token"))
            }
        }
    }

}
