import FleetProtocol
import Testing

@testable import FleetStore

/// Whatever goes in comes out: every frame, byte for byte, in its order.
struct ChunkCodecRoundTripTests {
    /// Encodes `blob` (a `FrameChunk`) and decodes it back into a list of frames.
    static func roundTrip(_ blob: [UInt8]) throws -> [[UInt8]] {
        let encoded = blob.withUnsafeBytes { ChunkCodec.encode(lengthPrefixed: $0) }
        var frames: [[UInt8]] = []
        try encoded.withUnsafeBytes { encoded in
            try ChunkCodec.forEachFrame(in: encoded, encoding: ChunkCodec.encoding) { frames.append(Array($0)) }
        }
        return frames
    }

    @Test(arguments: 0..<40)
    func randomChunksOfEveryMessageTypeDecodeByteForByte(seed: Int) throws {
        var random = RandomFrames(seed: UInt64(seed))
        for _ in 0..<4 {
            let count = [0, 1, 2, 7, 600, Int.random(in: 0...700, using: &random.rng)].randomElement(
                using: &random.rng
            )!
            let (frames, blob) = random.chunk(frames: count)
            let decoded = try Self.roundTrip(blob)
            #expect(decoded.count == frames.count, "seed \(seed)")
            if decoded != frames {
                let first =
                    (0..<min(decoded.count, frames.count)).first { decoded[$0] != frames[$0] }
                    ?? min(decoded.count, frames.count)
                Issue.record("seed \(seed): frame \(first) of \(frames.count) differs")
                return
            }
        }
    }

    @Test func everyMessageTypeRoundTripsAloneAndMostlyAsColumns() throws {
        var random = RandomFrames(seed: 99)
        for type in MessageType.allCases {
            var blob: [UInt8] = []
            var frames: [[UInt8]] = []
            for _ in 0..<50 {
                let frame = random.validFrame(type: type)
                frame.withUnsafeBytes { FrameChunk.append($0, to: &blob) }
                frames.append(frame)
            }
            #expect(try Self.roundTrip(blob) == frames, "\(type.schemaName)")
            let inventory = blob.withUnsafeBytes { ChunkCodec.inventory(of: $0) }
            #expect(inventory.canonicalCount == 50, "\(type.schemaName) frames are stored as columns")
        }
    }

    @Test func oddFramesAreKeptRawInTheirPlace() throws {
        var random = RandomFrames(seed: 5)
        var blob: [UInt8] = []
        var frames: [[UInt8]] = []
        for k in 0..<400 {
            let frame = k % 3 == 0 ? random.oddFrame() : random.validFrame()
            frame.withUnsafeBytes { FrameChunk.append($0, to: &blob) }
            frames.append(frame)
        }
        #expect(try Self.roundTrip(blob) == frames)
    }

    @Test func aChunkStartingWithAStrayFrameStillStoresTheRestAsColumns() throws {
        var random = RandomFrames(seed: 6)
        var blob: [UInt8] = []
        var stray = random.validFrame(type: .heartbeat)
        stray[8] &+= 1  // another robot, CRC now wrong as well
        stray.withUnsafeBytes { FrameChunk.append($0, to: &blob) }
        for _ in 0..<20 {
            random.validFrame(type: .sanitationState).withUnsafeBytes { FrameChunk.append($0, to: &blob) }
        }
        let inventory = blob.withUnsafeBytes { ChunkCodec.inventory(of: $0) }
        #expect(inventory.canonicalCount == 20)
        #expect(try Self.roundTrip(blob).count == 21)
    }

    @Test func aMalformedInputTailIsKeptAsOneRawFrame() throws {
        var blob: [UInt8] = []
        var random = RandomFrames(seed: 8)
        let frame = random.validFrame(type: .fault)
        frame.withUnsafeBytes { FrameChunk.append($0, to: &blob) }
        blob += [200, 0, 0, 0, 1, 2, 3]
        #expect(try Self.roundTrip(blob) == [frame, [200, 0, 0, 0, 1, 2, 3]])
    }

    @Test func simulatedChunksDecodeByteForByte() throws {
        let fleet = try SimulatedChunks.standard()
        for chunk in fleet.sanitation + fleet.humanoid {
            var frames: [[UInt8]] = []
            try chunk.withUnsafeBytes { try FrameChunk.forEachFrame(in: $0) { frames.append(Array($0)) } }
            #expect(try Self.roundTrip(chunk) == frames)
        }
    }

    @Test func lengthPrefixedChunksStillReadAsBefore() throws {
        var random = RandomFrames(seed: 3)
        let (frames, blob) = random.chunk(frames: 50)
        var decoded: [[UInt8]] = []
        try blob.withUnsafeBytes { blob in
            try ChunkCodec.forEachFrame(in: blob, encoding: .lengthPrefixed) { decoded.append(Array($0)) }
        }
        #expect(decoded == frames)
    }

    @Test func everyColumnPlanTilesItsBody() {
        for type in MessageType.allCases {
            let plan = ChunkColumnPlan.byTypeID[Int(type.rawValue)]!
            plan.checkInvariants()
            #expect(plan.bodySize == type.bodySize)
        }
    }
}
