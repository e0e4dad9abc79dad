import Testing

@testable import FleetProtocol

/// Frame-level checks (everything before the fields), in the protocol's order.
struct FrameDecoderTests {
    static let fault = Message.fault(Fault(code: 2, severity: .warning, active: true))

    /// A valid fault frame with header fields changed and the checksum recomputed.
    static func frame(
        type: UInt8 = MessageType.fault.rawValue,
        major: UInt8 = 1,
        minor: UInt8 = 0,
        headerLength: UInt16 = 32,
        bodyLength: UInt32? = nil,
        body: [UInt8] = FrameEncoder.encodeBody(fault)
    ) -> [UInt8] {
        let header = FrameHeader(
            versionMajor: major,
            messageType: type,
            versionMinor: minor,
            headerLength: headerLength,
            robotID: 42,
            bootEpoch: 3,
            sequence: 101,
            bodyLength: bodyLength ?? UInt32(body.count),
            timestampNanoseconds: 1
        )
        return FrameEncoder.encode(header: header, body: body)
    }

    struct Case: CustomStringConvertible, Sendable {
        var description: String
        var bytes: [UInt8]
        var code: ProtocolError.Code
        var messageType: String? = nil
    }

    static let cases: [Case] = {
        let good = frame()
        var badTrailer = good
        badTrailer[badTrailer.count - 1] ^= 0x01
        var badBody = good
        badBody[33] ^= 0x80
        var badMagicAndCRC = good
        badMagicAndCRC[0] = UInt8(ascii: "f")
        var unknownBadCRC = frame(type: 0x7F, body: [1, 2, 3, 4])
        unknownBadCRC[unknownBadCRC.count - 2] ^= 0xFF
        var magicFX = frame()
        magicFX[1] = UInt8(ascii: "X")
        return [
            Case(description: "empty", bytes: [], code: .truncatedHeader),
            Case(description: "31 bytes", bytes: Array(good[..<31]), code: .truncatedHeader),
            Case(description: "one byte over the limit", bytes: [UInt8](repeating: 0, count: 65537), code: .oversized),
            Case(
                description: "header_length 64 in a 36-byte frame",
                bytes: Array(frame(minor: 1, headerLength: 64, bodyLength: 0, body: [])[..<36]),
                code: .truncatedHeader
            ),
            Case(description: "magic FX", bytes: magicFX, code: .badMagic),
            Case(description: "bad magic is checked before the checksum", bytes: badMagicAndCRC, code: .badMagic),
            Case(description: "major 0", bytes: frame(major: 0), code: .unsupportedVersion),
            Case(description: "major 2", bytes: frame(major: 2), code: .unsupportedVersion),
            Case(description: "header_length 16", bytes: frame(headerLength: 16), code: .badHeaderLength),
            Case(description: "header_length 31", bytes: frame(headerLength: 31), code: .badHeaderLength),
            Case(description: "trailer missing", bytes: Array(good.dropLast(4)), code: .truncatedBody),
            Case(description: "body_length 0xFFFFFFFF", bytes: frame(bodyLength: .max), code: .truncatedBody),
            Case(description: "3 trailing bytes", bytes: good + [0, 1, 2], code: .lengthMismatch),
            Case(description: "trailer bit flipped", bytes: badTrailer, code: .badChecksum),
            Case(description: "body bit flipped", bytes: badBody, code: .badChecksum),
            Case(description: "unknown type with a bad checksum", bytes: unknownBadCRC, code: .badChecksum),
            Case(description: "type 0", bytes: frame(type: 0, body: []), code: .unknownMessageType),
            Case(description: "type 0x7F", bytes: frame(type: 0x7F, body: [1, 2, 3, 4]), code: .unknownMessageType),
            Case(description: "type 47 (a gap)", bytes: frame(type: 47), code: .unknownMessageType),
            Case(description: "type 255", bytes: frame(type: 255), code: .unknownMessageType),
            Case(
                description: "fault body 8 bytes at minor 0",
                bytes: frame(body: FrameEncoder.encodeBody(fault) + [0, 0, 0, 0]),
                code: .badBodyLength,
                messageType: "fault"
            ),
            Case(
                description: "fault body 3 bytes at minor 0",
                bytes: frame(body: [2, 0, 1]),
                code: .badBodyLength,
                messageType: "fault"
            ),
            Case(
                description: "fault body 2 bytes at minor 1",
                bytes: frame(minor: 1, body: [2, 0]),
                code: .badBodyLength,
                messageType: "fault"
            ),
        ]
    }()

