import AllocationCounter
import FleetProtocol
import FleetStore
import Testing

/// Decoding reuses its buffers: the allocations of decoding a chunk do not grow with its
/// frames (counted by a real malloc interposer on this thread).
struct ChunkCodecAllocationTests {
    static func allocations(decoding frames: Int) throws -> Int {
        var random = RandomFrames(seed: 11)
        var blob: [UInt8] = []
        for k in 0..<frames {
            let frame = random.validFrame(type: k % 10 == 0 ? .heartbeat : .sanitationState)
            frame.withUnsafeBytes { FrameChunk.append($0, to: &blob) }
        }
        let encoded = blob.withUnsafeBytes { ChunkCodec.encode(lengthPrefixed: $0) }
        var checksum = 0
        // Warm up: first use may fill runtime caches (metadata, lazy globals).
        try encoded.withUnsafeBytes { blob in
            try ChunkCodec.forEachFrame(in: blob, encoding: .columnar) { checksum &+= Int($0[$0.count - 1]) }
        }
        fleet_allocation_counter_start()
        try encoded.withUnsafeBytes { blob in
            try ChunkCodec.forEachFrame(in: blob, encoding: .columnar) { checksum &+= Int($0[$0.count - 1]) }
        }
        let allocations = fleet_allocation_counter_stop()
        #expect(checksum != 0)
        return allocations
    }

    @Test(.enabled(if: fleet_allocation_counter_available() == 1, "needs Linux with glibc"))
    func decodingAllocatesPerChunkNotPerFrame() throws {
        let small = try Self.allocations(decoding: 60)
        let large = try Self.allocations(decoding: 600)
        #expect(large == small, "60 frames: \(small) allocations, 600 frames: \(large)")
        #expect(large < 100, "a few dozen per chunk: payload, frame slots, per-type tables, zstd's context")
    }
}
