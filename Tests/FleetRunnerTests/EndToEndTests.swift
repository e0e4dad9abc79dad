import FleetIngest
import FleetProtocol
import FleetRunner
import FleetStorage
import FleetStore
import FleetTestSupport
import Testing

/// A simulated fleet with faults into a real `IngestService` over 127.0.0.1: what the
/// database holds is exactly what the truth and the recording say it must.
struct EndToEndTests {
    @Test(.timeLimit(.minutes(2)))
    func pubModeStoresExactlyWhatTheTruthSaysWasSentAndLedgersTheFaults() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ingester = try await RunningIngester.start(databasePath: folder.path("fleet.db"), pub: "tcp://127.0.0.1:*")
        var configuration = FleetRunner.Configuration(
            simulation: try smallFleet(duration: 40, teams: 4, robotsPerTeam: 5, humanoids: 4)
        )
        configuration.endpoint = ingester.endpoint
        configuration.timeScale = 25
        configuration.faults = try FaultSpec(
            parsing: "drop=0.01,dup=0.01,reorder=0.01,corrupt=0.005,reboot=1,disconnect=1"
        )
        configuration.faultSeed = 11
        let run = try await FleetRun.run(configuration, in: folder)
        #expect(run.truth.senders.count == 25)
        #expect(run.truth.senders.contains { $0.bootEpochs.count == 2 }, "a reboot")
        #expect(run.truth.senders.contains { $0.bootEpochs.contains { !$0.droppedByDisconnect.isEmpty } }, "an outage")
        #expect(run.truth.senders.contains { $0.bootEpochs.contains { !$0.reordered.isEmpty } })

        let expected = Expectation(run)
        #expect(try await ingester.waitUntilStored(expected.stored))
        try await ingester.stop()

        let database = try FleetDatabase(path: folder.path("fleet.db"), readOnly: true)
        let ledgers = try database.lossLedger()
        for sender in run.truth.senders {
            let stored = try database.frames(robotID: sender.robotID, from: 0, to: UInt64(Int64.max))
            for epoch in sender.bootEpochs {
                let key = "robot \(sender.robotID) epoch \(epoch.bootEpoch)"
                let mine = stored.filter { $0.header.bootEpoch == epoch.bootEpoch }.sorted {
                    $0.header.sequence < $1.header.sequence
                }
                let want = expected.validFrames(sender.robotID, epoch.bootEpoch)
                #expect(mine.map(\.header.sequence) == want.map(\.header.sequence), "\(key): sequences stored")
                #expect(mine.map(\.bytes) == want.map(\.bytes), "\(key): byte for byte as recorded")
                let ledger = try #require(
                    ledgers.first { $0.robotID == sender.robotID && $0.bootEpoch == epoch.bootEpoch }
                )
                let book = expected.ledger(sender.robotID, epoch)
                #expect(ledger.gaps == book.gaps, "\(key): gaps")
                #expect(ledger.rejectedSequences == book.rejected, "\(key): rejected sequences")
                #expect(ledger.duplicates == epoch.duplicated.count, "\(key): duplicates")
                #expect(ledger.received == want.count)
            }
        }
        let statistics = try database.ingestStatistics()
        let corrupted = run.truth.senders.flatMap(\.bootEpochs).reduce(0) { $0 + $1.corrupted.count }
        let duplicated = run.truth.senders.flatMap(\.bootEpochs).reduce(0) { $0 + $1.duplicated.count }
        #expect(corrupted > 0 && duplicated > 0)
        #expect(statistics["frames.accepted"] == Int64(expected.stored))
        #expect(statistics["frames.duplicate"] == Int64(duplicated))
        #expect(statistics["frames.rejected.bad_checksum"] == Int64(corrupted))
        #expect(statistics["frames.dropped.ring_full"] == nil)
    }

    @Test(.timeLimit(.minutes(2)))
    func reliableModeStoresEveryNumberedFrameOnceDespiteCorruptCopiesAndAnOutage() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ingester = try await RunningIngester.start(
            databasePath: folder.path("fleet.db"),
            reliable: "tcp://127.0.0.1:*"
        )
        var configuration = FleetRunner.Configuration(
            simulation: try smallFleet(duration: 30, teams: 2, robotsPerTeam: 3, humanoids: 2)
        )
        configuration.endpoint = ingester.endpoint
        configuration.mode = .reliable
        configuration.timeScale = 25
        configuration.faults = try FaultSpec(parsing: "dup=0.01,corrupt=0.01,reboot=1,disconnect=2")
        configuration.faultSeed = 3
        let run = try await FleetRun.run(configuration, in: folder)
        #expect(run.report.unconfirmedSenders.isEmpty, "everything acknowledged by the end")
        try await ingester.stop()

        let database = try FleetDatabase(path: folder.path("fleet.db"), readOnly: true)
        let ledgers = try database.lossLedger()
        var corrupted = 0
        for sender in run.truth.senders {
            let stored = try database.frames(robotID: sender.robotID, from: 0, to: UInt64(Int64.max))
            for epoch in sender.bootEpochs {
                let mine = stored.filter { $0.header.bootEpoch == epoch.bootEpoch }.sorted {
                    $0.header.sequence < $1.header.sequence
                }
                #expect(mine.map(\.header.sequence) == Array(0..<epoch.sequences))
                var firstValid: [UInt32: [UInt8]] = [:]
                for record in run.frames(of: sender.robotID, epoch: epoch.bootEpoch) where record.isValid {
                    if firstValid[record.header.sequence] == nil { firstValid[record.header.sequence] = record.bytes }
                }
                #expect(mine.map(\.bytes) == mine.map { firstValid[$0.header.sequence] ?? [] })
                let ledger = try #require(
                    ledgers.first { $0.robotID == sender.robotID && $0.bootEpoch == epoch.bootEpoch }
                )
                #expect(ledger.gaps.isEmpty && ledger.rejectedSequences.isEmpty)
                corrupted += epoch.corrupted.count
                for outage in epoch.disconnects { #expect(outage.resent && epoch.droppedByDisconnect.isEmpty) }
            }
        }
        #expect(run.truth.senders.contains { $0.bootEpochs.contains { !$0.disconnects.isEmpty } })
        let statistics = try database.ingestStatistics()
        #expect(corrupted > 0)
        #expect(statistics["frames.rejected.bad_checksum"] == Int64(corrupted))
    }
}

