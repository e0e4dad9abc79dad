public import FleetProtocol

/// A message type's fields as JSON: the JSON Schema generated from its layout (which mirrors
/// Protocols/schema.json: names, wire types, array lengths, enums, bounds) and one frame's
/// body as an object of the same fields, so Foxglove's Plot panel finds `battery_soc` and
/// the rest by name.
public enum TelemetryJSON {
    /// The MCAP schema name of a message type: `fleet.sanitation_state`.
    public static func schemaName(_ type: MessageType) -> String { "fleet.\(type.schemaName)" }

    /// The JSON Schema of a message type's body.
    public static func schema(_ type: MessageType) -> String {
        var properties: [String] = []
        var required: [String] = []
        for field in type.layout where !field.isReserved {
            properties.append("\(JSONText.string(field.name)): \(fieldSchema(field))")
            required.append(JSONText.string(field.name))
        }
        return """
            {"$schema": "http://json-schema.org/draft-07/schema#", "title": \(JSONText.string(schemaName(type))), \
            "type": "object", "properties": {\(properties.joined(separator: ", "))}, \
            "required": [\(required.joined(separator: ", "))]}
            """
    }

    private static func fieldSchema(_ field: FieldLayout) -> String {
        var scalar: String
        if let enumName = field.enumName {
            let names = (0...UInt8.max).compactMap { MessageType.enumValueName(enumName, $0) }
            scalar = """
                {"type": "string", "description": "enum \(enumName) (an unknown value as its number)", \
                "examples": [\(names.map(JSONText.string).joined(separator: ", "))]}
                """
            return scalar
        }
        switch field.type {
        case .bool: scalar = #"{"type": "boolean""#
        case .f32, .f64: scalar = field.nanAllowed ? #"{"type": ["number", "null"]"# : #"{"type": "number""#
        case .u8, .u16, .u32, .u64, .i8, .i16, .i32, .i64: scalar = #"{"type": "integer""#
        }
        if let minimum = field.minimum { scalar += ", \"minimum\": \(JSONText.number(minimum))" }
        if let maximum = field.maximum { scalar += ", \"maximum\": \(JSONText.number(maximum))" }
        scalar += ", \"description\": \"\(field.type.rawValue)\"}"
        guard field.count > 1 else { return scalar }
        return #"{"type": "array", "items": \#(scalar), "minItems": \#(field.count), "maxItems": \#(field.count)}"#
    }

    /// One frame's body as a JSON object (NaN as null).
    public static func message(_ fields: [(name: String, value: FieldValue)]) -> String {
        var out = "{"
        for (index, field) in fields.enumerated() {
            if index > 0 { out += ", " }
            out += JSONText.string(field.name)
            out += ": "
            out += value(field.value)
        }
        return out + "}"
    }

    static func value(_ value: FieldValue) -> String {
        switch value {
        case .unsigned(let v): String(v)
        case .signed(let v): String(v)
        case .real(let v): JSONText.number(v)
        case .bool(let v): v ? "true" : "false"
        case .enumeration(let name): JSONText.string(name)
        case .array(let values): "[" + values.map(JSONText.number).joined(separator: ", ") + "]"
        }
    }
}
