import FleetStore
import Testing

/// The columnar format holds its size target on the simulator's frames (deterministic).
struct ChunkCodecSizeTests {
    @Test func simulatedChunksTakeAtMostTwoBytesPerNumericSample() throws {
        let fleet = try SimulatedChunks.fleet()
        let sanitation = ChunkCodec.measure(lengthPrefixed: fleet.sanitation)
        let humanoid = ChunkCodec.measure(lengthPrefixed: fleet.humanoid)
        print(sanitation)
        print(humanoid)
        for variant in ChunkCodec.measureVariants(lengthPrefixed: fleet.sanitation) { print("sanitation", variant) }
        for variant in ChunkCodec.measureVariants(lengthPrefixed: fleet.humanoid) { print("humanoid", variant) }
        #expect(sanitation.columnarFrames == sanitation.frames)
        #expect(sanitation.bytesPerSample <= 2)
        #expect(humanoid.bytesPerSample <= 2)
    }
}
