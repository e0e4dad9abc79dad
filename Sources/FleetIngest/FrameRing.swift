import Synchronization

/// A single-producer single-consumer ring of fixed-size slots that carries received frames
/// from the receiver thread to the pipeline without locks and without allocating.
///
/// The receiver copies each frame's bytes straight from the ZeroMQ message into a slot, so a
/// frame is copied once on its way in and the pipeline reads it in place. Capacity is a power
/// of two so that a slot index is a mask, never a division. A frame larger than a slot's
/// inline space (possible only for bodies from a newer minor version of the protocol) is
/// carried in a separately allocated buffer; that path allocates, the usual one never does.
///
/// The ring does not decide what happens when it is full: `tryPush` returns false and the
/// caller applies its policy (back pressure in reliable mode, drop-and-count in pub mode).
public final class FrameRing: @unchecked Sendable {
    // @unchecked Sendable: the slots are plain memory shared by exactly one producer thread
    // and one consumer thread. A slot is written only by the producer while it is outside
    // [head, tail), and read only by the consumer while it is inside; `tail`'s release store
    // publishes the slot's bytes, `head`'s release store hands it back. `cachedHead` is
    // touched only by the producer and `cachedTail` only by the consumer.

    /// Number of slots; a power of two.
    public let capacity: Int
    /// Bytes a frame may have and still travel inline in its slot.
    public let inlineBytes: Int

    private let mask: Int
    private let stride: Int
    private let storage: UnsafeMutableRawPointer

    /// Next slot the consumer reads. Written by the consumer only.
    private let head = Atomic<Int>(0)
    private let paddingAfterHead: (Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0)
    /// Next slot the producer writes. Written by the producer only.
    private let tail = Atomic<Int>(0)
    private let paddingAfterTail: (Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0)
    /// The producer's last view of `head`; refreshed only when the ring looks full.
    private var cachedHead = 0
    /// Pushes since `cachedHead` was last refreshed by `producerCount`.
    private var pushesSinceRefresh = 0
    private let paddingAfterCachedHead: (Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0)
    /// The consumer's last view of `tail`; refreshed only when the ring looks empty.
    private var cachedTail = 0

    private enum SlotOffset {
        static let length = 0  // UInt32: frame length in bytes
        static let source = 4  // UInt32: the receiver's id for where the frame came from
        static let receivedAt = 8  // UInt64: receive time, ns
        static let overflow = 16  // Int: address of an out-of-line buffer, or 0
        static let payload = 32
    }

    /// - Parameters:
    ///   - capacity: slots; rounded up to a power of two.
    ///   - inlineBytes: bytes a frame can have and still travel in its slot without allocating.
    public init(capacity: Int, inlineBytes: Int = 1024) {
        precondition(capacity >= 2, "a ring needs at least two slots")
        precondition(inlineBytes > 0)
        var rounded = 1
        while rounded < capacity { rounded <<= 1 }
        self.capacity = rounded
        self.mask = rounded - 1
        self.inlineBytes = inlineBytes
        // Whole cache lines per slot so neighbouring slots never share one.
        self.stride = (SlotOffset.payload + inlineBytes + 63) & ~63
        // Not zeroed: every field of a slot is written before the slot is published, and
        // untouched pages cost no memory until traffic first reaches them.
        self.storage = UnsafeMutableRawPointer.allocate(byteCount: stride * rounded, alignment: 64)
    }

    deinit {
        // Free the out-of-line buffers of frames nobody drained.
        var index = head.load(ordering: .acquiring)
        let end = tail.load(ordering: .acquiring)
        while index != end {
            freeOverflow(slot(index))
            index &+= 1
        }
        storage.deallocate()
    }

    // MARK: Producer

    /// Copies `bytes` into the next free slot. Returns false, copying nothing, when the ring
    /// is full. Producer thread only.
    @discardableResult
    public func tryPush(_ bytes: UnsafeRawBufferPointer, source: UInt32, receivedAt: UInt64) -> Bool {
        // Relaxed: only this thread writes `tail`.
        let position = tail.load(ordering: .relaxed)
        if position &- cachedHead >= capacity {
            // Acquiring: pairs with the consumer's releasing store of `head`, so its reads of
            // the slot we are about to reuse happened before we overwrite it.
            cachedHead = head.load(ordering: .acquiring)
            if position &- cachedHead >= capacity { return false }
        }
        let slot = self.slot(position)
        slot.storeBytes(of: UInt32(truncatingIfNeeded: bytes.count), toByteOffset: SlotOffset.length, as: UInt32.self)
        slot.storeBytes(of: source, toByteOffset: SlotOffset.source, as: UInt32.self)
        slot.storeBytes(of: receivedAt, toByteOffset: SlotOffset.receivedAt, as: UInt64.self)
        if bytes.count <= inlineBytes {
            slot.storeBytes(of: 0, toByteOffset: SlotOffset.overflow, as: Int.self)
            if let base = bytes.baseAddress {
                (slot + SlotOffset.payload).copyMemory(from: base, byteCount: bytes.count)
            }
        } else {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
            buffer.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            slot.storeBytes(of: Int(bitPattern: buffer), toByteOffset: SlotOffset.overflow, as: Int.self)
        }
        // Releasing: the slot's bytes above become visible to the consumer's acquiring load.
        tail.store(position &+ 1, ordering: .releasing)
        return true
    }

