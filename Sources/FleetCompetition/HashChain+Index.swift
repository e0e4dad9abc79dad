import Crypto

/// The frame index: for each frame of a sender's chain, in chain order, its boot epoch and
/// sequence and a digest prefix, so `fleet verify` can name the first frame that no longer
/// matches when a chain head differs. The signed document covers it through its SHA-256; the
/// chain head (full SHA-256, signed) is what detects a change, the index only says where.
extension HashChain {
    public enum IndexFormat: Sendable, Equatable {
        /// `fleet-final-v1` documents: 16 bytes a frame (boot u32 LE, sequence u32 LE, the
        /// first 8 bytes of SHA-256(frame)).
        case v1
        /// `fleet-final-v2`: about 1.1 bytes a frame. The frames' identities as runs of
        /// consecutive sequences (boot, first sequence, count; varints), then a 1-byte tag
        /// per frame (SHA-256(frame)'s first byte), then per block of `blockSize` frames the
        /// first 4 bytes of SHA-256 over the block's frame digests. Verify finds the first
        /// block that differs (a changed block matches with probability 2⁻³²), then the first
        /// frame in it whose identity or tag differs; when a changed frame kept its tag
        /// (probability 2⁻⁸) it names the block's sequences instead of the frame.
        case v2

        /// The index format of a signed document's chains.
        public init(documentFormat: String) {
            self = documentFormat == FinalDocument.formatV1 ? .v1 : .v2
        }

        var tagSize: Int { self == .v1 ? 8 : 1 }
    }

    static let blockSize = 32
    static let blockDigestSize = 4

    struct IndexEntry: Equatable {
        var boot: UInt32
        var sequence: UInt32
        var tag: ArraySlice<UInt8>
    }

    struct Index {
        var entries: [IndexEntry]
        /// v2: one digest per block of `blockSize` entries.
        var blocks: [ArraySlice<UInt8>]
    }

    static func digest(_ item: Item) -> [UInt8] { Array(SHA256.hash(data: item.bytes)) }

    static func blockDigest(_ digests: some Sequence<[UInt8]>) -> ArraySlice<UInt8> {
        var hasher = SHA256()
        for d in digests { hasher.update(data: d) }
        return ArraySlice(hasher.finalize().prefix(blockDigestSize))
    }

    static func encodeIndex(_ items: [Item], _ format: IndexFormat) -> [UInt8] {
        let digests = items.map(digest)
        var out: [UInt8] = []
        switch format {
        case .v1:
            out.reserveCapacity(items.count * 16)
            for (item, d) in zip(items, digests) {
                withUnsafeBytes(of: item.boot.littleEndian) { out += $0 }
                withUnsafeBytes(of: item.sequence.littleEndian) { out += $0 }
                out += d.prefix(format.tagSize)
            }
        case .v2:
            var runs: [(boot: UInt32, first: UInt32, count: UInt64)] = []
            for item in items {
                if let last = runs.last, last.boot == item.boot,
                    UInt64(last.first) + last.count == UInt64(item.sequence)
                {
                    runs[runs.count - 1].count += 1
                } else {
                    runs.append((item.boot, item.sequence, 1))
                }
            }
            out.append(2)
            writeVarint(UInt64(runs.count), &out)
            for run in runs {
                writeVarint(UInt64(run.boot), &out)
                writeVarint(UInt64(run.first), &out)
                writeVarint(run.count, &out)
            }
            out.reserveCapacity(out.count + items.count * 2)
            for d in digests { out += d.prefix(format.tagSize) }
            for start in stride(from: 0, to: digests.count, by: blockSize) {
                out += blockDigest(digests[start..<min(digests.count, start + blockSize)])
            }
        }
        return out
    }

