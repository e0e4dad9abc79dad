import FleetProtocol

extension ChunkCodec {
    /// Decodes a columnar blob: unpacks the payload, rebuilds every type's bodies from their
    /// columns into one buffer of whole-frame slots, then walks the kinds in stored order,
    /// writing each slot's header and CRC just before handing it out. Two allocations per
    /// blob (payload, slots), none per frame.
    static func forEachColumnarFrame(
        in blob: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var header = ChunkByteReader(blob, section: "blob header")
        let version = try header.u8()
        guard version == formatVersion else {
            throw StorageError(
                .corruptRow,
                "columnar chunk: format version \(version), this build reads \(formatVersion)"
            )
        }
        let compressionByte = try header.u8()
        guard let compression = Compression(rawValue: compressionByte) else {
            throw StorageError(.corruptRow, "columnar chunk: unknown compression \(compressionByte)")
        }
        let payloadLength = Int(try header.u32())
        let data = try header.bytes(header.remaining)
        let limit = min(maximumPayloadSize, compression == .stored ? data.count : data.count * maximumExpansion)
        guard payloadLength <= limit else {
            throw StorageError(
                .corruptRow,
                "columnar chunk: declares a \(payloadLength)-byte payload in \(data.count) bytes (limit \(limit))"
            )
        }
        let payload = UnsafeMutableRawBufferPointer.allocate(byteCount: max(payloadLength, 1), alignment: 8)
        defer { payload.deallocate() }
        let filled = UnsafeMutableRawBufferPointer(rebasing: payload[..<payloadLength])
        switch compression {
        case .stored:
            guard data.count == payloadLength else {
                throw StorageError(
                    .corruptRow,
                    "columnar chunk: stored payload is \(data.count) bytes, header says \(payloadLength)"
                )
            }
            filled.copyMemory(from: data)
        case .zstd:
            try Zstd.decompress(data, into: filled)
        }
        try forEachFrame(inPayload: UnsafeRawBufferPointer(filled), body)
    }

    /// The payload's sections, located and checked against each other before any frame is
    /// rebuilt.
    private struct Sections {
        var template = Template()
        var kinds = UnsafeRawBufferPointer(start: nil, count: 0)
        var flags = UnsafeRawBufferPointer(start: nil, count: 0)
        var sequences: ChunkByteReader
        var timestamps: ChunkByteReader
        var raw: ChunkByteReader
        var typeCounts = [Int](repeating: 0, count: 256)
        /// Where each type's column section starts in the payload.
        var columnStarts = [Int](repeating: 0, count: 256)
    }

