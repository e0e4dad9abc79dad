import FleetIngest
import FleetProtocol
import FleetTestSupport
import Foundation
import HummingbirdTesting
import Testing
import ZeroMQ

@testable import FleetServer

/// The live feed: slots that overwrite, rate limits, SSE on a real connection, and a
/// client that never reads.
extension ServerSuites {
    @Suite
    struct LiveFeedTests {
        @Test func aSlotKeepsOnlyTheLatestUpdateOfEachTopic() {
            let feed = LiveFeed()
            let subscriber = feed.subscribe(kind: "test", minimumInterval: .zero)!
            for i in 0..<1000 { feed.publish("robots", data: Array("\(i)".utf8)) }
            feed.publish("clock", data: [1])
            let stats = feed.subscriberStatistics[0]
            #expect(stats.pendingTopics == 2)
            #expect(stats.overwritten == 999)
            #expect(stats.pendingBytes == 3 + 1)
            let due = subscriber.takeDue()
            #expect(due.map(\.topic) == ["robots", "clock"])
            #expect(due.first?.data == Array("999".utf8))
            #expect(subscriber.takeDue().isEmpty)
        }

        @Test func aTopicReachesAClientAtMostOncePerInterval() {
            let feed = LiveFeed()
            let subscriber = feed.subscribe(kind: "test", minimumInterval: .seconds(10))!
            feed.publish("robots", data: [1])
            #expect(subscriber.takeDue().count == 1)
            feed.publish("robots", data: [2])
            #expect(subscriber.takeDue().isEmpty, "within the interval the update waits")
            feed.publish("clock", data: [1])
            #expect(subscriber.takeDue().map(\.topic) == ["clock"], "topics are limited separately")
            #expect(!feed.publish("clock", data: [1]), "an unchanged value is not published again")
        }

        @Test(.timeLimit(.minutes(2)))
        func aConnectedClientReceivesUpdatesAtLeastOnceASecond() async throws {
            let fixture = try await ServerFixture.make()
            try await fixture.serve { port in
                let connection = try RawConnection(port: port)
                try connection.get("/api/live")
                // Robot 1 keeps driving while we listen.
                let sender = Task {
                    for seq in UInt32(100)..<130 {
                        try await fixture.send([
                            ServerFixture.state(robot: 1, seq: seq, x: 2 + Double(seq) * 0.1, battery: 80)
                        ])
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
                let started = ContinuousClock.now
                var arrivals: [(Duration, String)] = []
                var text = ""
                while ContinuousClock.now - started < .seconds(3.2) {
                    let chunk = await connection.read(for: .milliseconds(100))
                    text += chunk
                    for (event, _) in parseEvents(chunk.hasPrefix("HTTP") ? chunk : "\r\n\r\n" + chunk) {
                        arrivals.append((ContinuousClock.now - started, event))
                    }
                }
                try await sender.value
                #expect(text.hasPrefix("HTTP/1.1 200"))
                #expect(text.lowercased().contains("content-type: text/event-stream"))
                let events = parseEvents(text)
                let topics = Set(events.map(\.event))
                #expect(topics.isSuperset(of: ["robots", "scoreboard", "clock", "events", "arena"]))
                // At least one update in every second; no topic faster than 2/s (+ the first).
                for second in 0..<3 {
                    let window = Duration.seconds(second)..<Duration.seconds(second + 1)
                    #expect(arrivals.contains { window.contains($0.0) }, "an update in second \(second)")
                }
                let clocks = events.filter { $0.event == "clock" }.count
                #expect(clocks >= 3 && clocks <= 8, "clock updates: \(clocks) in 3.2 s")
                let robots = events.filter { $0.event == "robots" }
                let xs = robots.compactMap { event -> Double? in
                    let object = try? JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any]
                    let list = object?["robots"] as? [[String: Any]]
                    return list?.first { $0["robot"] as? Int == 1 }?["x"] as? Double
                }
                #expect(Set(xs).count >= 2, "robot 1 moved on the feed: \(xs)")
                let board = events.last { $0.event == "scoreboard" }
                #expect(board?.data.contains("\"ranking\"") == true)
            }
        }

        @Test(.timeLimit(.minutes(2)))
        func theSameUpdatesGoOutOnAZeroMQPubSocket() async throws {
            let endpoint = "ipc://\(FileManager.default.temporaryDirectory.path)/fleet-live-\(UUID().uuidString)"
            let fixture = try await ServerFixture.make { $0.publishEndpoint = endpoint }
            try await fixture.serve { _ in
                let parts = try await offPool { () throws -> [[UInt8]]? in
                    let context = try Context()
                    defer { context.terminate() }
                    let socket = try Socket(
                        context,
                        type: .subscriber,
                        options: [.subscribe("clock"), .receiveTimeout(.seconds(5)), .linger(.zero)]
                    )
                    defer { socket.close() }
                    try socket.connect(endpoint)
                    return try socket.receiveMultipart()
                }
                let message = try #require(parts, "a message within 5 s")
                #expect(message.count == 2)
                #expect(message.first == Array("clock".utf8))
                let object = try JSONSerialization.jsonObject(with: Data(message[1])) as? [String: Any]
                #expect((object?["run"] as? [String: Any])?["name"] as? String == "heat 1")
            }
        }

        @Test(.timeLimit(.minutes(2)))
        func aClientThatDoesNotReadHoldsABoundedSlotWhileUpdatesFlow() async throws {
            let fixture = try await ServerFixture.make { configuration in
                configuration.live.minimumInterval = .zero
                configuration.live.pollInterval = .milliseconds(5)
            }
            try await fixture.serve { port in
                let connection = try RawConnection(port: port, receiveBuffer: 4096)
                try connection.get("/api/live")
                let feed = fixture.server.feed
                let payload = 64 * 1024
                func flood(_ count: Int) async throws {
                    for i in 0..<count {
                        var data = [UInt8](repeating: UInt8(ascii: "a"), count: payload)
                        data[0] = UInt8(truncatingIfNeeded: i)
                        data[1] = UInt8(truncatingIfNeeded: i >> 8)
                        feed.publish("flood", data: data)
                        try await Task.sleep(for: .milliseconds(2))
                    }
                }
                func sse() throws -> LiveFeed.SubscriberStatistics {
                    try #require(feed.subscriberStatistics.first { $0.kind == "sse" })
                }
                try await flood(400)
                let first = try sse()
                try await flood(400)
                let second = try sse()
                // The connection stalled: the server stopped handing it data (back pressure), and
                // the client's slot holds at most one update per topic, however much was published.
                #expect(second.bytesDelivered - first.bytesDelivered <= 2 * (payload + 100), "\(first) → \(second)")
                #expect(second.overwritten > first.overwritten + 300, "later updates replaced unread ones")
                let topics = 6
                #expect(second.pendingTopics <= topics)
                #expect(second.pendingBytes + second.writingBytes <= topics * (payload + 100) + 2 * payload)
                #expect(second.bytesDelivered < 16 * 1024 * 1024, "socket buffers, not an unbounded queue")
                #expect(second.bytesDelivered > 0, "the client got the start of the stream")
            }
        }
    }
}
