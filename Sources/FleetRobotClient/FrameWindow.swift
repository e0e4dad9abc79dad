/// The frames a reliable client has numbered but the ingester has not yet acknowledged,
/// oldest first, kept as the exact bytes first sent so that a resend is byte-identical.
///
/// Frames are packed end to end in one growable byte buffer (a frame of 120 bytes takes 120
/// bytes, not a 524-byte slot), so a robot with a few frames in flight costs a few hundred
/// bytes, and only a robot cut off from its ingester grows towards its window. Releasing from
/// the front only moves an offset; the buffer is compacted when the tail needs the room, and
/// handed back when the window drains after a backlog.
///
/// A send cursor walks the window: frames before it have been handed to the socket in the
/// current pass, `rewind()` starts a new pass from the oldest (a resend).
///
/// Pure value type, no I/O: tested on its own.
struct FrameWindow {
    struct Entry: Equatable {
        var bootEpoch: UInt32
        var sequence: UInt32
        /// Logical byte offset of the frame (see `origin`).
        var offset: Int
        var length: Int
        /// Handed to the socket at least once before.
        var sent: Bool
        /// Settled by an ack that did not reach the front of the window (a later run): kept
        /// until the frames before it go, never sent again.
        var acknowledged = false
    }

    /// Buffer size kept when the window drains; larger buffers are released then.
    static let baselineByteCapacity = 4096

    /// Entries from `entryHead` on are live; the dead prefix is trimmed now and then.
    private var entries: [Entry] = []
    private var entryHead = 0
    /// Frame bytes; `storage[0]` is logical offset `origin`.
    private var storage: [UInt8] = []
    private var origin = 0
    /// Logical offsets of the oldest live byte and of the next byte to write.
    private var byteHead = 0
    private var byteTail = 0
    /// Index (into `entries`) of the next frame to send.
    private var cursor = 0
    /// Live entries marked acknowledged (behind an unacknowledged one).
    private var acknowledgedInside = 0

    init() {}

    /// Frames in the window still waiting for their acknowledgement.
    var count: Int { entries.count - entryHead - acknowledgedInside }
    var isEmpty: Bool { count == 0 }
    /// Bytes of the frames in the window.
    var byteCount: Int { byteTail - byteHead }
    /// Bytes the window holds on to, in use or not.
    var byteCapacity: Int { storage.count }
    /// Frames not yet handed to the socket in the current pass.
    var unsentCount: Int { entries.count - cursor }

    /// The oldest frame's number, if any.
    var first: (bootEpoch: UInt32, sequence: UInt32)? {
        guard entryHead < entries.count else { return nil }
        return (entries[entryHead].bootEpoch, entries[entryHead].sequence)
    }

    /// Keeps a copy of `frame`, the newest, not yet sent.
    mutating func append(bootEpoch: UInt32, sequence: UInt32, frame: UnsafeRawBufferPointer) {
        reserve(frame.count)
        let start = byteTail - origin
        storage.withUnsafeMutableBytes { bytes in
            if let source = frame.baseAddress, frame.count > 0 {
                (bytes.baseAddress! + start).copyMemory(from: source, byteCount: frame.count)
            }
        }
        entries.append(
            Entry(bootEpoch: bootEpoch, sequence: sequence, offset: byteTail, length: frame.count, sent: false)
        )
        byteTail += frame.count
    }