    private static func sections(of payload: UnsafeRawBufferPointer) throws -> Sections {
        var h = ChunkByteReader(payload, section: "payload header")
        var template = Template()
        template.robotID = try h.u32()
        template.bootEpoch = try h.u32()
        template.versionMajor = try h.u8()
        template.versionMinor = try h.u8()
        let frameCount = Int(try h.u32())
        let sequenceBytes = Int(try h.u32())
        let timestampBytes = Int(try h.u32())
        let rawBytes = Int(try h.u32())
        var kindReader = ChunkByteReader(payload, from: h.offset, section: "kind stream")
        let kinds = try kindReader.bytes(frameCount)
        var typeCounts = [Int](repeating: 0, count: 256)
        for kind in kinds { typeCounts[Int(kind)] += 1 }
        let plans = ChunkColumnPlan.byTypeID
        for typeID in 1..<256 where typeCounts[typeID] > 0 && plans[typeID] == nil {
            throw StorageError(
                .corruptRow,
                "columnar chunk: kind stream names message type \(typeID), which has no columns"
            )
        }
        let columnarCount = frameCount - typeCounts[Int(rawKind)]
        var flagReader = ChunkByteReader(payload, from: kindReader.offset, section: "flag stream")
        let flags = try flagReader.bytes(columnarCount)
        var cursor = flagReader.offset
        func section(_ length: Int, _ name: StaticString) throws -> ChunkByteReader {
            guard length <= payload.count - cursor else {
                throw StorageError(
                    .corruptRow,
                    "columnar chunk: \(name) declares \(length) bytes at byte \(cursor) of a \(payload.count)-byte payload"
                )
            }
            defer { cursor += length }
            return ChunkByteReader(payload, from: cursor, to: cursor + length, section: name)
        }
        let sequences = try section(sequenceBytes, "sequence stream")
        let timestamps = try section(timestampBytes, "timestamp stream")
        let raw = try section(rawBytes, "raw frames")
        var result = Sections(sequences: sequences, timestamps: timestamps, raw: raw)
        result.template = template
        result.kinds = kinds
        result.flags = flags
        result.typeCounts = typeCounts
        for typeID in 1..<256 where typeCounts[typeID] > 0 {
            let plan = plans[typeID]!
            let length = plan.columns.count + typeCounts[typeID] * plan.storedBytes
            guard length <= payload.count - cursor else {
                throw StorageError(
                    .corruptRow,
                    "columnar chunk: \(plan.type.schemaName) columns need \(length) bytes at byte \(cursor) of \(payload.count)"
                )
            }
            result.columnStarts[typeID] = cursor
            cursor += length
        }
        guard cursor == payload.count else {
            throw StorageError(.corruptRow, "columnar chunk: \(payload.count - cursor) bytes after the last column")
        }
        return result
    }

    private static func forEachFrame(
        inPayload payload: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var s = try sections(of: payload)
        let plans = ChunkColumnPlan.byTypeID
        // One whole-frame slot per columnar frame, grouped by type. Bounded: every columnar
        // frame has a kind byte in the payload, and a slot is at most the largest frame.
        var slotStarts = [Int](repeating: 0, count: 256)
        var slotBytes = 0
        for typeID in 1..<256 where s.typeCounts[typeID] > 0 {
            slotStarts[typeID] = slotBytes
            slotBytes += s.typeCounts[typeID] * plans[typeID]!.frameSize
        }
        let slots = UnsafeMutableRawBufferPointer.allocate(byteCount: max(slotBytes, 1), alignment: 8)
        defer { slots.deallocate() }
        slots.initializeMemory(as: UInt8.self, repeating: 0)
        for typeID in 1..<256 where s.typeCounts[typeID] > 0 {
            try rebuildBodies(
                plans[typeID]!,
                count: s.typeCounts[typeID],
                columns: payload.baseAddress! + s.columnStarts[typeID],
                into: slots.baseAddress! + slotStarts[typeID]
            )
        }

        let template = s.template
        let frameSizes = ChunkColumnPlan.frameSizeByTypeID
        var clocks = TimestampClocks()
        var previousSequence: UInt32 = 0
        var previousDelta: Int32 = 0
        var columnar = 0
        for kind in s.kinds {
            if kind == rawKind {
                let length = try s.raw.varint()
                guard length <= UInt64(s.raw.remaining) else {
                    throw StorageError(
                        .corruptRow,
                        "columnar chunk: raw frame of \(length) bytes with \(s.raw.remaining) left"
                    )
                }
                try body(try s.raw.bytes(Int(length)))
                continue
            }
            let frameSize = frameSizes[Int(kind)]
            let flags = s.flags[columnar]
            columnar += 1
            let sequenceDoD = unzigzag(try s.sequences.varint())
            guard let dod = Int32(exactly: sequenceDoD) else {
                throw StorageError(
                    .corruptRow,
                    "columnar chunk: sequence delta-of-delta \(sequenceDoD) is out of range"
                )
            }
            let delta = previousDelta &+ dod
            let sequence = previousSequence &+ UInt32(bitPattern: delta)
            previousDelta = delta
            previousSequence = sequence
            let timestamp = clocks.timestamp(fromDeltaOfDelta: unzigzag(try s.timestamps.varint()), type: kind)

            let slot = slots.baseAddress! + slotStarts[Int(kind)]
            slotStarts[Int(kind)] += frameSize
            let header = RebuiltHeader(kind: kind, flags: flags, sequence: sequence, timestamp: timestamp)
            writeHeaderAndTrailer(header, template: template, frameSize: frameSize, into: slot)
            try body(UnsafeRawBufferPointer(start: slot, count: frameSize))
        }
        try s.sequences.expectEnd()
        try s.timestamps.expectEnd()
        try s.raw.expectEnd()
    }

