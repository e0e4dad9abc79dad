import Testing

@testable import FleetProtocol

/// Every constrained field of every message type, driven by the schema: NaN and ±Inf,
/// ranges, bools and enums are accepted or rejected exactly as the schema says, and a
/// rejection names the message type and field.
struct FieldValidationTests {
    /// One raw value written over one element of one field, and the expected outcome.
    struct Patch: CustomStringConvertible {
        var field: Schema.Field
        var index: Int
        var raw: UInt64
        var rejection: ProtocolError.Code?

        var description: String {
            "\(field.name)[\(index)] = 0x\(String(raw, radix: 16)) → \(rejection?.rawValue ?? "accepted")"
        }
    }

    static func patches(for message: Schema.Message) -> [Patch] {
        var patches: [Patch] = []
        for field in message.valueFields {
            let indices = field.count.map { [0, $0 / 2, $0 - 1] } ?? [0]
            for index in indices {
                func add(_ raw: UInt64, _ rejection: ProtocolError.Code?) {
                    patches.append(Patch(field: field, index: index, raw: raw, rejection: rejection))
                }
                switch field.type {
                case "f32", "f64":
                    let isF32 = field.type == "f32"
                    func bits(_ value: Double) -> UInt64 {
                        isF32 ? UInt64(Float(value).bitPattern) : value.bitPattern
                    }
                    let nanRejection: ProtocolError.Code? = field.nanAllowed == true ? nil : .invalidValue
                    add(bits(.nan), nanRejection)
                    add(bits(-.nan), nanRejection)
                    add(isF32 ? 0x7F80_0001 : 0x7FF0_0000_0000_0001, nanRejection)  // signalling, with payload
                    add(bits(.infinity), .invalidValue)
                    add(bits(-.infinity), .invalidValue)
                    if let min = field.min {
                        add(bits(min), nil)
                        add(isF32 ? UInt64(Float(min).nextDown.bitPattern) : min.nextDown.bitPattern, .invalidValue)
                        add(bits(min - 1), .invalidValue)
                    }
                    if let max = field.max {
                        add(bits(max), nil)
                        add(isF32 ? UInt64(Float(max).nextUp.bitPattern) : max.nextUp.bitPattern, .invalidValue)
                        add(bits(max + 50), .invalidValue)
                    }
                case "bool":
                    add(0, nil)
                    add(1, nil)
                    for raw: UInt64 in [2, 0x80, 0xFF] { add(raw, .invalidValue) }
                case _ where field.enum != nil:
                    let values = Set(Schema.current.enums[field.enum!]!.values.values)
                    for raw in 0...255 { add(UInt64(raw), values.contains(raw) ? nil : .unknownEnumValue) }
                default:
                    if let max = field.max {
                        add(UInt64(max), nil)
                        add(UInt64(max) + 1, .invalidValue)
                        add(UInt64(1) << (8 * Schema.current.types[field.type]!) - 1, .invalidValue)
                    }
                    if field.min != nil { Issue.record("integer minimum not covered: \(message.name).\(field.name)") }
                }
            }
        }
        return patches
    }

    static func write(_ raw: UInt64, into bytes: inout [UInt8], field: Schema.Field, index: Int) {
        let size = Schema.current.types[field.type]!
        for byte in 0..<size {
            bytes[field.offset + index * size + byte] = UInt8(truncatingIfNeeded: raw >> (8 * byte))
        }
    }