    /// A stored index; nil when it does not read as `format`.
    static func decodeIndex(_ bytes: [UInt8], _ format: IndexFormat) -> Index? {
        switch format {
        case .v1:
            guard bytes.count % 16 == 0 else { return nil }
            let entries = stride(from: 0, to: bytes.count, by: 16).map { i in
                IndexEntry(
                    boot: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16
                        | UInt32(bytes[i + 3]) << 24,
                    sequence: UInt32(bytes[i + 4]) | UInt32(bytes[i + 5]) << 8 | UInt32(bytes[i + 6]) << 16
                        | UInt32(bytes[i + 7]) << 24,
                    tag: bytes[(i + 8)..<(i + 16)]
                )
            }
            return Index(entries: entries, blocks: [])
        case .v2:
            guard bytes.first == 2 else { return nil }
            var offset = 1
            guard let runCount = readVarint(bytes, &offset), runCount <= UInt64(bytes.count) else { return nil }
            var identities: [(UInt32, UInt32)] = []
            for _ in 0..<runCount {
                guard let boot = readVarint(bytes, &offset), let first = readVarint(bytes, &offset),
                    let count = readVarint(bytes, &offset), UInt64(identities.count) + count <= UInt64(bytes.count)
                else { return nil }
                for k in 0..<count {
                    identities.append((UInt32(truncatingIfNeeded: boot), UInt32(truncatingIfNeeded: first &+ k)))
                }
            }
            let n = identities.count
            let blockCount = (n + blockSize - 1) / blockSize
            guard bytes.count - offset == n * format.tagSize + blockCount * blockDigestSize else { return nil }
            let entries = identities.enumerated().map { i, identity in
                let start = offset + i * format.tagSize
                return IndexEntry(boot: identity.0, sequence: identity.1, tag: bytes[start..<(start + format.tagSize)])
            }
            let blocksStart = offset + n * format.tagSize
            let blocks = (0..<blockCount).map { b in
                bytes[(blocksStart + b * blockDigestSize)..<(blocksStart + (b + 1) * blockDigestSize)]
            }
            return Index(entries: entries, blocks: blocks)
        }
    }

    /// The first stored frame that does not match the index (the chain head already differs).
    static func firstMismatch(
        sender: UInt32,
        items: [Item],
        index: Index,
        format: IndexFormat
    ) -> Break {
        let entries = index.entries
        var i = 0
        while i < max(entries.count, items.count) {
            guard i < items.count else {
                return Break(
                    sender: sender,
                    bootEpoch: entries[i].boot,
                    sequence: entries[i].sequence,
                    reason: "stored frame missing"
                )
            }
            let item = items[i]
            guard i < entries.count else {
                return Break(
                    sender: sender,
                    bootEpoch: item.boot,
                    sequence: item.sequence,
                    reason: "extra stored frame the signed chain does not have"
                )
            }
            // v2: a whole block that matches its digest is skipped.
            if format == .v2, i % blockSize == 0, i + blockSize <= min(entries.count, items.count) {
                let digests = items[i..<(i + blockSize)].map(digest)
                let identical = zip(items[i..<(i + blockSize)], entries[i..<(i + blockSize)]).allSatisfy {
                    ($0.boot, $0.sequence) == ($1.boot, $1.sequence)
                }
                if identical && blockDigest(digests) == index.blocks[i / blockSize] {
                    i += blockSize
                    continue
                }
            }
            let entry = entries[i]
            if (item.boot, item.sequence) != (entry.boot, entry.sequence) {
                let reason =
                    !item.readable
                    ? "stored frame no longer has a readable header"
                    : "stored frame out of place (found boot \(item.boot) sequence \(item.sequence))"
                return Break(sender: sender, bootEpoch: entry.boot, sequence: entry.sequence, reason: reason)
            }
            if digest(item).prefix(format.tagSize) != entry.tag {
                return Break(
                    sender: sender,
                    bootEpoch: entry.boot,
                    sequence: entry.sequence,
                    reason: "stored frame differs from the one signed"
                )
            }
            if format == .v2, (i + 1) % blockSize == 0 || i + 1 == entries.count {
                let blockStart = i / blockSize * blockSize
                let end = min(entries.count, blockStart + blockSize)
                if end <= items.count, blockDigest(items[blockStart..<end].map(digest)) != index.blocks[i / blockSize] {
                    let first = entries[blockStart]
                    return Break(
                        sender: sender,
                        bootEpoch: first.boot,
                        sequence: first.sequence,
                        reason:
                            "a stored frame among sequences \(first.sequence)-\(entries[end - 1].sequence) differs from the one signed"
                    )
                }
            }
            i += 1
        }
        return Break(sender: sender, bootEpoch: nil, sequence: nil, reason: "hash chain head differs")
    }

    static func writeVarint(_ value: UInt64, _ out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func readVarint(_ bytes: [UInt8], _ offset: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let b = bytes[offset]
            offset += 1
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
        }
        return nil
    }
}
