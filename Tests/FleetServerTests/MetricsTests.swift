import FleetIngest
import FleetProtocol
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Histogram
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FleetServer

/// `/metrics` is Prometheus text whose counters are the ingester's.
extension ServerSuites {
    @Suite
    struct MetricsTests {
        /// Parses the text format strictly: every line a comment, a sample, or empty; returns
        /// samples by `name{labels}` (labels as written) and the declared types.
        static func parse(_ text: String) throws -> (samples: [String: Double], types: [String: String]) {
            var samples: [String: Double] = [:]
            var types: [String: String] = [:]
            let labelPattern = #"[a-zA-Z_][a-zA-Z0-9_]*="(?:\\.|[^"\\])*""#
            let sample = try Regex(
                #"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:"# + labelPattern + #",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$"#
            )
            for line in text.split(separator: "\n") {
                if line.hasPrefix("# TYPE ") {
                    let parts = line.split(separator: " ")
                    try #require(parts.count == 4, "TYPE line: \(line)")
                    #expect(["counter", "gauge", "histogram", "summary", "untyped"].contains(String(parts[3])))
                    types[String(parts[2])] = String(parts[3])
                    continue
                }
                if line.hasPrefix("#") { continue }
                let match = try #require(try sample.wholeMatch(in: String(line)), "not a sample: '\(line)'")
                let name = String(match.output[1].substring!)
                let labels = match.output[2].substring.map(String.init) ?? ""
                let value = String(match.output[3].substring!)
                samples[name + labels] = value == "+Inf" ? .infinity : Double(value)
            }
            return (samples, types)
        }

        @Test(.timeLimit(.minutes(2)))
        func metricsParseAsPrometheusTextAndMatchTheIngester() async throws {
            let fixture = try await ServerFixture.make()
            try await fixture.test { client in
                _ = try await client.execute(uri: "/api/robots", method: .get)
                _ = try await client.execute(uri: "/api/robots/abc", method: .get)
                let response = try await client.execute(uri: "/metrics", method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let (samples, types) = try Self.parse(String(buffer: response.body))
                let m = fixture.ingest.currentMetrics()
                #expect(samples["fleet_frames_received_total"] == Double(m.received))
                #expect(samples["fleet_frames_received_total"] == 141)
                #expect(samples["fleet_frames_accepted_total"] == Double(m.counters.accepted))
                #expect(samples["fleet_frames_stored_total"] == Double(m.stored))
                #expect(samples["fleet_frames_stored_total"] == 139)
                #expect(samples["fleet_frames_decoded_total"] == 139)
                #expect(samples["fleet_frames_rejected_total{reason=\"bad_checksum\"}"] == 1)
                #expect(samples["fleet_frames_rejected_total{reason=\"truncated_header\"}"] == 1)
                #expect(samples["fleet_frames_dropped_total{reason=\"ring_full\"}"] == Double(m.counters.dropped))
                let stats = try fixture.ingest.sqliteDatabase(for: "the test").ingestStatistics()
                #expect(samples["fleet_frames_accepted_total"] == Double(stats["frames.accepted"] ?? -1))
                #expect(samples["fleet_ring_capacity_slots"] == Double(m.ringCapacity))
                #expect(samples["fleet_robots_online"] == Double(m.robotsOnline))
                #expect(types["fleet_commit_duration_seconds"] == "histogram")
                #expect(samples["fleet_commit_duration_seconds_count"] == Double(m.commitLatency.totalCount))
                #expect(
                    samples["fleet_commit_duration_seconds_bucket{le=\"+Inf\"}"] == Double(m.commitLatency.totalCount)
                )
                #expect(samples["fleet_publish_to_commit_seconds_count"] == Double(m.publishToCommit.totalCount))
                // Buckets are cumulative.
                let buckets = PrometheusText.latencyBuckets.map {
                    samples["fleet_commit_duration_seconds_bucket{le=\"\(PrometheusText.format($0))\"}"] ?? -1
                }
                #expect(buckets == buckets.sorted() && buckets.first! >= 0)
                #expect(types["fleet_http_requests_total"] == "counter")
                #expect(samples["fleet_http_requests_total{route=\"/api/robots\",method=\"GET\",status=\"200\"}"] == 1)
                #expect(
                    samples["fleet_http_requests_total{route=\"/api/robots/{robot}\",method=\"GET\",status=\"400\"}"]
                        == 1,
                    "\(samples.keys.filter { $0.hasPrefix("fleet_http") })"
                )
            }
        }

        @Test func constantTimeComparisonIsEquality() {
            typealias M = BearerTokenMiddleware<BasicRequestContext>
            #expect(M.constantTimeEquals(Array("abc".utf8), Array("abc".utf8)))
            #expect(!M.constantTimeEquals(Array("abc".utf8), Array("abd".utf8)))
            #expect(!M.constantTimeEquals(Array("abc".utf8), Array("abcd".utf8)))
            #expect(!M.constantTimeEquals([], Array("a".utf8)))
            #expect(M.constantTimeEquals([], []))
        }

        @Test(arguments: [
            ("1800000000000000000", UInt64(1_800_000_000_000_000_000)),
            ("1800000000.5s", 1_800_000_000_500_000_000),
            ("2027-01-15T08:00:00Z", 1_800_000_000_000_000_000),
            ("2027-01-15T08:00:00.250Z", 1_800_000_000_250_000_000),
        ])
        func timesAreNanosecondsSecondsOrISO8601(text: String, expected: UInt64) {
            #expect(QueryParameters.parseTime(text) == expected)
        }

        @Test func addressesParse() {
            #expect(APIServer.Configuration.address("0.0.0.0:8080")! == ("0.0.0.0", 8080))
            #expect(APIServer.Configuration.address(":9000")! == ("127.0.0.1", 9000))
            #expect(APIServer.Configuration.address("8081")! == ("127.0.0.1", 8081))
            #expect(APIServer.Configuration.address("host:port") == nil)
        }
    }
}
