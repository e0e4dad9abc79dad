/// A bounds-checked cursor over a columnar chunk's bytes: every read either stays inside the
/// buffer or throws `StorageError(.corruptRow)` naming the section it was reading, so a
/// damaged blob can never make the decoder read out of bounds or loop.
struct ChunkByteReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int
    let end: Int
    /// The section this cursor reads, for error messages ("sequence stream").
    let section: StaticString

    init(_ bytes: UnsafeRawBufferPointer, from offset: Int = 0, to end: Int? = nil, section: StaticString) {
        self.bytes = bytes
        self.offset = offset
        self.end = end ?? bytes.count
        self.section = section
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset == end }

    private func overrun(_ wanted: Int) -> StorageError {
        StorageError(
            .corruptRow,
            "columnar chunk: \(section) needs \(wanted) more bytes at byte \(offset) but has \(remaining)"
        )
    }

    mutating func u8() throws -> UInt8 {
        guard offset < end else { throw overrun(1) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u32() throws -> UInt32 {
        guard remaining >= 4 else { throw overrun(4) }
        defer { offset += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// A LEB128 varint of at most 10 bytes that fits a `UInt64`.
    @inline(__always)
    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < end else { throw overrun(1) }
            let byte = bytes[offset]
            offset += 1
            guard shift < 63 || (shift == 63 && byte <= 1) else {
                throw StorageError(
                    .corruptRow,
                    "columnar chunk: \(section) has a varint over 64 bits at byte \(offset)"
                )
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// The next `count` bytes, in place.
    mutating func bytes(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else { throw overrun(count) }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
    }

    /// Throws unless every byte of the section was read: a section longer than its content
    /// means the blob is not what the encoder wrote.
    func expectEnd() throws {
        guard isAtEnd else {
            throw StorageError(.corruptRow, "columnar chunk: \(section) has \(remaining) bytes left over")
        }
    }
}

/// Zigzag: small negative and positive numbers both become small unsigned ones.
@inline(__always)
func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

@inline(__always)
func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