    /// Frames waiting, as the producer sees them: from its cached view of `head`, refreshed
    /// every 256 calls, so the producer reads the consumer's cache line once per 256 frames,
    /// not per frame. An over-estimate by at most what was drained since. Producer thread only.
    public func producerCount() -> Int {
        pushesSinceRefresh += 1
        if pushesSinceRefresh >= 256 {
            pushesSinceRefresh = 0
            // Acquiring, as in `tryPush`: pairs with the consumer's releasing store.
            cachedHead = head.load(ordering: .acquiring)
        }
        return tail.load(ordering: .relaxed) &- cachedHead
    }

    // MARK: Consumer

    /// Hands up to `limit` frames, oldest first, to `body`, then frees their slots. Returns
    /// how many it handed over. The frame's bytes are valid only inside `body`. Consumer
    /// thread only.
    @discardableResult
    public func drain(limit: Int, _ body: (RingFrame) throws -> Void) rethrows -> Int {
        // Relaxed: only this thread writes `head`.
        let start = head.load(ordering: .relaxed)
        if cachedTail &- start < limit {
            // Acquiring: pairs with the producer's releasing store of `tail`, so the slots
            // below it are fully written before we read them.
            cachedTail = tail.load(ordering: .acquiring)
            if cachedTail == start { return 0 }
        }
        let available = cachedTail &- start
        let count = min(available, limit)
        var position = start
        defer {
            // Releasing: our reads of these slots complete before the producer may reuse them.
            head.store(position, ordering: .releasing)
        }
        while position != start &+ count {
            let slot = self.slot(position)
            let length = Int(slot.load(fromByteOffset: SlotOffset.length, as: UInt32.self))
            let overflow = slot.load(fromByteOffset: SlotOffset.overflow, as: Int.self)
            let base =
                overflow == 0 ? UnsafeRawPointer(slot + SlotOffset.payload) : UnsafeRawPointer(bitPattern: overflow)!
            let frame = RingFrame(
                bytes: UnsafeRawBufferPointer(start: base, count: length),
                source: slot.load(fromByteOffset: SlotOffset.source, as: UInt32.self),
                receivedAt: slot.load(fromByteOffset: SlotOffset.receivedAt, as: UInt64.self)
            )
            do {
                try body(frame)
            } catch {
                freeOverflow(slot)
                position &+= 1
                throw error
            }
            freeOverflow(slot)
            position &+= 1
        }
        return count
    }

    // MARK: Any thread

    /// Frames waiting, as seen from any thread at some recent moment; at most `capacity`.
    public var count: Int {
        // Load `head` first: the result can then only be an over-estimate between two
        // moments, never negative. Clamped: between the two loads the consumer may free
        // slots and the producer fill them again, so from a third thread `t - h` can exceed
        // what the ring ever held at once (FleetRaceCheck's observer saw 83 in a ring of
        // 64), and `occupancy`, which `/metrics` shows, went above 1.
        let h = head.load(ordering: .acquiring)
        let t = tail.load(ordering: .acquiring)
        return min(t &- h, capacity)
    }

    /// Fraction of slots in use, 0...1.
    public var occupancy: Double { Double(count) / Double(capacity) }

    /// Checks the ring's invariants; for tests and debug builds. Call it on the producer's
    /// or the consumer's thread (or while neither runs): each of them owns one of the two
    /// indices, so its view of `tail - head` is exact; a third thread reads them at two
    /// moments and can see more than `capacity` frames that were never there at once.
    public func checkInvariants() {
        let h = head.load(ordering: .acquiring)
        let t = tail.load(ordering: .acquiring)
        precondition(capacity > 0 && capacity & mask == 0, "capacity must be a power of two")
        precondition(t &- h >= 0, "tail \(t) is behind head \(h)")
        precondition(t &- h <= capacity, "\(t &- h) frames in a ring of \(capacity)")
        precondition(stride % 64 == 0 && stride >= SlotOffset.payload + inlineBytes, "slot stride \(stride)")
    }

    private func slot(_ position: Int) -> UnsafeMutableRawPointer {
        storage + (position & mask) * stride
    }

    private func freeOverflow(_ slot: UnsafeMutableRawPointer) {
        let overflow = slot.load(fromByteOffset: SlotOffset.overflow, as: Int.self)
        if overflow != 0 {
            UnsafeMutableRawPointer(bitPattern: overflow)!.deallocate()
            slot.storeBytes(of: 0, toByteOffset: SlotOffset.overflow, as: Int.self)
        }
    }
}

/// A frame in the ring, lent to the consumer for the duration of one `drain` callback.
public struct RingFrame {
    /// The frame exactly as received. Valid only inside the `drain` callback.
    public let bytes: UnsafeRawBufferPointer
    /// The receiver's id for where the frame came from (a connection or a reliable peer).
    public let source: UInt32
    /// When the receiver took the frame off the socket, ns (CLOCK_MONOTONIC or realtime,
    /// as the receiver chose).
    public let receivedAt: UInt64
}
