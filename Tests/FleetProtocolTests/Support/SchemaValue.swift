@testable import FleetProtocol

/// A field's value in a form the codec, the schema-driven generator and the golden
/// vectors can all be compared in. Reals compare by bit pattern, any NaN equal to any
/// NaN (the wire keeps -0.0 apart from 0.0; NaN payloads are not part of a value).
enum SchemaValue: Equatable, CustomStringConvertible {
    case unsigned(UInt64)
    case signed(Int64)
    case real(Double)
    case bool(Bool)
    case name(String)
    case list([SchemaValue])

    static func == (lhs: SchemaValue, rhs: SchemaValue) -> Bool {
        switch (lhs, rhs) {
        case (.unsigned(let a), .unsigned(let b)): a == b
        case (.signed(let a), .signed(let b)): a == b
        case (.unsigned(let a), .signed(let b)), (.signed(let b), .unsigned(let a)): b >= 0 && UInt64(b) == a
        case (.real(let a), .real(let b)): a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)
        case (.bool(let a), .bool(let b)): a == b
        case (.name(let a), .name(let b)): a == b
        case (.list(let a), .list(let b)): a == b
        default: false
        }
    }

    var description: String {
        switch self {
        case .unsigned(let value): "\(value)"
        case .signed(let value): "\(value)"
        case .real(let value): "\(value)"
        case .bool(let value): "\(value)"
        case .name(let value): value
        case .list(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// The value a Swift property holds.
    init?(property value: Any) {
        switch value {
        case let value as Double: self = .real(value)
        case let value as Float: self = .real(Double(value))
        case let value as Bool: self = .bool(value)
        case let value as UInt8: self = .unsigned(UInt64(value))
        case let value as UInt16: self = .unsigned(UInt64(value))
        case let value as UInt32: self = .unsigned(UInt64(value))
        case let value as UInt64: self = .unsigned(value)
        case let value as Int8: self = .signed(Int64(value))
        case let value as Int16: self = .signed(Int64(value))
        case let value as Int32: self = .signed(Int64(value))
        case let value as Int64: self = .signed(value)
        case let value as any SchemaEnumeration: self = .name(value.schemaName)
        case let value as JointArray: self = .list((0..<JointArray.count).map { .real(Double(value[$0])) })
        default: return nil
        }
    }

    /// The value the golden vectors give for `field`: numbers, true/false, enum names,
    /// lists, and "NaN"/"Infinity"/"-Infinity" for non-finite floats.
    init?(json: JSONValue, field: Schema.Field) {
        if field.count != nil {
            guard let elements = json.array else { return nil }
            var scalar = field
            scalar.count = nil
            var values: [SchemaValue] = []
            for element in elements {
                guard let value = SchemaValue(json: element, field: scalar) else { return nil }
                values.append(value)
            }
            self = .list(values)
            return
        }
        switch (field.type, json) {
        case (_, .string(let name)) where field.enum != nil: self = .name(name)
        case ("bool", .bool(let value)): self = .bool(value)
        case ("f32", .string(let text)), ("f64", .string(let text)):
            switch text {
            case "NaN": self = .real(.nan)
            case "Infinity": self = .real(.infinity)
            case "-Infinity": self = .real(-.infinity)
            default: return nil
            }
        case ("f32", .number(let value)), ("f64", .number(let value)): self = .real(value)
        case ("f32", .unsigned(let value)), ("f64", .unsigned(let value)): self = .real(Double(value))
        case ("f32", .signed(let value)), ("f64", .signed(let value)): self = .real(Double(value))
        case (_, .unsigned(let value)): self = .unsigned(value)
        case (_, .signed(let value)): self = .signed(value)
        default: return nil
        }
    }
}

extension Message {
    /// The message struct's stored properties in declaration order, by Swift name.
    var properties: [(name: String, value: Any)] {
        guard let payload = Mirror(reflecting: self).children.first?.value else { return [] }
        return Mirror(reflecting: payload).children.map { ($0.label ?? "?", $0.value) }
    }

    /// The message's values keyed by schema field name, read through its properties.
    var schemaValues: [String: SchemaValue] {
        let schema = Schema.current.message(type)
        let byProperty = Dictionary(properties.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        var values: [String: SchemaValue] = [:]
        for field in schema.valueFields {
            if let raw = byProperty[Schema.propertyName(field.name)], let value = SchemaValue(property: raw) {
                values[field.name] = value
            }
        }
        return values
    }
}