    @Test(arguments: cases)
    func rejectsBrokenFramesWithTheRightCode(_ broken: Case) {
        let error = #expect(throws: ProtocolError.self) { try FrameDecoder.decode(broken.bytes) }
        #expect(error?.code == broken.code)
        #expect(error?.messageType == broken.messageType)
        #expect(error?.field == nil)
        // The receiver's check stops at the same point for every frame-level error.
        let headerError = #expect(throws: ProtocolError.self) {
            try broken.bytes.withUnsafeBytes { buffer in
                Result { () throws(ProtocolError) in try FrameDecoder.decodeHeader(buffer) }
            }.get()
        }
        #expect(headerError == error)
    }

    @Test func unknownTypesCarryTheirHeaderSoTheSequenceCanBeAccounted() throws {
        let error = try #require(throws: ProtocolError.self) {
            try FrameDecoder.decode(Self.frame(type: 0x7F, body: [1, 2]))
        }
        #expect(error.code == .unknownMessageType)
        #expect(error.header?.robotID == 42)
        #expect(error.header?.sequence == 101)
        #expect(error.header?.messageType == 0x7F)
    }

    @Test func frameLevelErrorsBeforeTheChecksumCarryNoHeader() throws {
        var bytes = Self.frame()
        bytes[bytes.count - 1] ^= 1
        let error = try #require(throws: ProtocolError.self) { try FrameDecoder.decode(bytes) }
        #expect(error.header == nil)
    }

    @Test func aNewerMinorMayAppendBodyBytesWhichAreIgnored() throws {
        let body = FrameEncoder.encodeBody(Self.fault) + [0xA0, 0xA1, 0xA2, 0xA3, 0xA4]
        let frame = try FrameDecoder.decode(Self.frame(minor: 1, body: body))
        #expect(frame.message == Self.fault)
        #expect(frame.header.versionMinor == 1)
        #expect(frame.header.bodyLength == 9)
    }

    @Test func aLongerHeaderMovesTheBodyStart() throws {
        let frame = try FrameDecoder.decode(Self.frame(minor: 1, headerLength: 40))
        #expect(frame.message == Self.fault)
        #expect(frame.header.headerLength == 40)
        #expect(frame.header.frameLength == 40 + 4 + 4)
    }

    @Test func theSizeLimitIsInclusive() throws {
        // A 65536-byte sanitation_state frame from a newer minor: 96 known bytes, the rest appended.
        let state = FrameEncoder.encodeBody(
            .sanitationState(
                SanitationState(
                    x: 0,
                    y: 0,
                    energyUsed: 0,
                    distance: 0,
                    areaCleaned: 0,
                    heading: 0,
                    speed: 0,
                    turnRate: 0,
                    brushRpm: 0,
                    suction: 0,
                    waterFlow: 0,
                    hopperFill: 0,
                    cleanWater: 0,
                    dirtyWater: 0,
                    batterySOC: 0,
                    batteryVoltage: 0,
                    batteryCurrent: 0,
                    batteryTemperature: 0,
                    mode: .auto,
                    status: .idle,
                    brushDown: false,
                    spraying: false
                )
            )
        )
        let body = state + [UInt8](repeating: 0x55, count: FrameHeader.maximumFrameSize - 32 - 4 - state.count)
        let bytes = Self.frame(type: MessageType.sanitationState.rawValue, minor: 1, body: body)
        #expect(bytes.count == FrameHeader.maximumFrameSize)
        #expect(try FrameDecoder.decode(bytes).message.type == .sanitationState)
    }

    @Test func decodeMessageRefusesABufferShorterThanTheBody() throws {
        let bytes = Self.frame()
        let header = try bytes.withUnsafeBytes { buffer in
            Result { () throws(ProtocolError) in try FrameDecoder.decodeHeader(buffer) }
        }.get()
        let short = Array(bytes[..<34])
        let error = #expect(throws: ProtocolError.self) {
            try short.withUnsafeBytes { buffer in
                Result { () throws(ProtocolError) in try FrameDecoder.decodeMessage(of: header, in: buffer) }
            }.get()
        }
        #expect(error?.code == .truncatedBody)
    }

    @Test func errorCodesAreTheProtocolsStableStrings() {
        #expect(
            ProtocolError.Code.allCases.map(\.rawValue) == [
                "oversized", "truncated_header", "bad_magic", "unsupported_version", "bad_header_length",
                "truncated_body", "length_mismatch", "bad_checksum", "invalid_robot_id", "invalid_timestamp",
                "unknown_message_type", "bad_body_length", "invalid_value", "unknown_enum_value",
            ]
        )
    }
}
