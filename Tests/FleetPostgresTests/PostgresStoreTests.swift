import FleetPostgres
import FleetProtocol
import FleetStore
import FleetTestSupport
import Foundation
import Logging
import Testing

/// What only the PostgreSQL backend has: migrations shared by several processes, day
/// partitions, several ingesters in one database.
@Suite(.enabled(if: PostgresFixture.enabled))
struct PostgresStoreTests {
    static let logger = Logger(label: "postgres-test")

    @Test func ingestersStartingAtOnceApplyEachMigrationOnce() async throws {
        let location = try PostgresFixture.database()
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for i in 0..<4 {
                group.addTask {
                    try await PostgresStore.connect(location: location, ingesterID: "i\(i)", logger: Self.logger)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 4)
        let applied = try await offPool { try stores[0].appliedMigrations() }
        #expect(applied == ["v1-telemetry", "v2-forward", "v2-robot-owner", "v3-competition", "v4-arena"])
        for store in stores { store.close() }
    }

    @Test func partitionsExistAheadAndAreMadeForAnOldRecordingsDays() throws {
        let store = try PostgresStore.open(location: try PostgresFixture.database(), logger: Self.logger)
        defer { store.close() }
        let today = Int64(Date().timeIntervalSince1970) / 86_400
        let names = Set(try store.partitionNames())
        for day in today...(today + 2) {
            #expect(names.contains(partitionName("frame_chunk", day)), "day \(day) ahead")
            #expect(names.contains(partitionName("event", day)) && names.contains(partitionName("rollup", day)))
        }
        // A recording from 2019-03-01 (day 17956): its frames get their own day.
        let time: UInt64 = 17956 * 86_400_000_000_000 + 3_600_000_000_000
        var batch = WriteBatch()
        let bytes = FrameEncoder.encode(
            .heartbeat(
                Heartbeat(framesSent: 0, uptime: 1, stateFrames: 0, eventFrames: 0, queueDrops: 0, stateRate: 10)
            ),
            robotID: 5,
            bootEpoch: 1,
            sequence: 0,
            timestampNanoseconds: time
        )
        var blob: [UInt8] = []
        bytes.withUnsafeBytes { FrameChunk.append($0, to: &blob) }
        batch.chunks = [
            ChunkRecord(
                robotID: 5,
                bootEpoch: 1,
                firstSequence: 0,
                lastSequence: 0,
                startNanos: time,
                endNanos: time,
                frameCount: 1,
                frames: blob
            )
        ]
        try store.commit(batch, at: 1)
        #expect(try store.partitionNames().contains("frame_chunk_p20190301"))
        var seen: [[UInt8]] = []
        try store.forEachStoredFrame(from: time, to: time, robotID: 5) { _, frame in seen.append(Array(frame)) }
        #expect(seen == [bytes])
    }

    @Test func twoIngestersKeepTheirOwnSegmentsInOneDatabase() throws {
        let location = try PostgresFixture.database()
        let east = try PostgresStore.open(location: location, ingesterID: "east", logger: Self.logger)
        let west = try PostgresStore.open(location: location, ingesterID: "west", logger: Self.logger)
        defer {
            east.close()
            west.close()
        }
        func segment(robot: UInt32) -> SegmentRecord {
            let bytes = FrameEncoder.encode(
                .heartbeat(
                    Heartbeat(framesSent: 0, uptime: 1, stateFrames: 0, eventFrames: 0, queueDrops: 0, stateRate: 10)
                ),
                robotID: robot,
                bootEpoch: 1,
                sequence: 0,
                timestampNanoseconds: 1_800_000_000_000_000_000
            )
            var blob: [UInt8] = []
            bytes.withUnsafeBytes { FrameChunk.append($0, to: &blob) }
            return SegmentRecord(
                segmentID: 1,
                startNanos: 1_800_000_000_000_000_000,
                endNanos: 1_800_000_000_000_000_000,
                frameCount: 1,
                frames: blob
            )
        }
        // Both number their first segment 1: no conflict, and each restores its own.
        var batch = WriteBatch()
        batch.segment = segment(robot: 1)
        batch.counterDeltas = [("frames.accepted", 1)]
        try east.commit(batch, at: 1)
        batch.segment = segment(robot: 2)
        try west.commit(batch, at: 1)
        #expect(try east.restoreIngestState().segments.map(\.frames) == [segment(robot: 1).frames])
        #expect(try west.restoreIngestState().segments.map(\.frames) == [segment(robot: 2).frames])
        #expect(try east.ingestStatistics()["frames.accepted"] == 2, "counters summed over ingesters")
        var robots: [UInt32] = []
        try east.forEachStoredFrame(from: 0, to: UInt64(Int64.max), robotID: nil) { header, _ in
            robots.append(header.robotID)
        }
        #expect(robots.sorted() == [1, 2], "readers see every ingester's frames")
    }

    @Test func anUnreachableServerIsAOneLineErrorNamingTheAddress() throws {
        let location = PostgresLocation(host: "127.0.0.1", port: 1, user: "fleet", database: "nowhere")
        #expect {
            try PostgresStore.open(location: location, logger: Self.logger)
        } throws: { error in
            let text = "\(error)"
            return text.contains("postgres://fleet@127.0.0.1:1/nowhere") && !text.contains("\n")
        }
    }

    func partitionName(_ table: String, _ day: Int64) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(day * 86_400))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%@_p%04d%02d%02d", table, c.year!, c.month!, c.day!)
    }
}
