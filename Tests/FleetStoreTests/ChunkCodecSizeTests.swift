import FleetStore
import Testing

/// The columnar format holds its size target on the simulator's frames: at most 2 bytes per
/// numeric sample all-in (header fields, sequence, time, type, flags), at most 50 bytes per
/// sanitation frame. Deterministic: the simulation is seeded, nothing is timed.
struct ChunkCodecSizeTests {
    @Test func simulatedSanitationChunksTakeAtMostTwoBytesPerNumericSample() throws {
        let chunks = try SimulatedChunks.standard().sanitation
        let all = ChunkCodec.measure(lengthPrefixed: chunks)
        print("sanitation \(all)")
        #expect(all.columnarFrames == all.frames)
        #expect(all.bytesPerSample <= 2)
        #expect(all.bytesPerFrame <= 50)
        for (k, chunk) in chunks.enumerated() {
            let one = ChunkCodec.measure(lengthPrefixed: [chunk])
            #expect(one.bytesPerSample <= 2, "sanitation chunk \(k): \(one)")
            #expect(one.bytesPerFrame <= 50, "sanitation chunk \(k): \(one)")
        }
    }

    @Test func simulatedHumanoidChunksTakeAtMostTwoBytesPerNumericSample() throws {
        let chunks = try SimulatedChunks.standard().humanoid
        let all = ChunkCodec.measure(lengthPrefixed: chunks)
        print("humanoid \(all)")
        #expect(all.columnarFrames == all.frames)
        #expect(all.bytesPerSample <= 2)
        for (k, chunk) in chunks.enumerated() {
            let one = ChunkCodec.measure(lengthPrefixed: [chunk])
            #expect(one.bytesPerSample <= 2, "humanoid chunk \(k): \(one)")
        }
    }

    @Test func theShippingVariantIsNoLargerThanGorillaBitsOrPlainZstd() throws {
        let fleet = try SimulatedChunks.standard()
        for (name, chunks) in [("sanitation", fleet.sanitation), ("humanoid", fleet.humanoid)] {
            let variants = ChunkCodec.measureVariants(lengthPrefixed: chunks)
            for variant in variants { print(name, variant) }
            let shipping = ChunkCodec.measure(lengthPrefixed: chunks)
            for variant in variants where variant.variant == "gorilla-bits" || variant.variant.hasPrefix("frames+zstd")
            {
                #expect(shipping.encodedBytes < variant.encodedBytes, "\(name): \(variant)")
            }
        }
    }
}
