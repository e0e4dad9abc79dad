import Benchmark
import FleetIngest
import FleetProtocol
import FleetStore

// The ingest hot path, one operation at a time: what a frame costs in allocations and
// instructions from the socket to the write batch. Allocation counts are exact and are what
// the checked-in thresholds hold (Thresholds/); instructions and throughput are shown, and
// compared with a tolerance, because the machine is shared.
//
//   swift package benchmark                    # run and print
//   swift package benchmark thresholds check --path Thresholds   # fails (exit 2) on a regression

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.mallocCountTotal, .instructions, .throughput, .wallClock],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 50,
        thresholds: [
            // Allocations are deterministic: more than 2% (or 2) extra fails.
            .mallocCountTotal: .init(relative: [.p90: 2.0], absolute: [.p90: 2]),
            // Instructions move with the toolchain and the machine's noise: 10%.
            .instructions: .init(relative: [.p90: 10.0]),
        ]
    )

    let sanitation = Fixtures.sanitationFrame(robotID: 1, sequence: 0)

    Benchmark("FrameDecoder.decode.sanitation") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try sanitation.withUnsafeBytes { try FrameDecoder.decode($0) })
        }
    }

    Benchmark("FrameRing.pushPop.sanitation") { benchmark in
        let ring = FrameRing(capacity: 1024)
        var total = 0
        benchmark.startMeasurement()
        sanitation.withUnsafeBytes { bytes in
            for index in benchmark.scaledIterations {
                ring.tryPush(bytes, source: RingSource.accepted(peer: 0), receivedAt: UInt64(index))
                ring.drain(limit: 1) { total &+= $0.bytes.count }
            }
        }
        benchmark.stopMeasurement()
        blackHole(total)
    }

    // One ring of frames (100 robots, consecutive sequence numbers) through the pipeline's
    // aggregator and one batch taken at the end, as the pipeline thread does it.
    Benchmark("Aggregator.ingest.perFrame.sanitation") { benchmark in
        let count = benchmark.scaledIterations.count
        let ring = FrameRing(capacity: count)
        for index in 0..<count {
            let frame = Fixtures.sanitationFrame(robotID: UInt32(index % 100) + 1, sequence: UInt32(index / 100))
            frame.withUnsafeBytes {
                _ = ring.tryPush($0, source: RingSource.accepted(peer: 0), receivedAt: UInt64(index))
            }
        }
        var aggregator = Aggregator()
        benchmark.startMeasurement()
        ring.drain(limit: count) { aggregator.ingest($0) }
        blackHole(aggregator.takeBatch())
        benchmark.stopMeasurement()
    }

    // A chunk of 256 frames of one robot: encoded once per operation, and read back.
    let chunk = Fixtures.lengthPrefixedChunk(frames: 256)
    Benchmark("ChunkCodec.encode.256frames", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(chunk.withUnsafeBytes { ChunkCodec.encode(lengthPrefixed: $0) })
        }
    }

    let encoded = chunk.withUnsafeBytes { ChunkCodec.encode(lengthPrefixed: $0) }
    Benchmark("ChunkCodec.forEachFrame.256frames", configuration: .init(scalingFactor: .one)) { benchmark in
        var bytes = 0
        for _ in benchmark.scaledIterations {
            try encoded.withUnsafeBytes { blob in
                try ChunkCodec.forEachFrame(in: blob, encoding: ChunkCodec.encoding) { bytes &+= $0.count }
            }
        }
        blackHole(bytes)
    }
}
