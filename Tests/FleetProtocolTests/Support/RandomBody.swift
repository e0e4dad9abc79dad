import Foundation

@testable import FleetProtocol

/// A valid message body made from the schema alone (not from the codec's tables),
/// with the values it holds: what a correct decoder must return for those bytes.
struct RandomBody {
    var bytes: [UInt8]
    var values: [String: SchemaValue]

    init(_ message: Schema.Message, using random: inout SplitMix64) {
        bytes = [UInt8](repeating: 0, count: message.size)
        values = [:]
        for field in message.valueFields {
            let elementSize = Schema.current.types[field.type]!
            var elements: [SchemaValue] = []
            for index in 0..<(field.count ?? 1) {
                let (raw, value) = RandomBody.element(field, using: &random)
                for byte in 0..<elementSize {
                    bytes[field.offset + index * elementSize + byte] = UInt8(truncatingIfNeeded: raw >> (8 * byte))
                }
                elements.append(value)
            }
            values[field.name] = field.count == nil ? elements[0] : .list(elements)
        }
    }

    /// One element's bit pattern (little-endian low bytes used) and value.
    private static func element(_ field: Schema.Field, using random: inout SplitMix64) -> (UInt64, SchemaValue) {
        if let enumName = field.enum {
            let (name, value) = Schema.current.enums[enumName]!.values.randomElement(using: &random)!
            return (UInt64(value), .name(name))
        }
        switch field.type {
        case "bool":
            let value = Bool.random(using: &random)
            return (value ? 1 : 0, .bool(value))
        case "f32":
            let value = Float(real(field, using: &random))
            return (UInt64(value.bitPattern), .real(Double(value)))
        case "f64":
            let value = real(field, using: &random)
            return (value.bitPattern, .real(value))
        default:
            let bits = Schema.current.types[field.type]! * 8
            let signed = field.type.hasPrefix("i")
            var lower: Int64 = signed ? -(1 << (bits - 1)) : 0
            var upper: UInt64 = signed ? (1 << (bits - 1)) - 1 : (bits == 64 ? .max : (1 << bits) - 1)
            if let min = field.min { lower = Swift.max(lower, Int64(min)) }
            if let max = field.max { upper = Swift.min(upper, UInt64(max)) }
            if signed {
                let value = Int64.random(in: lower...Int64(upper), using: &random)
                return (UInt64(bitPattern: value), .signed(value))
            }
            let value = UInt64.random(in: UInt64(lower)...upper, using: &random)
            return (value, .unsigned(value))
        }
    }

    /// A value the field accepts, boundaries and awkward values (±0, subnormals, the
    /// largest finite) included now and then.
    private static func real(_ field: Schema.Field, using random: inout SplitMix64) -> Double {
        let isF32 = field.type == "f32"
        let roll = Int.random(in: 0..<12, using: &random)
        if field.nanAllowed == true && roll == 0 { return .nan }
        switch (field.min, field.max) {
        case (let min?, let max?):
            if roll == 1 { return min }
            if roll == 2 { return max }
            return Double.random(in: min...max, using: &random)
        case (let min?, nil):
            if roll == 1 { return min }
            return min + magnitude(isF32, using: &random)
        case (nil, let max?):
            if roll == 1 { return max }
            return max - magnitude(isF32, using: &random)
        case (nil, nil):
            switch roll {
            case 1: return 0
            case 2: return -0.0
            case 3: return isF32 ? Double(Float.leastNonzeroMagnitude) : .leastNonzeroMagnitude
            case 4: return isF32 ? -Double(Float.greatestFiniteMagnitude) : -.greatestFiniteMagnitude
            default:
                return (Bool.random(using: &random) ? 1 : -1) * magnitude(isF32, using: &random)
            }
        }
    }

    private static func magnitude(_ isF32: Bool, using random: inout SplitMix64) -> Double {
        let exponent = Double.random(in: -4...7, using: &random)
        let value = Double.random(in: 0..<10, using: &random) * pow(10, exponent)
        return isF32 ? Double(Float(value)) : value
    }
}

extension FrameHeader {
    /// A v1.0 header for `type` with random sender fields, in their valid ranges (robot id
    /// 1...0xFFFFFFFE, or 0xFFFFFFFF for an ack; timestamp 0...2^63-1).
    static func random(_ type: MessageType, using random: inout SplitMix64) -> FrameHeader {
        FrameHeader(
            messageType: type.rawValue,
            flags: UInt8.random(in: 0...1, using: &random),
            robotID: type == .ack ? FrameHeader.ingesterRobotID : UInt32.random(in: 1...0xFFFF_FFFE, using: &random),
            bootEpoch: UInt32.random(in: 0...UInt32.max, using: &random),
            sequence: UInt32.random(in: 0...UInt32.max, using: &random),
            bodyLength: UInt32(type.bodySize),
            timestampNanoseconds: UInt64.random(in: 0...FrameHeader.maximumTimestamp, using: &random)
        )
    }
}