    /// What differs between a columnar chunk's frames in their headers.
    private struct RebuiltHeader {
        var kind: UInt8
        var flags: UInt8
        var sequence: UInt32
        var timestamp: UInt64
    }

    /// Writes a rebuilt frame's header (the chunk's template and the frame's own fields)
    /// and its CRC trailer around the body already in `slot`.
    @inline(__always)
    private static func writeHeaderAndTrailer(
        _ header: RebuiltHeader,
        template: Template,
        frameSize: Int,
        into slot: UnsafeMutableRawPointer
    ) {
        slot.storeBytes(of: FrameHeader.magic.littleEndian, toByteOffset: 0, as: UInt16.self)
        slot.storeBytes(of: template.versionMajor, toByteOffset: 2, as: UInt8.self)
        slot.storeBytes(of: header.kind, toByteOffset: 3, as: UInt8.self)
        slot.storeBytes(of: template.versionMinor, toByteOffset: 4, as: UInt8.self)
        slot.storeBytes(of: header.flags, toByteOffset: 5, as: UInt8.self)
        slot.storeBytes(of: UInt16(FrameHeader.size).littleEndian, toByteOffset: 6, as: UInt16.self)
        slot.storeBytes(of: template.robotID.littleEndian, toByteOffset: 8, as: UInt32.self)
        slot.storeBytes(of: template.bootEpoch.littleEndian, toByteOffset: 12, as: UInt32.self)
        slot.storeBytes(of: header.sequence.littleEndian, toByteOffset: 16, as: UInt32.self)
        let bodyLength = UInt32(frameSize - FrameHeader.size - FrameHeader.trailerSize)
        slot.storeBytes(of: bodyLength.littleEndian, toByteOffset: 20, as: UInt32.self)
        slot.storeBytes(of: header.timestamp.littleEndian, toByteOffset: 24, as: UInt64.self)
        let crcOffset = frameSize - FrameHeader.trailerSize
        let crc = CRC32.checksum(UnsafeRawBufferPointer(start: slot, count: crcOffset))
        slot.storeBytes(of: crc.littleEndian, toByteOffset: crcOffset, as: UInt32.self)
    }

    /// Undoes the byte planes and the column transforms of one type's section, writing each
    /// value into its body in the frame slots.
    private static func rebuildBodies(
        _ plan: ChunkColumnPlan,
        count: Int,
        columns: UnsafeRawPointer,
        into slots: UnsafeMutableRawPointer
    ) throws {
        var planes = columns + plan.columns.count
        for (j, column) in plan.columns.enumerated() {
            let transformByte = columns.load(fromByteOffset: j, as: UInt8.self)
            guard let transform = ColumnTransform(rawValue: transformByte) else {
                throw StorageError(
                    .corruptRow,
                    "columnar chunk: \(plan.type.schemaName) column \(j) has unknown transform \(transformByte)"
                )
            }
            let target = slots + FrameHeader.size + column.offset
            switch column.size {
            case 1: transform.decode(UInt8.self, count: count, planes: planes, into: target, stride: plan.frameSize)
            case 2: transform.decode(UInt16.self, count: count, planes: planes, into: target, stride: plan.frameSize)
            case 4: transform.decode(UInt32.self, count: count, planes: planes, into: target, stride: plan.frameSize)
            default: transform.decode(UInt64.self, count: count, planes: planes, into: target, stride: plan.frameSize)
            }
            planes += count * column.size
        }
    }
}
