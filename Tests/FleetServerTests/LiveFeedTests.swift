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
            // The instants are given, not read: the limit is about when the client's writer
            // looks, and this test must not depend on how fast the machine runs it.
            let start = ContinuousClock.now
            feed.publish("robots", data: [1])
            #expect(subscriber.takeDue(now: start).count == 1)
            feed.publish("robots", data: [2])
            #expect(subscriber.takeDue(now: start + .seconds(9)).isEmpty, "within the interval the update waits")
            feed.publish("clock", data: [1])
            #expect(
                subscriber.takeDue(now: start + .seconds(9)).map(\.topic) == ["clock"],
                "topics are limited separately"
            )
            #expect(
                subscriber.takeDue(now: start + .seconds(10)).map(\.data) == [[2]],
                "once the interval has passed the latest value goes out"
            )
            #expect(!feed.publish("clock", data: [1]), "an unchanged value is not published again")
        }

        /// The once-a-second promise, without timing anything: every tick of the publisher
        /// offers a fresh clock, so a client whose writer looks once a second always has one
        /// due, and the defaults make the writer look more often than that.
        @Test(.timeLimit(.minutes(2)))
        func everyTickOffersAFreshClockSoAClientHearsSomethingEverySecond() async throws {
            let defaults = APIServer.Configuration()
            #expect(
                max(defaults.publishInterval, defaults.live.minimumInterval) + defaults.live.pollInterval
                    < .seconds(1),
                "the longest wait for a clock update with the default intervals"
            )
            let fixture = try await ServerFixture.make()
            do {
                let interval = fixture.server.configuration.live.minimumInterval
                let publisher = LivePublisher(server: fixture.server)
                let subscriber = try #require(fixture.server.feed.subscribe(kind: "test", minimumInterval: interval))
                let start = ContinuousClock.now
                var nows: [UInt64] = []
                for second in 0..<3 {
                    let at = start + .seconds(second)
                    await publisher.publish(tick: 2 * second)
                    let due = subscriber.takeDue(now: at)
                    if second == 0 {
                        #expect(Set(due.map(\.topic)) == ["robots", "scoreboard", "arena", "events", "clock"])
                    }
                    let clock = try #require(due.last { $0.topic == "clock" }, "a clock in second \(second)")
                    nows.append(try JSONDecoder().decode(ClockEvent.self, from: Data(clock.data)).now)
                    // Half an interval later the server has published again; the client waits.
                    await publisher.publish(tick: 2 * second + 1)
                    #expect(!subscriber.takeDue(now: at + interval / 2).contains { $0.topic == "clock" })
                }
                #expect(nows == nows.sorted() && Set(nows).count == nows.count, "each clock is read anew: \(nows)")
            } catch {
                await fixture.close()
                throw error
            }
            await fixture.close()
        }

        /// End to end over a real connection. This task may not run for seconds at a time
        /// while other suites load the machine, so when the client reads says nothing about
        /// when the server sent: the cadence is checked on the server's own timestamps (the
        /// clock events' `now`), and the client only has an overall deadline.
        @Test(.timeLimit(.minutes(2)))
        func aConnectedClientReceivesUpdatesAtLeastOnceASecond() async throws {
            let fixture = try await ServerFixture.make()
            let interval = fixture.server.configuration.live.minimumInterval
            try await fixture.serve { port in
                let connection = try RawConnection(port: port)
                try connection.get("/api/live")
                // Robot 1 keeps driving while we listen; the fixture left it at x = 11.9.
                let sender = Task {
                    for seq in UInt32(100)..<130 {
                        try await fixture.send([
                            ServerFixture.state(robot: 1, seq: seq, x: 2 + Double(seq) * 0.1, battery: 80)
                        ])
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
                let text = await connection.read(for: .seconds(60)) { text in
                    let feed = SSECapture(text)
                    return feed.topics.isSuperset(of: SSECapture.allTopics) && feed.clockTimes.count >= 8
                        && feed.robotOneXs.contains { $0 > 11.95 }
                }
                try await sender.value
                #expect(text.hasPrefix("HTTP/1.1 200"))
                #expect(text.lowercased().contains("content-type: text/event-stream"))
                let feed = SSECapture(text)
                #expect(feed.topics.isSuperset(of: SSECapture.allTopics), "topics: \(feed.topics)")

                // The server's cadence, on its own clock: clocks in order, each read anew.
                let nows = feed.clockTimes
                try #require(nows.count >= 8, "clock updates within 60 s: \(nows.count)")
                #expect(nows == nows.sorted() && Set(nows).count == nows.count)
                let gaps = zip(nows.dropFirst(), nows).map { Double($0 - $1) / 1e9 }
                // Typically 0.4–0.7 s; the median shrugs off a stall of the whole process.
                let median = gaps.sorted()[gaps.count / 2]
                #expect(median < 1, "median gap between clock updates \(median) s; gaps \(gaps)")
                // Rate limited: the writer sends N clocks over at least N - 1 intervals; the
                // first may be of any age when sent, and the last read just after the one
                // before it went out, so their `now`s span at least N - 2 intervals. Load only
                // spreads them further apart.
                let span = Double(nows.last! - nows.first!) / 1e9
                let limit = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
                #expect(
                    Double(nows.count - 2) * limit <= span + 0.05,
                    "\(nows.count) clock updates in \(span) s of server time, at most one per \(interval)"
                )

                let xs = feed.robotOneXs
                #expect(Set(xs).count >= 2 && xs.contains { $0 > 11.95 }, "robot 1 moved on the feed: \(xs)")
                let board = feed.events.last { $0.event == "scoreboard" }
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
                        options: [.subscribe("clock"), .receiveTimeout(.seconds(30)), .linger(.zero)]
                    )
                    defer { socket.close() }
                    try socket.connect(endpoint)
                    return try socket.receiveMultipart()
                }
                let message = try #require(parts, "a clock message within 30 s")
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
                func flood(_ range: Range<Int>) async throws {
                    for i in range {
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
                // The client is subscribed once the server has handled the request.
                let deadline = ContinuousClock.now + .seconds(60)
                while feed.subscriberStatistics.first(where: { $0.kind == "sse" }) == nil {
                    try #require(ContinuousClock.now < deadline, "the server never took GET /api/live")
                    try await Task.sleep(for: .milliseconds(10))
                }
                // Publish until the connection has stopped taking data: the writer waits on a
                // write, and two rounds in a row delivered nothing more. How many updates that
                // takes depends on socket buffers and on how often this machine lets the writer
                // run, so it is a loop with a deadline, not a fixed count.
                var published = 0
                var first = try sse()
                var quietRounds = 0
                while quietRounds < 2 {
                    try #require(ContinuousClock.now < deadline, "the connection never stalled: \(first)")
                    try await flood(published..<published + 100)
                    published += 100
                    let now = try sse()
                    let quiet = now.writingBytes > 0 && now.bytesDelivered == first.bytesDelivered
                    quietRounds = quiet ? quietRounds + 1 : 0
                    first = now
                }
                try await flood(published..<published + 400)
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

/// What a client read from `/api/live`: events whose data is whole JSON (the read may end in
/// the middle of one), with the clock and robot 1's position decoded.
private struct SSECapture {
    static let allTopics: Set<String> = ["robots", "scoreboard", "clock", "events", "arena"]

    var events: [(event: String, data: String)]
    var topics: Set<String> { Set(events.map(\.event)) }
    /// The server's wall time of each clock update, ns, in arrival order.
    var clockTimes: [UInt64]
    /// Robot 1's x in each robots update, in arrival order.
    var robotOneXs: [Double]

    init(_ text: String) {
        events = parseEvents(text).filter {
            (try? JSONSerialization.jsonObject(with: Data($0.data.utf8))) is [String: Any]
        }
        let decoder = JSONDecoder()
        clockTimes = events.filter { $0.event == "clock" }.compactMap {
            try? decoder.decode(ClockEvent.self, from: Data($0.data.utf8)).now
        }
        robotOneXs = events.filter { $0.event == "robots" }.compactMap {
            let robots = try? decoder.decode(RobotsEvent.self, from: Data($0.data.utf8))
            return robots?.robots.first { $0.robot == 1 }?.x
        }
    }
}

/// The fields of `LivePublisher.ClockJSON` and `LiveRobotsJSON` the tests read.
private struct ClockEvent: Decodable {
    var now: UInt64
}

private struct RobotsEvent: Decodable {
    struct Robot: Decodable {
        var robot: UInt32
        var x: Double?
    }

    var robots: [Robot]
}
