import FleetStore
import Testing

struct SegmentBlobTests {
    private func frames(_ count: Int) -> [UInt8] {
        var blob: [UInt8] = []
        for i in 0..<count {
            let frame = (0..<132).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i % 5) }
            frame.withUnsafeBytes { FrameChunk.append($0, to: &blob) }
        }
        return blob
    }

    @Test func framesComeBackExactlyAndSmaller() throws {
        let raw = frames(500)
        let stored = SegmentBlob.encode(raw)
        #expect(stored.count * 3 < raw.count, "\(stored.count) of \(raw.count) bytes")
        #expect(try stored.withUnsafeBytes { try SegmentBlob.decode($0) } == raw)
    }

    @Test func incompressibleFramesAreStoredAsTheyAre() throws {
        var generator = SystemRandomNumberGenerator()
        let raw = (0..<4000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let stored = SegmentBlob.encode(raw)
        #expect(stored.count == raw.count + 1)
        #expect(try stored.withUnsafeBytes { try SegmentBlob.decode($0) } == raw)
    }

    @Test func aDamagedSegmentIsACorruptRow() {
        var stored = SegmentBlob.encode(frames(50))
        stored[stored.count / 2] ^= 0xFF
        #expect(throws: StorageError.self) { try stored.withUnsafeBytes { try SegmentBlob.decode($0) } }
        #expect(throws: StorageError.self) { try [UInt8]().withUnsafeBytes { try SegmentBlob.decode($0) } }
        #expect(throws: StorageError.self) { try [UInt8]([7, 1, 2]).withUnsafeBytes { try SegmentBlob.decode($0) } }
    }
}