/// What the ingester must hold, worked out from the truth and the recording (frames of one
/// robot arrive in the order they were sent, over its one connection).
struct Expectation {
    let run: FleetRun

    init(_ run: FleetRun) { self.run = run }

    /// Distinct valid frames sent: what `frames.accepted` must reach.
    var stored: Int {
        run.truth.senders.reduce(0) { total, sender in
            total + sender.bootEpochs.reduce(0) { $0 + validFrames(sender.robotID, $1.bootEpoch).count }
        }
    }

    /// The first valid copy of each sequence number sent, by sequence.
    func validFrames(_ robotID: UInt32, _ epoch: UInt32) -> [RecordedFrame] {
        var seen = Set<UInt32>()
        return run.frames(of: robotID, epoch: epoch).filter { $0.isValid && seen.insert($0.header.sequence).inserted }
            .sorted { $0.header.sequence < $1.header.sequence }
    }

    /// The ledger's gaps and rejected sequences: the ingester charges a corrupt frame to a
    /// (robot, epoch) only once a valid frame of it has arrived, and sees a missing number
    /// only below the highest it has seen.
    func ledger(_ robotID: UInt32, _ epoch: EpochTruth) -> (gaps: [SequenceRange], rejected: [SequenceRange]) {
        // A corrupt frame (its checksum fails) moves no sequence state: it is a gap below the
        // highest valid frame and nothing above it (issue 10 item 3).
        var highest: UInt32 = 0
        for record in run.frames(of: robotID, epoch: epoch.bootEpoch) where record.isValid {
            highest = max(highest, record.header.sequence)
        }
        let rejected = Set<UInt32>()
        let stored = Set(validFrames(robotID, epoch.bootEpoch).map(\.header.sequence))
        let gaps = (0..<highest).filter { !stored.contains($0) && !rejected.contains($0) }
        let missing = Set(epoch.dropped).union(epoch.droppedByDisconnect).union(epoch.corrupted)
        precondition(gaps.allSatisfy { missing.contains($0) }, "a gap the truth does not explain")
        return (Self.ranges(gaps), Self.ranges(rejected.sorted()))
    }

    static func ranges(_ sorted: [UInt32]) -> [SequenceRange] {
        var out: [SequenceRange] = []
        for value in sorted {
            if let last = out.last, last.last + 1 == value {
                out[out.count - 1] = SequenceRange(last.first, value)
            } else {
                out.append(SequenceRange(value, value))
            }
        }
        return out
    }
}