    @Test(arguments: MessageType.allCases)
    func constrainedFieldsAreAcceptedOrRejectedAsTheSchemaSays(type: MessageType) {
        let message = Schema.current.message(type)
        var random = SplitMix64(seed: 0xF1E1D + UInt64(type.rawValue))
        for patch in Self.patches(for: message) {
            let header = FrameHeader.random(type, using: &random)
            var body = RandomBody(message, using: &random)
            Self.write(patch.raw, into: &body.bytes, field: patch.field, index: patch.index)
            let frame = FrameEncoder.encode(header: header, body: body.bytes)
            do {
                let decoded = try FrameDecoder.decode(frame)
                #expect(patch.rejection == nil, "\(message.name): \(patch) was accepted")
                // Accepted: the patched value is what the property holds.
                let value = decoded.message.schemaValues[patch.field.name]
                let element: SchemaValue? = if case .list(let list)? = value { list[patch.index] } else { value }
                if case .real(let real)? = element {
                    let expected =
                        patch.field.type == "f32"
                        ? Double(Float(bitPattern: UInt32(patch.raw))) : Double(bitPattern: patch.raw)
                    #expect(SchemaValue.real(real) == .real(expected), "\(message.name): \(patch)")
                }
            } catch {
                #expect(error.code == patch.rejection, "\(message.name): \(patch): \(error)")
                #expect(error.messageType == message.name)
                #expect(error.field == patch.field.name)
                #expect(error.header == header)
                #expect(error.message.hasPrefix("\(message.name).\(patch.field.name)"), "\(error.message)")
            }
        }
    }

    @Test(arguments: MessageType.allCases)
    func theFirstBadFieldInSchemaOrderIsReported(type: MessageType) {
        let message = Schema.current.message(type)
        // The first rejected patch of each field, in field order.
        var firstPerField: [Patch] = []
        for patch in Self.patches(for: message) where patch.rejection != nil {
            if !firstPerField.contains(where: { $0.field.name == patch.field.name }) { firstPerField.append(patch) }
        }
        guard firstPerField.count >= 2 else { return }
        var random = SplitMix64(seed: 0xBAD + UInt64(type.rawValue))
        for first in firstPerField.indices.dropLast() {
            var body = RandomBody(message, using: &random)
            for patch in firstPerField[first...] {
                Self.write(patch.raw, into: &body.bytes, field: patch.field, index: patch.index)
            }
            let frame = FrameEncoder.encode(header: .random(type, using: &random), body: body.bytes)
            let error = #expect(throws: ProtocolError.self) { try FrameDecoder.decode(frame) }
            #expect(error?.field == firstPerField[first].field.name)
        }
    }

    @Test func rejectionsSayWhatIsWrongInWords() throws {
        let state = SanitationState(
            x: 1,
            y: 2,
            energyUsed: 3,
            distance: 4,
            areaCleaned: 5,
            heading: 0.5,
            speed: 1,
            turnRate: 0,
            brushRpm: 100,
            suction: 50,
            waterFlow: 1,
            hopperFill: 10,
            cleanWater: 90,
            dirtyWater: 5,
            batterySOC: 150,
            batteryVoltage: 48,
            batteryCurrent: 3,
            batteryTemperature: .nan,
            mode: .auto,
            status: .cleaning,
            brushDown: true,
            spraying: false
        )
        let frame = FrameEncoder.encode(
            .sanitationState(state),
            robotID: 1,
            bootEpoch: 0,
            sequence: 0,
            timestampNanoseconds: 0
        )
        let error = try #require(throws: ProtocolError.self) { try FrameDecoder.decode(frame) }
        #expect(error.code == .invalidValue)
        #expect(error.message == "sanitation_state.battery_soc: 150.0 is above the maximum 100")
        #expect(error.description == "invalid_value: sanitation_state.battery_soc: 150.0 is above the maximum 100")

        var below = state
        below.batterySOC = 87
        below.brushRpm = -2
        let belowFrame = FrameEncoder.encode(
            .sanitationState(below),
            robotID: 1,
            bootEpoch: 0,
            sequence: 0,
            timestampNanoseconds: 0
        )
        let belowError = try #require(throws: ProtocolError.self) { try FrameDecoder.decode(belowFrame) }
        #expect(belowError.message == "sanitation_state.brush_rpm: -2.0 is below the minimum 0")
    }
}
