import FleetProtocol

extension ChunkCodec {
    /// The size the same chunk would take with its columns bit-packed as Gorilla does (VLDB
    /// 2015, section 4.1.2) instead of byte planes and zstd: floats XOR the previous value and
    /// write '0' for a repeat, '10' and the meaningful bits inside the previous window, or
    /// '11', 5 bits of leading zeros, 6 bits of length and the meaningful bits; integers as
    /// zigzag varint deltas. The streams (kinds, flags, sequence, time, raw) are counted as the
    /// columnar payload stores them, uncompressed. Computed, not encoded: it only measures.
    static func gorillaSize(_ input: UnsafeRawBufferPointer) -> Int {
        let inventory = inventory(of: input)
        let payload = payload(of: input, inventory, options: Options(transformsColumns: false))
        var columnBytes = 0
        var bits = 0
        for typeID in 1..<256 where inventory.typeCounts[typeID] > 0 {
            let plan = ChunkColumnPlan.byTypeID[typeID]!
            columnBytes += plan.columns.count + inventory.typeCounts[typeID] * plan.storedBytes
            let bodies = (0..<inventory.frameCount).lazy.filter { inventory.kinds[$0] == UInt8(typeID) }
                .map { inventory.starts[$0] + FrameHeader.size }
            for column in plan.columns {
                var previous: UInt64 = 0
                var window: (leading: Int, trailing: Int)?
                var first = true
                for body in bodies {
                    let value = loadValue(input.baseAddress! + body + column.offset, size: column.size)
                    defer {
                        previous = value
                        first = false
                    }
                    guard column.isFloatingPoint else {
                        bits += 8 * varintSize(zigzagDelta(value, previous, size: column.size))
                        continue
                    }
                    let width = 8 * column.size
                    if first {
                        bits += width
                        continue
                    }
                    let xor = value ^ previous
                    if xor == 0 {
                        bits += 1
                        continue
                    }
                    let leading = min(31, xor.leadingZeroBitCount - (64 - width))
                    let trailing = xor.trailingZeroBitCount
                    if let w = window, leading >= w.leading, trailing >= w.trailing {
                        bits += 2 + width - w.leading - w.trailing
                    } else {
                        bits += 2 + 5 + 6 + width - leading - trailing
                        window = (leading, trailing)
                    }
                }
            }
        }
        return blobHeaderSize + payload.count - columnBytes + (bits + 7) / 8
    }

    private static func zigzagDelta(_ value: UInt64, _ previous: UInt64, size: Int) -> UInt64 {
        let shift = UInt64(64 - 8 * size)
        return zigzag(Int64(bitPattern: (value &- previous) << shift) >> shift)
    }

    private static func varintSize(_ value: UInt64) -> Int { max(1, (64 - value.leadingZeroBitCount + 6) / 7) }
}
