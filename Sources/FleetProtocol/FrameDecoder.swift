/// Checks and decodes frames in place, in the order the protocol fixes for its error
/// codes (see `ProtocolError.Code`), the same order as the Python reference.
///
/// Nothing here allocates on the success path: the frame is read with `loadUnaligned`
/// straight from the caller's buffer, messages are stored inline, and errors are thrown
/// typed, so a receiver thread can check every frame without touching the heap.
public enum FrameDecoder {
    /// Validates everything a receiver checks before queueing a frame: size, magic,
    /// version, lengths, checksum, a known message type and its body length. Fields
    /// are not looked at; `decode` or `decodeMessage` does that.
    public static func decodeHeader(_ bytes: UnsafeRawBufferPointer) throws(ProtocolError) -> FrameHeader {
        let count = bytes.count
        guard count <= FrameHeader.maximumFrameSize else {
            throw ProtocolError(
                code: .oversized,
                detail: .frameOverLimit(count: count, limit: FrameHeader.maximumFrameSize)
            )
        }
        guard count >= FrameHeader.size else {
            throw ProtocolError(
                code: .truncatedHeader,
                detail: .frameShorterThanHeader(count: count, needs: FrameHeader.size)
            )
        }
        let header = readHeader(bytes)
        guard count >= Int(header.headerLength) else {
            throw ProtocolError(
                code: .truncatedHeader,
                detail: .frameShorterThanHeaderLength(count: count, headerLength: header.headerLength)
            )
        }
        let magic = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt16.self))
        guard magic == FrameHeader.magic else {
            throw ProtocolError(
                code: .badMagic,
                detail: .magic(bytes[0], bytes[1])
            )
        }
        guard header.versionMajor == FrameHeader.currentVersionMajor else {
            throw ProtocolError(
                code: .unsupportedVersion,
                detail: .majorVersion(header.versionMajor, known: FrameHeader.currentVersionMajor)
            )
        }
        guard Int(header.headerLength) >= FrameHeader.size else {
            throw ProtocolError(
                code: .badHeaderLength,
                detail: .headerLengthBelow(header.headerLength, minimum: FrameHeader.size)
            )
        }
        guard header.versionMinor > FrameHeader.currentVersionMinor || Int(header.headerLength) == FrameHeader.size
        else {
            throw ProtocolError(
                code: .badHeaderLength,
                detail: .headerExtendedByOldMinor(headerLength: header.headerLength, minor: header.versionMinor)
            )
        }
        let expected = header.frameLength
        guard count >= expected else {
            throw ProtocolError(
                code: .truncatedBody,
                detail: .frameShorterThanBody(count: count, expected: expected, bodyLength: header.bodyLength)
            )
        }
        guard count <= expected else {
            throw ProtocolError(
                code: .lengthMismatch,
                detail: .frameLongerThanBody(count: count, expected: expected)
            )
        }
        let checked = expected - FrameHeader.trailerSize
        let trailer = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: checked, as: UInt32.self))
        let computed = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[..<checked]))
        guard trailer == computed else {
            throw ProtocolError(
                code: .badChecksum,
                detail: .checksum(trailer: trailer, computed: computed)
            )
        }
        try checkSenderAndTime(header)
        guard let type = header.knownMessageType else {
            throw ProtocolError(
                code: .unknownMessageType,
                detail: .unknownMessageType(header.messageType),
                header: header
            )
        }
        try checkBodyLength(header, type)
        return header
    }

    /// The header checks after the checksum: who may send (robot id 0 never does; the
    /// ingester's 0xFFFFFFFF only sends `ack`) and the timestamp range.
    static func checkSenderAndTime(_ header: FrameHeader) throws(ProtocolError) {
        if header.robotID == 0
            || (header.robotID == FrameHeader.ingesterRobotID && header.messageType != MessageType.ack.rawValue)
        {
            throw ProtocolError(
                code: .invalidRobotID,
                detail: header.robotID == 0 ? .robotIDZero : .ingesterSendsOnlyAcks(messageType: header.messageType),
                header: header
            )
        }
        guard header.timestampNanoseconds <= FrameHeader.maximumTimestamp else {
            throw ProtocolError(
                code: .invalidTimestamp,
                detail: .timestampAboveMaximum(header.timestampNanoseconds),
                header: header
            )
        }
    }

    /// Validates and decodes a whole frame, fields included.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(ProtocolError) -> Frame {
        let header = try decodeHeader(bytes)
        return Frame(header: header, message: try decodeMessage(of: header, in: bytes))
    }

    /// Validates and decodes a whole frame held in an array.
    public static func decode(_ bytes: [UInt8]) throws(ProtocolError) -> Frame {
        // `withUnsafeBytes` rethrows untyped, so carry the typed error out in a Result.
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(ProtocolError) -> Frame in try decode(buffer) }
        }
        return try result.get()
    }

    /// Decodes and validates the fields of a frame that `decodeHeader` already accepted
    /// (the pipeline's half of the work), without checking the checksum again.
    ///
    /// Body bytes past the type's size (a newer minor version's appended fields) are
    /// ignored.
    public static func decodeMessage(
        of header: FrameHeader,
        in frame: UnsafeRawBufferPointer
    ) throws(ProtocolError) -> Message {
        guard let type = header.knownMessageType else {
            throw ProtocolError(
                code: .unknownMessageType,
                detail: .unknownMessageType(header.messageType),
                header: header
            )
        }
        try checkBodyLength(header, type)
        let start = Int(header.headerLength)
        guard frame.count >= start + type.bodySize else {
            throw ProtocolError(
                code: .truncatedBody,
                messageType: type.schemaName,
                detail: .frameShorterThanType(count: frame.count, needs: start + type.bodySize),
                header: header
            )
        }
        let body = UnsafeRawBufferPointer(rebasing: frame[start..<(start + type.bodySize)])
        return try Message.decode(type, from: BodyReader(bytes: body, messageType: type, header: header))
    }

    // MARK: Helpers

    /// A newer minor may append fields (longer bodies); v1.0 and older must match exactly.
    private static func checkBodyLength(_ header: FrameHeader, _ type: MessageType) throws(ProtocolError) {
        let length = Int(header.bodyLength)
        if header.versionMinor <= FrameHeader.currentVersionMinor {
            guard length == type.bodySize else {
                throw ProtocolError(
                    code: .badBodyLength,
                    messageType: type.schemaName,
                    detail: .bodyLengthNotTypeSize(length, size: type.bodySize),
                    header: header
                )
            }
        } else {
            guard length >= type.bodySize else {
                throw ProtocolError(
                    code: .badBodyLength,
                    messageType: type.schemaName,
                    detail: .bodyLengthBelowTypeSize(length, size: type.bodySize),
                    header: header
                )
            }
        }
    }

    /// The 32 header bytes as fields; the caller has checked there are 32.
    @inline(__always)
    static func readHeader(_ bytes: UnsafeRawBufferPointer) -> FrameHeader {
        FrameHeader(
            versionMajor: bytes[2],
            messageType: bytes[3],
            versionMinor: bytes[4],
            flags: bytes[5],
            headerLength: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 6, as: UInt16.self)),
            robotID: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)),
            bootEpoch: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self)),
            sequence: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt32.self)),
            bodyLength: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 20, as: UInt32.self)),
            timestampNanoseconds: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        )
    }
}
