import FleetProtocol
import FleetStore
import Testing

struct ChunkCodecRoundTripTests {
    @Test func simulatedChunksDecodeByteForByte() throws {
        let fleet = try SimulatedChunks.fleet()
        for chunk in fleet.sanitation + fleet.humanoid {
            let blob = chunk.withUnsafeBytes { ChunkCodec.encode(lengthPrefixed: $0) }
            var decoded: [UInt8] = []
            try blob.withUnsafeBytes { blob in
                try ChunkCodec.forEachFrame(in: blob, encoding: .columnar) { FrameChunk.append($0, to: &decoded) }
            }
            #expect(decoded == chunk)
        }
        for chunk in fleet.sanitation {
            var n = 0
            try chunk.withUnsafeBytes {
                try FrameChunk.forEachFrame(in: $0) { frame in
                    n += 1
                    if n % 150 == 0, let f = try? FrameDecoder.decode(frame), case .sanitationState(let s) = f.message {
                        print(f.header.robotID, s.x, s.y, s.distance, s.speed, s.status, s.batteryCurrent)
                    }
                }
            }
        }
    }
}
