import FleetProtocol

extension ChunkCodec {
    /// Knobs the measurements compare; `encode(lengthPrefixed:)` uses `standard`.
    struct Options: Sendable {
        /// zstd level of the payload. 1, not 3: on the simulator's frames level 3 saves 2 % of
        /// the bytes but costs a fifth of the encode speed on the pipeline's hot thread
        /// (scripts/codec-bench.sh); the size target is met with a wide margin either way.
        var level: Int32 = 1
        /// Whether columns are XOR/delta transformed (false: stored as they are, to measure
        /// what the transform buys).
        var transformsColumns = true

        static let standard = Options()
    }

    /// The encoder's view of the input: every frame's place and its kind (a message type id,
    /// or `rawKind`), plus the chunk's constant header fields.
    struct Inventory {
        var starts: [Int] = []
        var lengths: [Int] = []
        var kinds: [UInt8] = []
        var template = Template()
        var canonicalCount = 0
        var rawBytes = 0
        /// Frames per type id.
        var typeCounts = [Int](repeating: 0, count: 256)

        var frameCount: Int { kinds.count }
    }

    /// The header fields stored once per chunk.
    struct Template: Equatable {
        var robotID: UInt32 = 0
        var bootEpoch: UInt32 = 0
        var versionMajor: UInt8 = 0
        var versionMinor: UInt8 = 0
    }

    /// Walks a `FrameChunk` blob and classifies every frame. A malformed tail (a length running
    /// past the end, which `FrameChunk.append` never writes) is kept as one last raw frame of
    /// the bytes that are there, so encoding never traps and never drops bytes.
    static func inventory(of input: UnsafeRawBufferPointer) -> Inventory {
        var inventory = Inventory()
        let estimate = input.count / 100 + 1
        inventory.starts.reserveCapacity(estimate)
        inventory.lengths.reserveCapacity(estimate)
        inventory.kinds.reserveCapacity(estimate)
        var offset = 0
        var haveTemplate = false
        while offset < input.count {
            var start = offset + 4
            var length = 0
            if input.count - offset >= 4 {
                length = Int(UInt32(littleEndian: input.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            }
            if input.count - offset < 4 || input.count - start < length {
                start = offset
                length = input.count - offset
            }
            let frame = UnsafeRawBufferPointer(rebasing: input[start..<start + length])
            if !haveTemplate, length >= FrameHeader.size {
                // The first frame that would be columnar under its own header fields sets
                // them for the chunk, so one stray frame in front does not make all raw.
                let candidate = Template(
                    robotID: UInt32(littleEndian: frame.loadUnaligned(fromByteOffset: 8, as: UInt32.self)),
                    bootEpoch: UInt32(littleEndian: frame.loadUnaligned(fromByteOffset: 12, as: UInt32.self)),
                    versionMajor: frame[2],
                    versionMinor: frame[4]
                )
                if canonicalKind(of: frame, template: candidate) != rawKind {
                    haveTemplate = true
                    inventory.template = candidate
                }
            }
            let kind = canonicalKind(of: frame, template: inventory.template)
            inventory.starts.append(start)
            inventory.lengths.append(length)
            inventory.kinds.append(kind)
            if kind == rawKind {
                inventory.rawBytes += length
            } else {
                inventory.canonicalCount += 1
                inventory.typeCounts[Int(kind)] += 1
            }
            offset = start + length
        }
        return inventory
    }

    /// The frame's message type id if the columns rebuild it byte for byte, else `rawKind`.
    @inline(__always)
    static func canonicalKind(of frame: UnsafeRawBufferPointer, template: Template) -> UInt8 {
        guard frame.count >= FrameHeader.size + FrameHeader.trailerSize else { return rawKind }
        let typeID = frame[3]
        let frameSize = ChunkColumnPlan.frameSizeByTypeID[Int(typeID)]
        guard frameSize != 0, frame.count == frameSize,
            UInt16(littleEndian: frame.loadUnaligned(fromByteOffset: 0, as: UInt16.self)) == FrameHeader.magic,
            frame[2] == template.versionMajor, frame[4] == template.versionMinor,
            UInt16(littleEndian: frame.loadUnaligned(fromByteOffset: 6, as: UInt16.self)) == UInt16(FrameHeader.size),
            UInt32(littleEndian: frame.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) == template.robotID,
            UInt32(littleEndian: frame.loadUnaligned(fromByteOffset: 12, as: UInt32.self)) == template.bootEpoch,
            UInt32(littleEndian: frame.loadUnaligned(fromByteOffset: 20, as: UInt32.self))
                == UInt32(frameSize - FrameHeader.size - FrameHeader.trailerSize)
        else { return rawKind }
        let crcOffset = frameSize - FrameHeader.trailerSize
        if ChunkColumnPlan.hasZeroRangesByTypeID[Int(typeID)] {
            let body = UnsafeRawBufferPointer(rebasing: frame[FrameHeader.size..<crcOffset])
            guard ChunkColumnPlan.byTypeID[Int(typeID)]!.hasZeroPadding(body) else { return rawKind }
        }
        let trailer = UInt32(littleEndian: frame.loadUnaligned(fromByteOffset: crcOffset, as: UInt32.self))
        guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: frame[..<crcOffset])) == trailer else { return rawKind }
        return typeID
    }