    /// Settles the frames of `bootEpoch` numbered `from...through` (an ack's run): those at the
    /// front are dropped, the others are kept, marked, until the frames before them go.
    /// Returns how many frames the ack settled that were not settled before.
    mutating func acknowledge(bootEpoch: UInt32, from: UInt32, through: UInt32) -> Int {
        guard from <= through else { return 0 }
        // The first live entry at or after (bootEpoch, from), by binary search.
        var low = entryHead
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if (entries[mid].bootEpoch, entries[mid].sequence) < (bootEpoch, from) { low = mid + 1 } else { high = mid }
        }
        var settled = 0
        var index = low
        while index < entries.count, entries[index].bootEpoch == bootEpoch, entries[index].sequence <= through {
            if !entries[index].acknowledged {
                entries[index].acknowledged = true
                acknowledgedInside += 1
                settled += 1
            }
            index += 1
        }
        _ = releaseAcknowledged { _, _ in false }
        return settled
    }

    /// Drops acknowledged frames from the front, oldest first, while `isAcknowledged(boot epoch,
    /// sequence)` holds or an ack marked them; returns how many of them were not marked.
    /// When the window empties, a grown buffer is released.
    mutating func releaseAcknowledged(_ isAcknowledged: (UInt32, UInt32) -> Bool) -> Int {
        var released = 0
        var releasedAny = false
        while entryHead < entries.count {
            let entry = entries[entryHead]
            if entry.acknowledged {
                acknowledgedInside -= 1
            } else if isAcknowledged(entry.bootEpoch, entry.sequence) {
                released += 1
            } else {
                break
            }
            byteHead = entry.offset + entry.length
            entryHead += 1
            releasedAny = true
        }
        guard releasedAny else { return 0 }
        cursor = max(cursor, entryHead)
        if entryHead == entries.count {
            // Empty: start over at the beginning of the buffer, and give back what a backlog grew.
            let keep = entries.capacity <= 1024
            entries.removeAll(keepingCapacity: keep)
            entryHead = 0
            cursor = 0
            if storage.count > Self.baselineByteCapacity {
                storage = []
            }
            origin = byteTail
            byteHead = byteTail
        } else if entryHead >= 1024 && entryHead * 2 >= entries.count {
            entries.removeFirst(entryHead)
            cursor -= entryHead
            entryHead = 0
        }
        return released
    }

    /// Starts a new pass: the next frame to send is the oldest again.
    mutating func rewind() {
        cursor = entryHead
    }

    /// Calls `send` with the next frame to send and whether it was sent before; if `send`
    /// returns true the cursor moves past it. Returns nil when every frame has been sent.
    mutating func sendNext(_ send: (UnsafeRawBufferPointer, _ isResend: Bool) throws -> Bool) rethrows -> Bool? {
        while cursor < entries.count && entries[cursor].acknowledged { cursor += 1 }
        guard cursor < entries.count else { return nil }
        let entry = entries[cursor]
        let start = entry.offset - origin
        let accepted = try storage.withUnsafeBytes { bytes in
            try send(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + entry.length)]), entry.sent)
        }
        if accepted {
            entries[cursor].sent = true
            cursor += 1
        }
        return accepted
    }

    /// The bytes of the frame `index` places from the oldest; for tests.
    func frame(at index: Int) -> [UInt8] {
        let entry = entries[entryHead + index]
        let start = entry.offset - origin
        return Array(storage[start..<(start + entry.length)])
    }

    /// Makes room for `length` more bytes at the tail: compacts the live bytes to the front of
    /// the buffer if that is enough and worth it, else moves them to a buffer twice as big.
    private mutating func reserve(_ length: Int) {
        if byteTail - origin + length <= storage.count { return }
        let live = byteTail - byteHead
        let needed = live + length
        if needed <= storage.count / 2 || (needed <= storage.count && byteHead - origin >= storage.count / 2) {
            let from = byteHead - origin
            storage.withUnsafeMutableBytes { bytes in
                if live > 0 { bytes.baseAddress!.copyMemory(from: bytes.baseAddress! + from, byteCount: live) }
            }
        } else {
            var capacity = max(storage.count, Self.baselineByteCapacity)
            while capacity < needed { capacity *= 2 }
            if needed > capacity / 2 { capacity *= 2 }
            var grown = [UInt8](repeating: 0, count: capacity)
            let from = byteHead - origin
            if live > 0 {
                grown.withUnsafeMutableBytes { target in
                    storage.withUnsafeBytes { source in
                        target.baseAddress!.copyMemory(from: source.baseAddress! + from, byteCount: live)
                    }
                }
            }
            storage = grown
        }
        origin = byteHead
    }

    /// Checks the window's invariants; for tests and debug builds.
    func checkInvariants() {
        precondition(
            entryHead >= 0 && entryHead <= entries.count,
            "entry head \(entryHead) outside 0...\(entries.count)"
        )
        precondition(
            cursor >= entryHead && cursor <= entries.count,
            "cursor \(cursor) outside \(entryHead)...\(entries.count)"
        )
        precondition(
            origin <= byteHead && byteHead <= byteTail,
            "offsets out of order: \(origin) \(byteHead) \(byteTail)"
        )
        precondition(byteTail - origin <= storage.count, "tail \(byteTail - origin) beyond capacity \(storage.count)")
        var expected = byteHead
        for entry in entries[entryHead...] {
            precondition(entry.offset == expected, "frame \(entry.sequence) at \(entry.offset), expected \(expected)")
            expected += entry.length
        }
        precondition(expected == byteTail, "frames end at \(expected), tail is \(byteTail)")
        for (a, b) in zip(entries[entryHead...], entries[entryHead...].dropFirst()) {
            precondition((a.bootEpoch, a.sequence) < (b.bootEpoch, b.sequence), "frames out of order")
        }
        for entry in entries[entryHead..<cursor] {
            precondition(entry.sent || entry.acknowledged, "frame \(entry.sequence) before the cursor was never sent")
        }
        let marked = entries[entryHead...].filter(\.acknowledged).count
        precondition(
            marked == acknowledgedInside,
            "\(marked) frames marked acknowledged, counted \(acknowledgedInside)"
        )
        precondition(entries[entryHead...].first?.acknowledged != true, "an acknowledged frame at the front")
    }
}
