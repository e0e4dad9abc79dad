import FleetProtocol

/// How one message type's body is stored column by column in a columnar chunk: one column
/// per scalar element of the schema layout, and the byte ranges that must be zero (reserved
/// fields and any byte the layout does not cover), which are not stored at all.
///
/// Built once per message type from `MessageType.layout`, so the codec follows the schema
/// and cannot drift from it; a body whose zero ranges are not zero is stored raw.
struct ChunkColumnPlan: Sendable {
    /// One scalar element of the body.
    struct Column: Sendable, Equatable {
        /// Byte offset in the body.
        var offset: Int
        /// 1, 2, 4 or 8.
        var size: Int
        /// Floats default to XOR with the previous value, integers to deltas.
        var isFloatingPoint: Bool
    }

    let type: MessageType
    let bodySize: Int
    /// Whole frame: header, body, CRC trailer.
    let frameSize: Int
    let columns: [Column]
    /// Body byte ranges that must be zero for the frame to be stored as columns.
    let zeroRanges: [Range<Int>]
    /// Bytes one frame takes in the column planes (the sum of the column sizes).
    let storedBytes: Int

    init(_ type: MessageType) {
        self.type = type
        bodySize = type.bodySize
        frameSize = type.frameSize
        var covered = [Bool](repeating: false, count: type.bodySize)
        var columns: [Column] = []
        var zeroRanges: [Range<Int>] = []
        for field in type.layout {
            let range = field.offset..<field.offset + field.size
            for byte in range where byte < covered.count { covered[byte] = true }
            if field.isReserved {
                zeroRanges.append(range)
                continue
            }
            for element in 0..<field.count {
                columns.append(
                    Column(
                        offset: field.offset + element * field.type.size,
                        size: field.type.size,
                        isFloatingPoint: field.type.isFloatingPoint
                    )
                )
            }
        }
        var start: Int?
        for byte in 0...covered.count {
            let isGap = byte < covered.count && !covered[byte]
            if isGap, start == nil { start = byte }
            if !isGap, let first = start {
                zeroRanges.append(first..<byte)
                start = nil
            }
        }
        self.columns = columns
        self.zeroRanges = zeroRanges
        storedBytes = columns.reduce(0) { $0 + $1.size }
    }

    /// Plans indexed by wire type id; nil for ids v1.0 does not know.
    static let byTypeID: [ChunkColumnPlan?] = {
        var plans = [ChunkColumnPlan?](repeating: nil, count: 256)
        for type in MessageType.allCases {
            let plan = ChunkColumnPlan(type)
            assert(
                {
                    plan.checkInvariants()
                    return true
                }()
            )
            plans[Int(type.rawValue)] = plan
        }
        return plans
    }()

    /// Whole-frame bytes per wire type id, 0 for ids v1.0 does not know: the per-frame
    /// lookups read this flat table instead of copying a plan (and retaining its arrays).
    static let frameSizeByTypeID: [Int] = byTypeID.map { $0?.frameSize ?? 0 }

    /// Whether a type has zero ranges to check, per wire type id.
    static let hasZeroRangesByTypeID: [Bool] = byTypeID.map { !($0?.zeroRanges.isEmpty ?? true) }

    /// Whether the body's zero ranges are all zero.
    func hasZeroPadding(_ body: UnsafeRawBufferPointer) -> Bool {
        for range in zeroRanges {
            for byte in range where body[byte] != 0 { return false }
        }
        return true
    }

    /// Checks that the columns and zero ranges tile the body exactly once; for tests and
    /// debug builds.
    func checkInvariants() {
        var seen = [Int](repeating: 0, count: bodySize)
        for column in columns {
            precondition([1, 2, 4, 8].contains(column.size), "column size \(column.size)")
            for byte in column.offset..<column.offset + column.size { seen[byte] += 1 }
        }
        for range in zeroRanges {
            for byte in range { seen[byte] += 1 }
        }
        precondition(seen.allSatisfy { $0 == 1 }, "\(type.schemaName): columns and zero ranges must tile the body")
        precondition(storedBytes == columns.reduce(0) { $0 + $1.size })
    }
}