    /// The uncompressed payload (see `ChunkCodec`'s format description).
    static func payload(of input: UnsafeRawBufferPointer, _ inventory: Inventory, options: Options) -> [UInt8] {
        let plans = ChunkColumnPlan.byTypeID
        var capacity = payloadHeaderSize + inventory.frameCount + inventory.canonicalCount * (1 + 5 + 10)
        capacity += inventory.rawBytes + (inventory.frameCount - inventory.canonicalCount) * 10
        for typeID in 0..<256 where inventory.typeCounts[typeID] > 0 {
            let plan = plans[typeID]!
            capacity += plan.columns.count + inventory.typeCounts[typeID] * plan.storedBytes
        }
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            var w = ChunkByteWriter(UnsafeMutableRawPointer(buffer.baseAddress!))
            writeStreams(input, inventory, into: &w)
            writeColumns(input, inventory, options: options, into: &w)
            precondition(w.offset <= capacity, "columnar payload overran its bound")
            initialized = w.offset
        }
    }

    /// Header, kind and flag bytes, the sequence and timestamp streams and the raw frames.
    private static func writeStreams(
        _ input: UnsafeRawBufferPointer,
        _ inventory: Inventory,
        into w: inout ChunkByteWriter
    ) {
        let template = inventory.template
        w.u32(template.robotID)
        w.u32(template.bootEpoch)
        w.u8(template.versionMajor)
        w.u8(template.versionMinor)
        w.u32(UInt32(inventory.frameCount))
        let lengthsAt = w.offset
        w.offset += 12
        for kind in inventory.kinds { w.u8(kind) }
        for i in 0..<inventory.frameCount where inventory.kinds[i] != rawKind {
            w.u8(input[inventory.starts[i] + 5])
        }
        // Sequence: delta-of-delta over all columnar frames, zigzag varints.
        let sequenceStart = w.offset
        var previousSequence: UInt32 = 0
        var previousDelta: Int32 = 0
        for i in 0..<inventory.frameCount where inventory.kinds[i] != rawKind {
            let sequence = UInt32(
                littleEndian: input.loadUnaligned(fromByteOffset: inventory.starts[i] + 16, as: UInt32.self)
            )
            let delta = Int32(bitPattern: sequence &- previousSequence)
            w.varint(zigzag(Int64(delta &- previousDelta)))
            previousSequence = sequence
            previousDelta = delta
        }
        // Timestamps: delta-of-delta per message type, so 10 Hz state stays 0s between events.
        let timestampStart = w.offset
        var clocks = TimestampClocks()
        for i in 0..<inventory.frameCount where inventory.kinds[i] != rawKind {
            let timestamp = UInt64(
                littleEndian: input.loadUnaligned(fromByteOffset: inventory.starts[i] + 24, as: UInt64.self)
            )
            w.varint(zigzag(clocks.deltaOfDelta(timestamp, type: inventory.kinds[i])))
        }
        let rawStart = w.offset
        for i in 0..<inventory.frameCount where inventory.kinds[i] == rawKind {
            w.varint(UInt64(inventory.lengths[i]))
            w.bytes(
                UnsafeRawBufferPointer(
                    rebasing: input[inventory.starts[i]..<inventory.starts[i] + inventory.lengths[i]]
                )
            )
        }
        let rawEnd = w.offset
        w.base.storeBytes(
            of: UInt32(timestampStart - sequenceStart).littleEndian,
            toByteOffset: lengthsAt,
            as: UInt32.self
        )
        w.base.storeBytes(
            of: UInt32(rawStart - timestampStart).littleEndian,
            toByteOffset: lengthsAt + 4,
            as: UInt32.self
        )
        w.base.storeBytes(of: UInt32(rawEnd - rawStart).littleEndian, toByteOffset: lengthsAt + 8, as: UInt32.self)
    }

    /// For each message type present (ascending id): one transform byte per column, then each
    /// column's transformed values as byte planes (all low bytes, then the next, ...), so the
    /// bytes that rarely change sit together for zstd.
    private static func writeColumns(
        _ input: UnsafeRawBufferPointer,
        _ inventory: Inventory,
        options: Options,
        into w: inout ChunkByteWriter
    ) {
        // Frame indices grouped by type, arrival order kept within a type (a counting sort).
        var next = [Int](repeating: 0, count: 256)
        var sum = 0
        for typeID in 0..<256 {
            next[typeID] = sum
            sum += inventory.typeCounts[typeID]
        }
        var order = [Int](repeating: 0, count: sum)
        for i in 0..<inventory.frameCount where inventory.kinds[i] != rawKind {
            let typeID = Int(inventory.kinds[i])
            order[next[typeID]] = inventory.starts[i] + FrameHeader.size
            next[typeID] += 1
        }
        let base = input.baseAddress!
        order.withUnsafeBufferPointer { order in
            var first = 0
            for typeID in 0..<256 where inventory.typeCounts[typeID] > 0 {
                let count = inventory.typeCounts[typeID]
                let bodies = UnsafeBufferPointer(rebasing: order[first..<first + count])
                first += count
                let plan = ChunkColumnPlan.byTypeID[typeID]!
                let transformsAt = w.offset
                w.offset += plan.columns.count
                for (j, column) in plan.columns.enumerated() {
                    let source = base + column.offset
                    let planes = w.base + w.offset
                    let transform: ColumnTransform
                    switch column.size {
                    case 1:
                        transform = ColumnTransform.encode(UInt8.self, source, bodies, options, column, into: planes)
                    case 2:
                        transform = ColumnTransform.encode(UInt16.self, source, bodies, options, column, into: planes)
                    case 4:
                        transform = ColumnTransform.encode(UInt32.self, source, bodies, options, column, into: planes)
                    default:
                        transform = ColumnTransform.encode(UInt64.self, source, bodies, options, column, into: planes)
                    }
                    w.base.storeBytes(of: transform.rawValue, toByteOffset: transformsAt + j, as: UInt8.self)
                    w.offset += count * column.size
                }
            }
        }
    }

    @inline(__always)
    static func loadValue(_ pointer: UnsafeRawPointer, size: Int) -> UInt64 {
        switch size {
        case 1: UInt64(pointer.load(as: UInt8.self))
        case 2: UInt64(UInt16(littleEndian: pointer.loadUnaligned(as: UInt16.self)))
        case 4: UInt64(UInt32(littleEndian: pointer.loadUnaligned(as: UInt32.self)))
        default: UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self))
        }
    }
}
