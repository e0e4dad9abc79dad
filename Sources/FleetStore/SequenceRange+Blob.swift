extension SequenceRange {
    /// The stored form of a list of ranges (`loss_ledger.gaps`, `rejected_seqs`): each range
    /// as its first and last sequence number, u32 little-endian, 8 bytes a range.
    public static func blob(_ ranges: [SequenceRange]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ranges.count * 8)
        for range in ranges {
            withUnsafeBytes(of: range.first.littleEndian) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: range.last.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Reads `blob(_:)`'s format; throws `corruptRow` on a length that is not a multiple of
    /// 8 or a range whose first is above its last.
    public static func ranges(blob: UnsafeRawBufferPointer) throws(StorageError) -> [SequenceRange] {
        guard blob.count % 8 == 0 else {
            throw StorageError(
                .corruptRow,
                "sequence range blob of \(blob.count) bytes is not a whole number of 8-byte ranges"
            )
        }
        var ranges: [SequenceRange] = []
        ranges.reserveCapacity(blob.count / 8)
        var offset = 0
        while offset < blob.count {
            let first = UInt32(littleEndian: blob.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            let last = UInt32(littleEndian: blob.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
            guard first <= last else {
                throw StorageError(
                    .corruptRow,
                    "sequence range \(first)-\(last) at byte \(offset) ends before it starts"
                )
            }
            ranges.append(SequenceRange(first, last))
            offset += 8
        }
        return ranges
    }
}
