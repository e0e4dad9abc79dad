/// Builds v1.0 frames: header, body, CRC-32 trailer; byte for byte what the Python
/// reference encoder writes.
///
/// The encoder does not validate values: a NaN where the schema forbids one is
/// written as given, and a receiver rejects it. That keeps the hot sender path free
/// of checks and lets tests and fault injection build bad frames.
public enum FrameEncoder {
    /// A complete frame for `message`, version 1.0, header length 32.
    public static func encode(
        _ message: Message,
        robotID: UInt32,
        bootEpoch: UInt32,
        sequence: UInt32,
        timestampNanoseconds: UInt64,
        flags: UInt8 = 0
    ) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: message.type.frameSize) { buffer, initialized in
            initialized = encode(
                message,
                robotID: robotID,
                bootEpoch: bootEpoch,
                sequence: sequence,
                timestampNanoseconds: timestampNanoseconds,
                flags: flags,
                into: UnsafeMutableRawBufferPointer(buffer)
            )
        }
    }

    /// Writes a complete frame for `message` to the start of `buffer` and returns its
    /// length, for senders that reuse one buffer and must not allocate.
    ///
    /// - Precondition: `buffer.count >= message.type.frameSize`
    ///   (`MessageType.maximumFrameSize` fits every type).
    @discardableResult
    public static func encode(
        _ message: Message,
        robotID: UInt32,
        bootEpoch: UInt32,
        sequence: UInt32,
        timestampNanoseconds: UInt64,
        flags: UInt8 = 0,
        into buffer: UnsafeMutableRawBufferPointer
    ) -> Int {
        let type = message.type
        precondition(
            buffer.count >= type.frameSize,
            "buffer of \(buffer.count) bytes for a \(type.frameSize)-byte frame"
        )
        let header = FrameHeader(
            messageType: type.rawValue,
            flags: flags,
            robotID: robotID,
            bootEpoch: bootEpoch,
            sequence: sequence,
            bodyLength: UInt32(type.bodySize),
            timestampNanoseconds: timestampNanoseconds
        )
        writeHeader(header, into: buffer)
        let bodyEnd = FrameHeader.size + type.bodySize
        let body = UnsafeMutableRawBufferPointer(rebasing: buffer[FrameHeader.size..<bodyEnd])
        body.initializeMemory(as: UInt8.self, repeating: 0)
        message.write(to: BodyWriter(bytes: body))
        appendChecksum(into: buffer, at: bodyEnd)
        return bodyEnd + FrameHeader.trailerSize
    }

    /// The body bytes of `message` alone (`message.type.bodySize` of them).
    public static func encodeBody(_ message: Message) -> [UInt8] {
        [UInt8](repeating: 0, count: message.type.bodySize).withUnsafeMutableBytesReturningSelf { bytes in
            message.write(to: BodyWriter(bytes: bytes))
        }
    }

    /// A frame with exactly the given header fields and body bytes, checksum appended.
    ///
    /// Nothing is checked or corrected (`bodyLength` need not match `body`), so tests,
    /// simulators and fault injection can build frames a newer version, or a broken
    /// sender, would send.
    public static func encode(header: FrameHeader, body: some Collection<UInt8>) -> [UInt8] {
        let headerBytes = max(FrameHeader.size, Int(header.headerLength))
        var frame = [UInt8](repeating: 0, count: headerBytes)
        frame.withUnsafeMutableBytes { writeHeader(header, into: $0) }
        frame.append(contentsOf: body)
        let checksum = CRC32.checksum(frame)
        withUnsafeBytes(of: checksum.littleEndian) { frame.append(contentsOf: $0) }
        return frame
    }

    /// Writes the 32 header bytes; bytes past 32 (a longer `headerLength`) are left alone.
    public static func writeHeader(_ header: FrameHeader, into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= FrameHeader.size)
        buffer.storeBytes(of: FrameHeader.magic.littleEndian, toByteOffset: 0, as: UInt16.self)
        buffer[2] = header.versionMajor
        buffer[3] = header.messageType
        buffer[4] = header.versionMinor
        buffer[5] = header.flags
        buffer.storeBytes(of: header.headerLength.littleEndian, toByteOffset: 6, as: UInt16.self)
        buffer.storeBytes(of: header.robotID.littleEndian, toByteOffset: 8, as: UInt32.self)
        buffer.storeBytes(of: header.bootEpoch.littleEndian, toByteOffset: 12, as: UInt32.self)
        buffer.storeBytes(of: header.sequence.littleEndian, toByteOffset: 16, as: UInt32.self)
        buffer.storeBytes(of: header.bodyLength.littleEndian, toByteOffset: 20, as: UInt32.self)
        buffer.storeBytes(of: header.timestampNanoseconds.littleEndian, toByteOffset: 24, as: UInt64.self)
    }

    private static func appendChecksum(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        let checksum = CRC32.checksum(UnsafeRawBufferPointer(rebasing: buffer[..<offset]))
        buffer.storeBytes(of: checksum.littleEndian, toByteOffset: offset, as: UInt32.self)
    }
}

extension Array where Element == UInt8 {
    fileprivate consuming func withUnsafeMutableBytesReturningSelf(
        _ body: (UnsafeMutableRawBufferPointer) -> Void
    ) -> [UInt8] {
        withUnsafeMutableBytes(body)
        return self
    }
}
