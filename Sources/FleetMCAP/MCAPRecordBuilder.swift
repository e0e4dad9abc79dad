/// Little-endian bytes in MCAP's primitive encodings: fixed-width integers, strings and byte
/// arrays with a `uint32` length prefix, and whole records (`opcode`, `uint64` length, content).
struct MCAPRecordBuilder {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u16(_ value: UInt16) { integer(value) }

    mutating func u32(_ value: UInt32) { integer(value) }

    mutating func u64(_ value: UInt64) { integer(value) }

    private mutating func integer<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A `String`: `uint32` byte length, then UTF-8.
    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        u32(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// `Bytes` with a `uint32` length prefix.
    mutating func prefixedBytes(_ value: [UInt8]) {
        u32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `Map<String, String>`: `uint32` byte length of the entries, then key, value, … (sorted
    /// by key so the same map always encodes to the same bytes).
    mutating func stringMap(_ map: [String: String]) {
        var entries = MCAPRecordBuilder()
        for key in map.keys.sorted() {
            entries.string(key)
            entries.string(map[key] ?? "")
        }
        u32(UInt32(entries.bytes.count))
        bytes.append(contentsOf: entries.bytes)
    }

    /// A `Map<uint16, uint64>` (channel id → offset or count), sorted by key.
    mutating func idMap(_ map: [UInt16: UInt64]) {
        u32(UInt32(map.count * 10))
        for key in map.keys.sorted() {
            u16(key)
            u64(map[key] ?? 0)
        }
    }

    /// One record: the opcode, the content's length, the content `body` appends.
    mutating func record(_ opcode: MCAPOpcode, _ body: (inout MCAPRecordBuilder) -> Void) {
        u8(opcode.rawValue)
        let lengthAt = bytes.count
        u64(0)
        let start = bytes.count
        body(&self)
        let length = UInt64(bytes.count - start).littleEndian
        withUnsafeBytes(of: length) { raw in
            for i in 0..<8 { bytes[lengthAt + i] = raw[i] }
        }
    }
}
