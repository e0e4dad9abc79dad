import FleetProtocol
import Testing

@testable import FleetStore

/// A damaged blob is reported, never trusted blindly: decoding throws a `corruptRow` error
/// (or, where the damage is undetectable, returns some frames) without crashing or hanging.
struct ChunkCodecDamageTests {
    static func smallChunk(seed: UInt64) -> [UInt8] {
        var random = RandomFrames(seed: seed)
        return random.chunk(frames: 24).blob
    }

    /// Decodes and returns how many frames came out, or the error.
    static func decode(_ blob: [UInt8]) -> Result<Int, StorageError> {
        var count = 0
        do {
            try blob.withUnsafeBytes { blob in
                try ChunkCodec.forEachFrame(in: blob, encoding: .columnar) { frame in
                    _ = frame.reduce(0, &+)
                    count += 1
                }
            }
            return .success(count)
        } catch let error as StorageError {
            return .failure(error)
        } catch {
            Issue.record("unexpected error type: \(error)")
            return .success(count)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func everyTruncationIsReported() {
        let blob = Self.smallChunk(seed: 1).withUnsafeBytes { ChunkCodec.encode(lengthPrefixed: $0) }
        for length in 0..<blob.count {
            guard case .failure(let error) = Self.decode(Array(blob[..<length])) else {
                Issue.record("a blob cut to \(length) of \(blob.count) bytes decoded")
                continue
            }
            #expect(error.code == .corruptRow)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: 0..<8)
    func randomByteFlipsAreReportedOrHarmless(seed: Int) {
        var random = RandomFrames(seed: UInt64(1000 + seed))
        let blob = Self.smallChunk(seed: UInt64(seed)).withUnsafeBytes { ChunkCodec.encode(lengthPrefixed: $0) }
        for _ in 0..<300 {
            var damaged = blob
            for _ in 0..<Int.random(in: 1...3, using: &random.rng) {
                damaged[Int.random(in: 0..<damaged.count, using: &random.rng)] ^= UInt8.random(
                    in: 1...255,
                    using: &random.rng
                )
            }
            if case .failure(let error) = Self.decode(damaged) { #expect(error.code == .corruptRow) }
        }
    }

    /// The zstd checksum catches nearly all damage, so the payload's own checks are fuzzed
    /// through the stored (uncompressed) form, which has no checksum.
    @Test(.timeLimit(.minutes(1)), arguments: 0..<8)
    func damagedStoredPayloadsAreReportedOrHarmless(seed: Int) {
        var random = RandomFrames(seed: UInt64(2000 + seed))
        let chunk = Self.smallChunk(seed: UInt64(seed))
        let payload = chunk.withUnsafeBytes { input in
            ChunkCodec.payload(of: input, ChunkCodec.inventory(of: input), options: .standard)
        }
        var header: [UInt8] = [ChunkCodec.formatVersion, ChunkCodec.Compression.stored.rawValue]
        withUnsafeBytes(of: UInt32(payload.count).littleEndian) { header.append(contentsOf: $0) }
        var decoded: [UInt8] = []
        _ = try? (header + payload).withUnsafeBytes { blob in
            try ChunkCodec.forEachFrame(in: blob, encoding: .columnar) { FrameChunk.append($0, to: &decoded) }
        }
        #expect(decoded == chunk, "the stored form decodes like the compressed one")
        for _ in 0..<500 {
            var damaged = payload
            switch Int.random(in: 0..<3, using: &random.rng) {
            case 0:
                damaged[Int.random(in: 0..<damaged.count, using: &random.rng)] ^= UInt8.random(
                    in: 1...255,
                    using: &random.rng
                )
            case 1:
                // Header fields (counts and section lengths) set to extreme values.
                let field = Int.random(in: 0..<((ChunkCodec.payloadHeaderSize - 10) / 4), using: &random.rng)
                let value = [0, 1, UInt32.max, UInt32.max / 2, UInt32(payload.count)].randomElement(using: &random.rng)!
                withUnsafeBytes(of: value.littleEndian) {
                    damaged.replaceSubrange((10 + 4 * field)..<(14 + 4 * field), with: $0)
                }
            default:
                damaged.removeLast(Int.random(in: 1...min(16, damaged.count), using: &random.rng))
            }
            var blob: [UInt8] = [ChunkCodec.formatVersion, ChunkCodec.Compression.stored.rawValue]
            withUnsafeBytes(of: UInt32(damaged.count).littleEndian) { blob.append(contentsOf: $0) }
            if case .failure(let error) = Self.decode(blob + damaged) { #expect(error.code == .corruptRow) }
        }
    }

    @Test(arguments: [
        ([] as [UInt8], "empty blob"),
        ([2, 1, 0, 0, 0, 0], "unknown format version"),
        ([1, 9, 0, 0, 0, 0], "unknown compression"),
        ([1, 1, 255, 255, 255, 255, 0x28, 0xB5, 0x2F, 0xFD], "payload larger than the blob allows"),
        ([1, 0, 4, 0, 0, 0, 1, 2], "stored payload shorter than declared"),
    ])
    func malformedBlobsNameWhatIsWrong(blob: [UInt8], what: String) {
        guard case .failure(let error) = Self.decode(blob) else {
            Issue.record("\(what) decoded")
            return
        }
        #expect(error.code == .corruptRow, "\(what)")
        #expect(error.message.hasPrefix("columnar chunk:"), "\(what): \(error.message)")
    }
}
