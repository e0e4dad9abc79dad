/// An order-independent digest of a multiset of frames: how many, and the wrapping sum of a
/// 64-bit hash of each frame's bytes. The load generator adds every frame it sends, the
/// benchmark every frame the database holds: equal digests mean the same frames, byte for
/// byte, whatever order they were stored in (a frame stored twice, lost, or changed in one
/// byte shows). Not a cryptographic check; `fleet verify` is that.
public struct FrameDigest: Codable, Equatable, Sendable {
    public var frames = 0
    public var sum: UInt64 = 0

    public init(frames: Int = 0, sum: UInt64 = 0) {
        self.frames = frames
        self.sum = sum
    }

    /// Adds one frame, as sent or as stored.
    public mutating func add(_ frame: UnsafeRawBufferPointer) {
        frames += 1
        sum &+= Self.hash(frame)
    }

    /// FNV-1a over the bytes, then SplitMix64's finalizer so that neighbouring frames (one
    /// sequence number apart) spread over all 64 bits.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01b3
        }
        h ^= h >> 30
        h &*= 0xbf58_476d_1ce4_e5b9
        h ^= h >> 27
        h &*= 0x94d0_49bb_1331_11eb
        h ^= h >> 31
        return h
    }

    /// Both multisets together (several load generators).
    public static func + (a: FrameDigest, b: FrameDigest) -> FrameDigest {
        FrameDigest(frames: a.frames + b.frames, sum: a.sum &+ b.sum)
    }
}
