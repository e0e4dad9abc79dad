/// Score events as compact pages, byte-exact both ways: a page holds consecutive events of a
/// run's append-only event list.
///
/// A 20-minute run has tens of thousands of score events (a coverage event for nearly every
/// state frame of a sweeping robot); as JSON and as rows of text they were most of a run's
/// competition bytes. A page keeps its names and senders once, times in the page's time
/// quantum relative to the event before, and a field only when it cannot be derived: the
/// robot that sent the evidence, the team and criterion the robot had last, a delta equal
/// to the previous one of its team and criterion, a total that is the previous total plus
/// the delta, the next sequence of the sender, cost a flag bit. A score is stored as its
/// XOR with the team's previous score, without the leading zero bytes. Doubles are
/// compared and stored by bit pattern, so `-0.0`, NaN and every last bit come back as they
/// went in.
///
/// The encoding of a whole list as one page is also the canonical form the signed FINAL
/// document's event digest is taken over (`encode` is deterministic).
public enum ScoreEventCodec {
    /// Events per stored page: paging through a run's events decodes a page or two.
    public static let pageSize = 2048
    static let version: UInt8 = 1

    /// Per event; the common case (a robot's coverage event) fits the first varint byte,
    /// plus the score's byte count in the second.
    enum Flag {
        static let robotIsSender: UInt64 = 1 << 0
        static let sameTeamAndCriterion: UInt64 = 1 << 1
        static let totalIsSum: UInt64 = 1 << 2
        static let nextSequence: UInt64 = 1 << 3
        static let sameTime: UInt64 = 1 << 4
        static let nextQuantum: UInt64 = 1 << 5
        static let integralDelta: UInt64 = 1 << 6
        /// Bits 7...10: bytes of the score's XOR with the team's previous score (0...8).
        static let scoreBytesShift: UInt64 = 7
        static let sameDelta: UInt64 = 1 << 11
        static let integralTotal: UInt64 = 1 << 12
        static let sameBoot: UInt64 = 1 << 13
        static let eventID: UInt64 = 1 << 14
    }

    /// What the events before leave for the next one to refer to (reset every page).
    struct Context {
        var time: UInt64 = 0
        /// robot → team and criterion name indexes of its last event.
        var robot: [UInt32: (team: Int, criterion: Int)] = [:]
        /// (team, criterion) → last delta and total bits.
        var last: [Int: (delta: UInt64, total: UInt64)] = [:]
        /// team → last score bits.
        var score: [Int: UInt64] = [:]
        /// sender → last boot epoch and sequence.
        var sender: [UInt32: (boot: UInt32, sequence: UInt32)] = [:]

        static func key(_ team: Int, _ criterion: Int) -> Int { team << 24 | criterion }
    }

    /// One page: the events, in order.
    public static func encode(_ events: some Collection<ScoreEventRow>) -> [UInt8] {
        let table = PageTable(events)
        var out: [UInt8] = [version]
        out.reserveCapacity(32 + events.count * 12)
        table.write(eventCount: events.count, into: &out)
        var context = Context()
        var body: [UInt8] = []
        for e in events {
            body.removeAll(keepingCapacity: true)
            let flags = context.encode(e, table: table, into: &body)
            writeVarint(flags, &out)
            out += body
        }
        return out
    }

    /// The events of a page; throws `StorageError(.corruptRow)` on a damaged one.
    public static func decode(_ bytes: [UInt8]) throws(StorageError) -> [ScoreEventRow] {
        var reader = Reader(bytes: bytes)
        let version = try reader.byte()
        guard version == Self.version else {
            throw StorageError(.corruptRow, "score event page: unknown version \(version)")
        }
        let table = try PageTable(reading: &reader)
        let count = try reader.count()
        var events: [ScoreEventRow] = []
        events.reserveCapacity(count)
        var context = Context()
        for _ in 0..<count {
            events.append(try context.decode(flags: try reader.varint(), table: table, from: &reader))
        }
        guard reader.isAtEnd else { throw StorageError(.corruptRow, "score event page: bytes after the last event") }
        return events
    }

    // MARK: Primitives

    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    /// The value as a whole number, when converting it back gives the same bits.
    static func integral(_ value: Double) -> Int64? {
        guard let whole = Int64(exactly: value), Double(whole).bitPattern == value.bitPattern else { return nil }
        return whole
    }

    static func writeVarint(_ value: UInt64, _ out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func writeBits(_ bits: UInt64, _ out: inout [UInt8]) {
        withUnsafeBytes(of: bits.littleEndian) { out += $0 }
    }

    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
    static func unzigzag(_ v: UInt64) -> Int64 { Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1) }

    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        var isAtEnd: Bool { offset == bytes.count }

        mutating func byte() throws(StorageError) -> UInt8 {
            guard offset < bytes.count else { throw StorageError(.corruptRow, "score event page: truncated") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func varint() throws(StorageError) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try byte()
                guard shift < 64 else { throw StorageError(.corruptRow, "score event page: varint too long") }
                value |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return value }
                shift += 7
            }
        }

        /// A count or index: never more than the page has bytes.
        mutating func count() throws(StorageError) -> Int {
            let v = try varint()
            guard v <= UInt64(bytes.count) else {
                throw StorageError(.corruptRow, "score event page: count \(v) out of range")
            }
            return Int(v)
        }

        mutating func bytes(_ n: Int) throws(StorageError) -> ArraySlice<UInt8> {
            guard n <= bytes.count - offset else { throw StorageError(.corruptRow, "score event page: truncated") }
            defer { offset += n }
            return bytes[offset..<offset + n]
        }

        mutating func bits() throws(StorageError) -> UInt64 {
            var bits: UInt64 = 0
            for (i, b) in try bytes(8).enumerated() { bits |= UInt64(b) << (8 * UInt64(i)) }
            return bits
        }
    }
}

extension ScoreEventCodec {
    /// A stored page of a run's event list: its first ordinal, its event count, its bytes.
    public struct StoredPage {
        public var first: Int
        public var count: Int
        public var bytes: [UInt8]

        public init(first: Int, count: Int, bytes: [UInt8]) {
            self.first = first
            self.count = count
            self.bytes = bytes
        }
    }

    /// The events at `ordinals` of run `runID`'s list from its pages that may hold them, in
    /// ordinal order (as `WHERE first_ordinal > lower - pageSize AND first_ordinal < upper
    /// ORDER BY first_ordinal` reads them); a page whose count lies or a gap is a corrupt row.
    public static func events(
        at ordinals: Range<Int>,
        of runID: UInt32,
        from pages: some Sequence<StoredPage>
    ) throws -> [ScoreEventRow] {
        var events: [ScoreEventRow] = []
        var next = ordinals.lowerBound
        for stored in pages {
            let (first, count) = (stored.first, stored.count)
            guard first + count > next else { continue }
            guard first <= next else { break }
            let page = try decode(stored.bytes)
            guard page.count == count else {
                throw StorageError(
                    .corruptRow,
                    "run \(runID): score event page \(first) holds \(page.count) events, not \(count)"
                )
            }
            let slice = page[(next - first)..<(min(first + count, ordinals.upperBound) - first)]
            events += slice
            next += slice.count
            if next == ordinals.upperBound { break }
        }
        guard next == ordinals.upperBound else {
            throw StorageError(
                .corruptRow,
                "run \(runID): score events \(next)..<\(ordinals.upperBound) are not stored"
            )
        }
        return events
    }
}
