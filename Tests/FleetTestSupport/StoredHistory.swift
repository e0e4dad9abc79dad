public import FleetProtocol
public import FleetStore

/// A long stored history written straight through the store (as the writer would commit it):
/// for each robot a sealed chunk every `chunkEvery` of event time, each with its frames 100 ms
/// apart and one rollup row, so retention has something old to drop and something new to keep.
public struct StoredHistory: Sendable {
    public struct StoredFrame: Sendable, Equatable {
        public var robot: UInt32
        public var time: UInt64
        public var bytes: [UInt8]
    }

    public var frames: [StoredFrame] = []
    public var chunks: [ChunkRecord] = []
    public var rollups: [RollupRecord] = []

    /// Writes `chunksPerRobot` chunks of `framesPerChunk` frames (at most 600: a chunk spans
    /// under a minute) for each of `robots`, the first starting at `start`, one batch per
    /// chunk index.
    public static func write(
        to store: any IngestStore,
        robots: [UInt32],
        start: UInt64,
        chunksPerRobot: Int,
        chunkEvery: UInt64,
        framesPerChunk: Int,
        bootEpoch: UInt32 = 1
    ) throws -> StoredHistory {
        precondition(framesPerChunk >= 1 && framesPerChunk <= 600)
        var history = StoredHistory()
        for index in 0..<chunksPerRobot {
            var batch = WriteBatch()
            for robot in robots {
                let chunkStart = start + UInt64(index) * chunkEvery
                var blob: [UInt8] = []
                var chunkFrames: [StoredFrame] = []
                var stats = RollupStats(metricCount: 1)
                for k in 0..<framesPerChunk {
                    let step = index * framesPerChunk + k
                    let time = chunkStart + UInt64(k) * 100_000_000
                    // Values that vary (a battery that drains with a little noise), so chunks
                    // are not all alike and pruning frees real pages.
                    let battery = Float(100 - (step % 1000) / 10) - Float((step &* 2_654_435_761) % 97) / 100
                    let noise = Double((UInt64(step) &* 2_654_435_761 &+ UInt64(robot)) % 100_003) / 1e5
                    let frame = FrameEncoder.encode(
                        .sanitationState(
                            DrivingRobot.state(
                                step: step,
                                x: Double(step) * 0.1 + noise,
                                y: Double(robot),
                                battery: battery
                            )
                        ),
                        robotID: robot,
                        bootEpoch: bootEpoch,
                        sequence: UInt32(step),
                        timestampNanoseconds: time
                    )
                    frame.withUnsafeBytes { FrameChunk.append($0, to: &blob) }
                    chunkFrames.append(StoredFrame(robot: robot, time: time, bytes: frame))
                    stats.add(Double(battery), metric: 0)
                }
                let chunk = ChunkRecord(
                    robotID: robot,
                    bootEpoch: bootEpoch,
                    firstSequence: UInt32(index * framesPerChunk),
                    lastSequence: UInt32(index * framesPerChunk + framesPerChunk - 1),
                    startNanos: chunkFrames.first!.time,
                    endNanos: chunkFrames.last!.time,
                    frameCount: framesPerChunk,
                    frames: blob.withUnsafeBytes { ChunkCodec.encode(lengthPrefixed: $0) },
                    encoding: ChunkCodec.encoding
                )
                let rollup = RollupRecord(
                    robotID: robot,
                    messageType: MessageType.sanitationState.rawValue,
                    bucketSecond: Int64(chunkStart / 1_000_000_000),
                    count: framesPerChunk,
                    lastNanos: chunkFrames.last!.time,
                    stats: stats
                )
                batch.chunks.append(chunk)
                batch.rollups.append(rollup)
                batch.frameCount += framesPerChunk
                history.chunks.append(chunk)
                history.rollups.append(rollup)
                history.frames += chunkFrames
            }
            try store.commit(batch, at: start)
        }
        return history
    }
}
