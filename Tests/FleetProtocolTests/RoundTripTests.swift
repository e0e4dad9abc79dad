import Testing

@testable import FleetProtocol

/// Random valid bodies built from the schema alone decode to their values and encode
/// back to the same bytes, for every message type.
struct RoundTripTests {
    static let iterations = 300

    @Test(arguments: MessageType.allCases)
    func randomValidBodiesDecodeToTheirValuesAndEncodeToTheSameBytes(type: MessageType) throws {
        let schema = Schema.current.message(type)
        var random = SplitMix64(seed: 0x5EED_0000 + UInt64(type.rawValue))
        for _ in 0..<Self.iterations {
            let header = FrameHeader.random(type, using: &random)
            let body = RandomBody(schema, using: &random)
            let bytes = FrameEncoder.encode(header: header, body: body.bytes)

            let frame = try FrameDecoder.decode(bytes)
            #expect(frame.header == header)
            #expect(frame.message.type == type)
            #expect(frame.message.schemaValues == body.values)

            let encoded = FrameEncoder.encode(
                frame.message,
                robotID: header.robotID,
                bootEpoch: header.bootEpoch,
                sequence: header.sequence,
                timestampNanoseconds: header.timestampNanoseconds,
                flags: header.flags
            )
            #expect(encoded == bytes)
            #expect(FrameEncoder.encodeBody(frame.message) == body.bytes)

            let again = try FrameDecoder.decode(encoded)
            #expect(again.message.schemaValues == body.values)
            if !body.values.values.contains(where: { if case .real(let v) = $0 { v.isNaN } else { false } }) {
                #expect(again == frame)
            }
        }
    }

    @Test(arguments: MessageType.allCases)
    func encodingIntoABufferWritesTheSameBytes(type: MessageType) throws {
        var random = SplitMix64(seed: 0xB0FF + UInt64(type.rawValue))
        let header = FrameHeader.random(type, using: &random)
        let bytes = FrameEncoder.encode(
            header: header,
            body: RandomBody(Schema.current.message(type), using: &random).bytes
        )
        let message = try FrameDecoder.decode(bytes).message
        var buffer = [UInt8](repeating: 0xEE, count: MessageType.maximumFrameSize + 16)
        let written = buffer.withUnsafeMutableBytes {
            FrameEncoder.encode(
                message,
                robotID: header.robotID,
                bootEpoch: header.bootEpoch,
                sequence: header.sequence,
                timestampNanoseconds: header.timestampNanoseconds,
                flags: header.flags,
                into: $0
            )
        }
        #expect(written == type.frameSize)
        #expect(Array(buffer[..<written]) == bytes)
        #expect(buffer[written...].allSatisfy { $0 == 0xEE }, "nothing written past the frame")
    }

    @Test func decodeHeaderAndDecodeMessageTogetherEqualDecode() throws {
        var random = SplitMix64(seed: 77)
        for type in MessageType.allCases {
            let bytes = FrameEncoder.encode(
                header: .random(type, using: &random),
                body: RandomBody(Schema.current.message(type), using: &random).bytes
            )
            let whole = try FrameDecoder.decode(bytes)
            let (header, message) = try bytes.withUnsafeBytes { buffer in
                Result { () throws(ProtocolError) in
                    let header = try FrameDecoder.decodeHeader(buffer)
                    return (header, try FrameDecoder.decodeMessage(of: header, in: buffer))
                }
            }.get()
            #expect(header == whole.header)
            #expect(message.schemaValues == whole.message.schemaValues)
        }
    }

    @Test func reservedBytesAreWrittenAsZeroAndIgnoredOnRead() throws {
        var random = SplitMix64(seed: 99)
        for type in MessageType.allCases {
            let schema = Schema.current.message(type)
            let reserved = schema.fields.filter { $0.name == "reserved" }
            guard !reserved.isEmpty else { continue }
            let body = RandomBody(schema, using: &random)
            var dirty = body.bytes
            for field in reserved {
                for offset in field.offset..<(field.offset + (field.count ?? 1) * Schema.current.types[field.type]!) {
                    dirty[offset] = UInt8.random(in: 1...255, using: &random)
                }
            }
            let frame = try FrameDecoder.decode(FrameEncoder.encode(header: .random(type, using: &random), body: dirty))
            #expect(frame.message.schemaValues == body.values, "\(type)")
            #expect(FrameEncoder.encodeBody(frame.message) == body.bytes, "\(type)")
        }
    }

    @Test func messageConveniencesAgreeWithTheHeader() {
        let fault = Message.fault(Fault(code: 3, severity: .critical, active: true))
        let bytes = FrameEncoder.encode(
            fault,
            robotID: 42,
            bootEpoch: 7,
            sequence: 9,
            timestampNanoseconds: 1_000,
            flags: FrameHeader.simulatedTimeFlag
        )
        #expect(bytes.count == MessageType.fault.frameSize)
        let frame = try? FrameDecoder.decode(bytes)
        #expect(frame?.message == fault)
        #expect(frame?.header.knownMessageType == .fault)
        #expect(frame?.header.hasSimulatedTime == true)
        #expect(frame?.header.frameLength == bytes.count)
    }
}
