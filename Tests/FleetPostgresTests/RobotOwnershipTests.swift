import FleetIngest
import FleetPostgres
import FleetProtocol
import FleetRobotClient
import FleetStore
import FleetTestSupport
import Foundation
import Logging
import Testing
import ZeroMQ

/// Several ingesters writing one PostgreSQL database: each robot is written by the one that
/// holds its lease; the others refuse and count its frames; a lease that ran out moves the
/// robot, and its ledger goes on where the first ingester left it.
@Suite(.enabled(if: PostgresFixture.enabled))
struct RobotOwnershipTests {
    static let logger = Logger(label: "ownership-test")
    static let start: UInt64 = 1_800_000_000_000_000_000

    static func frame(robot: UInt32, seq: UInt32) -> [UInt8] {
        FrameEncoder.encode(
            .sanitationState(DrivingRobot.state(step: Int(seq))),
            robotID: robot,
            bootEpoch: 1,
            sequence: seq,
            timestampNanoseconds: start + UInt64(seq) * 100_000_000,
            flags: FrameHeader.simulatedTimeFlag
        )
    }

    /// Every stored frame by key; records an issue for a frame stored twice.
    static func storedFrames(_ reader: any TelemetryReader) throws -> [FrameKey: [UInt8]] {
        var stored: [FrameKey: [UInt8]] = [:]
        try reader.forEachStoredFrame(from: 0, to: UInt64(Int64.max), robotID: nil) { header, bytes in
            let key = FrameKey(
                stream: StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch),
                sequence: header.sequence
            )
            #expect(stored[key] == nil, "\(key) stored twice")
            stored[key] = Array(bytes)
        }
        return stored
    }

    @Test func theRobotOwnerMigrationComesAfterForward() throws {
        let store = try PostgresStore.open(location: try PostgresFixture.database(), logger: Self.logger)
        defer { store.close() }
        #expect(
            try store.appliedMigrations() == [
                "v1-telemetry", "v2-forward", "v2-robot-owner", "v3-competition", "v4-arena",
            ]
        )
        #expect(try store.robotOwners().isEmpty)
    }

    @Test(.timeLimit(.minutes(1)))
    func claimsAreDecidedInTheCommitAndALostRobotsRowsAreLeftOut() async throws {
        let location = try PostgresFixture.database()
        let east = try PostgresStore.open(location: location, ingesterID: "east", logger: Self.logger)
        let west = try PostgresStore.open(location: location, ingesterID: "west", logger: Self.logger)
        defer {
            east.close()
            west.close()
        }
        // East claims robots 7 and 8 for a moment, writing 7's ledger with the claim.
        var first = WriteBatch()
        let eastLedger = LedgerRecord(
            robotID: 7,
            bootEpoch: 1,
            received: 5,
            highestSequence: 4,
            firstNanos: 1,
            lastNanos: 5
        )
        first.ledger = [eastLedger]
        var claims = RobotClaims(leaseNanos: 200_000_000)
        claims.claim = [7, 8]
        let claimed = try east.commit(first, claims: claims, at: 1)
        #expect(Set(claimed.owned) == [7, 8] && claimed.elsewhere.isEmpty && claimed.ledgers.isEmpty)

        // While east's lease holds, west is refused and told whose robot it is.
        var westClaims = RobotClaims(leaseNanos: 10_000_000_000)
        westClaims.claim = [7]
        let refused = try west.commit(WriteBatch(), claims: westClaims, at: 1)
        #expect(refused.owned.isEmpty && refused.elsewhere.map(\.ingester) == ["east"])

        // Once it has run out, west takes robot 7 over and continues east's ledger.
        try await waitUntil(timeout: .seconds(30)) { try east.robotOwners().allSatisfy { $0.remainingNanos == 0 } }
        let takeover = try west.commit(WriteBatch(), claims: westClaims, at: 1)
        #expect(takeover.owned == [7] && takeover.ledgers == [eastLedger])

        // East, behind, renews both with frames of both: 8 is still its own, 7 is west's now,
        // and its frames and rows are left out of the batch.
        var late = WriteBatch()
        var blob: [UInt8] = []
        for robot: UInt32 in [7, 8] {
            for seq: UInt32 in 5..<8 {
                Self.frame(robot: robot, seq: seq).withUnsafeBytes { FrameChunk.append($0, to: &blob) }
            }
        }
        late.segment = SegmentRecord(
            segmentID: 1,
            startNanos: Self.start,
            endNanos: Self.start + 1_000_000_000,
            frameCount: 6,
            frames: blob
        )
        late.frameCount = 6
        late.ledger = [
            LedgerRecord(robotID: 7, bootEpoch: 1, received: 8, highestSequence: 7, firstNanos: 1, lastNanos: 8),
            LedgerRecord(robotID: 8, bootEpoch: 1, received: 3, highestSequence: 7, firstNanos: 1, lastNanos: 8),
        ]
        var renew = RobotClaims(leaseNanos: 10_000_000_000)
        renew.renew = [7, 8]
        let outcome = try east.commit(late, claims: renew, at: 1)
        #expect(outcome.owned == [8])
        #expect(outcome.lost.map(\.robotID) == [7] && outcome.lost.map(\.ingester) == ["west"])
        #expect(outcome.removedFrames == 3)

        let stored = try Self.storedFrames(east)
        #expect(stored.keys.map(\.stream.robotID).sorted() == [8, 8, 8])
        #expect(try east.lossLedger(robotID: 7) == [eastLedger], "west's to write now")
        #expect(try east.lossLedger(robotID: 8).map(\.received) == [3])
        #expect(try east.robotOwners().map(\.ingester) == ["west", "east"])
    }

    @Test(.timeLimit(.minutes(1)))
    func aSecondIngesterUnderANameInUseIsRefusedUntilTheFirstCloses() async throws {
        let location = try PostgresFixture.database()
        let first = try await PostgresStore.connect(location: location, ingesterID: "east", logger: Self.logger)
        try await first.holdIngesterName()
        let second = try await PostgresStore.connect(location: location, ingesterID: "east", logger: Self.logger)
        defer { second.close() }
        await #expect {
            try await second.holdIngesterName(timeout: .milliseconds(300))
        } throws: { error in
            "\(error)".contains("another ingester named 'east' is writing to")
        }
        let west = try await PostgresStore.connect(location: location, ingesterID: "west", logger: Self.logger)
        defer { west.close() }
        try await west.holdIngesterName(timeout: .zero)
        // Once the first has gone, the name is free (waiting for the server to notice).
        first.close()
        let third = try await PostgresStore.connect(location: location, ingesterID: "east", logger: Self.logger)
        defer { third.close() }
        try await third.holdIngesterName(timeout: .seconds(30))
    }

    @Test(.timeLimit(.minutes(3)))
    func aRobotSendingToTwoIngestersAtOnceIsStoredByOneAndCountedByTheOther() async throws {
        let location = try PostgresFixture.database()
        let east = try await RunningIngester.start(
            databasePath: "unused.db",
            pub: "tcp://127.0.0.1:*",
            store: try PostgresStore.open(location: location, ingesterID: "east", logger: Self.logger)
        )
        let west = try await RunningIngester.start(
            databasePath: "unused.db",
            pub: "tcp://127.0.0.1:*",
            store: try PostgresStore.open(location: location, ingesterID: "west", logger: Self.logger)
        )
        let contested: UInt32 = 21
        let count = 500
        let endpoints = [east.endpoint, west.endpoint]
        // A robot that publishes every frame to both ingesters' endpoints, once both have
        // subscribed (nothing lost to the slow joiner).
        let connected = try await offPool { () -> Bool in
            let context = try Context()
            defer { context.terminate() }
            let publishers = try endpoints.map { endpoint in
                try RobotPublisher(
                    context: context,
                    configuration: .init(endpoint: endpoint, robotID: contested, bootEpoch: 1)
                )
            }
            defer { for publisher in publishers { publisher.close() } }
            guard try publishers.allSatisfy({ try $0.waitUntilConnected(timeout: .seconds(30)) }) else { return false }
            for seq in 0..<UInt32(count) {
                let bytes = Self.frame(robot: contested, seq: seq)
                for publisher in publishers { try publisher.sendRaw(bytes) }
            }
            return true
        }
        #expect(connected)
        try await waitUntil(timeout: .seconds(60)) {
            let refused = [east, west].map { $0.service.liveSnapshot.counters.refusedOwnedElsewhere }
            let accepted = [east, west].map { $0.service.liveSnapshot.counters.accepted }
            return refused.reduce(0, +) == count && accepted.reduce(0, +) == count
        }
        try await east.stop()
        try await west.stop()

        let reader = try PostgresStore.open(location: location, ingesterID: "reader", logger: Self.logger)
        defer { reader.close() }
        let owner = try #require(try reader.robotOwners().first { $0.robotID == contested })
        let (winner, loser) = owner.ingester == "east" ? (east, west) : (west, east)
        #expect(["east", "west"].contains(owner.ingester))
        #expect(loser.service.liveSnapshot.counters.refusedOwnedElsewhere == count)
        #expect(loser.service.liveSnapshot.counters.accepted == 0)
        #expect(winner.service.liveSnapshot.counters.refusedOwnedElsewhere == 0)
        #expect(winner.service.liveSnapshot.counters.accepted == count)
        let stored = try Self.storedFrames(reader)
        for seq in 0..<UInt32(count) {
            let key = FrameKey(stream: StreamKey(robotID: contested, bootEpoch: 1), sequence: seq)
            #expect(stored[key] == Self.frame(robot: contested, seq: seq), "sequence \(seq)")
        }
        #expect(stored.count == count)
        let ledger = try #require(try reader.lossLedger(robotID: contested).first)
        #expect(ledger.received == count && ledger.duplicates == 0 && ledger.gaps.isEmpty)
        let statistics = try reader.ingestStatistics()
        #expect(statistics["frames.refused.owned_elsewhere"] == Int64(count))
        #expect(statistics["frames.accepted"] == Int64(count))
        #expect(loser.service.statusLine().contains("owned elsewhere \(count)"))
    }

    @Test(.timeLimit(.minutes(3)))
    func twoIngestersWithTheirOwnRobotsStoreEveryFrameOnce() async throws {
        let location = try PostgresFixture.database()
        let sites: [(name: String, robots: [UInt32])] = [("east", [1, 2, 3]), ("west", [4, 5, 6])]
        var ingesters: [RunningIngester] = []
        for site in sites {
            ingesters.append(
                try await RunningIngester.start(
                    databasePath: "unused.db",
                    reliable: "tcp://127.0.0.1:*",
                    store: try PostgresStore.open(location: location, ingesterID: site.name, logger: Self.logger)
                )
            )
        }
        let perRobot = 600
        let endpoints = ingesters.map(\.endpoint)
        // Both ingesters at once, each robot on its own ingester.
        let flushed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for (site, endpoint) in zip(sites, endpoints) {
                group.addTask {
                    try await offPool { () -> Bool in
                        try Self.sendReliably(robots: site.robots, to: endpoint, sequences: 0..<UInt32(perRobot))
                    }
                }
            }
            return try await group.reduce(true) { $0 && $1 }
        }
        #expect(flushed, "every frame acknowledged")
        for ingester in ingesters { try await ingester.stop() }

        let reader = try PostgresStore.open(location: location, ingesterID: "reader", logger: Self.logger)
        defer { reader.close() }
        let stored = try Self.storedFrames(reader)
        #expect(stored.count == 6 * perRobot)
        for site in sites {
            for robot in site.robots {
                for seq in 0..<UInt32(perRobot) {
                    let key = FrameKey(stream: StreamKey(robotID: robot, bootEpoch: 1), sequence: seq)
                    guard stored[key] == Self.frame(robot: robot, seq: seq) else {
                        Issue.record("robot \(robot) sequence \(seq) missing or different")
                        return
                    }
                }
            }
        }
        let owners = Dictionary(uniqueKeysWithValues: try reader.robotOwners().map { ($0.robotID, $0.ingester) })
        for site in sites {
            for robot in site.robots { #expect(owners[robot] == site.name, "robot \(robot)") }
        }
        for ingester in ingesters { #expect(ingester.service.liveSnapshot.counters.refusedOwnedElsewhere == 0) }
        let ledgers = try reader.lossLedger(robotID: nil)
        #expect(ledgers.count == 6)
        // Every frame once, no gap. Duplicates are a reliable robot's resends of frames whose
        // acknowledgement came after its timeout (a loaded machine): counted, stored once.
        #expect(
            ledgers.allSatisfy { $0.received == perRobot && $0.gaps.isEmpty },
            "\(ledgers.map { "robot \($0.robotID): received \($0.received), gaps \($0.gaps), duplicates \($0.duplicates)" })"
        )
        #expect(try reader.ingestStatistics()["frames.refused.owned_elsewhere"] == nil)
    }

    @Test(.timeLimit(.minutes(3)))
    func aRobotMovesToAnotherIngesterOnceItsLeaseEndsAndItsLedgerGoesOn() async throws {
        let location = try PostgresFixture.database()
        let lease = Duration.seconds(1)
        let east = try await RunningIngester.start(
            databasePath: "unused.db",
            reliable: "tcp://127.0.0.1:*",
            store: try PostgresStore.open(location: location, ingesterID: "east", logger: Self.logger),
            robotLease: lease
        )
        let west = try await RunningIngester.start(
            databasePath: "unused.db",
            reliable: "tcp://127.0.0.1:*",
            store: try PostgresStore.open(location: location, ingesterID: "west", logger: Self.logger),
            robotLease: lease
        )
        let robot: UInt32 = 31
        let (eastEndpoint, westEndpoint) = (east.endpoint, west.endpoint)
        // The first half to east, acknowledged there.
        #expect(try await offPool { try Self.sendReliably(robots: [robot], to: eastEndpoint, sequences: 0..<300) })
        // Then the robot moves to west and sends everything again, and the rest: west
        // refuses it while east's lease holds (not acknowledged: the robot resends), takes
        // it over once east lets go, and finds the first half stored already.
        #expect(try await offPool { try Self.sendReliably(robots: [robot], to: westEndpoint, sequences: 0..<600) })
        try await east.stop()
        try await west.stop()

        let reader = try PostgresStore.open(location: location, ingesterID: "reader", logger: Self.logger)
        defer { reader.close() }
        let stored = try Self.storedFrames(reader)
        #expect(stored.count == 600)
        for seq in 0..<UInt32(600) {
            let key = FrameKey(stream: StreamKey(robotID: robot, bootEpoch: 1), sequence: seq)
            #expect(stored[key] == Self.frame(robot: robot, seq: seq), "sequence \(seq)")
        }
        let ledger = try #require(try reader.lossLedger(robotID: robot).first)
        #expect(ledger.received == 600 && ledger.gaps.isEmpty && ledger.highestSequence == 599)
        #expect(ledger.duplicates >= 300, "the first half, sent again to west")
        #expect(try reader.robotOwners().map(\.ingester) == ["west"])
        #expect(east.service.liveSnapshot.counters.accepted == 300)
        #expect(west.service.liveSnapshot.counters.accepted == 300)
    }

    /// Sends `sequences` of each robot over reliable clients and waits for every
    /// acknowledgement; whether all came. Refused frames are resent after a second without
    /// progress.
    static func sendReliably(robots: [UInt32], to endpoint: String, sequences: Range<UInt32>) throws -> Bool {
        let context = try Context()
        defer { context.terminate() }
        let clients = try robots.map { robot in
            var configuration = ReliableRobotClient.Configuration(endpoint: endpoint, robotID: robot, bootEpoch: 1)
            configuration.progressTimeout = .seconds(1)
            return try ReliableRobotClient(context: context, configuration: configuration)
        }
        defer { for client in clients { client.close() } }
        for seq in sequences {
            for client in clients {
                _ = try client.publish(
                    .sanitationState(DrivingRobot.state(step: Int(seq))),
                    at: Self.start + UInt64(seq) * 100_000_000,
                    flags: FrameHeader.simulatedTimeFlag,
                    waitingAtMost: .seconds(30)
                )
                try client.service()
            }
        }
        return try clients.allSatisfy { try $0.flush(timeout: .seconds(60)) }
    }
}
