/// A field's value read generically through the schema layout: what query tools, exports
/// and the HTTP API print, without a line of code per message type.
public enum FieldValue: Sendable, Equatable {
    case unsigned(UInt64)
    case signed(Int64)
    case real(Double)
    case bool(Bool)
    /// An enum field, by the schema's name of its value (or the raw number if unknown).
    case enumeration(String)
    case array([Double])

    /// As a number where that makes sense (enums and arrays are not numbers).
    public var number: Double? {
        switch self {
        case .unsigned(let v): Double(v)
        case .signed(let v): Double(v)
        case .real(let v): v
        case .bool(let v): v ? 1 : 0
        case .enumeration, .array: nil
        }
    }

    /// Text for tables and CSV.
    public var text: String {
        switch self {
        case .unsigned(let v): String(v)
        case .signed(let v): String(v)
        case .real(let v): Self.format(v)
        case .bool(let v): v ? "true" : "false"
        case .enumeration(let name): name
        case .array(let values): values.map(Self.format).joined(separator: " ")
        }
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

extension MessageType {
    /// Every field of a body of this type (reserved bytes left out), in schema order.
    /// `body` must hold at least `bodySize` bytes.
    public func fieldValues(body: UnsafeRawBufferPointer) -> [(name: String, value: FieldValue)] {
        layout.compactMap { field in
            field.isReserved ? nil : (field.name, Self.read(field, body))
        }
    }

    /// The fields of a whole frame's body (header not included).
    public static func fieldValues(
        of header: FrameHeader,
        in frame: UnsafeRawBufferPointer
    ) -> [(name: String, value: FieldValue)]? {
        guard let type = header.knownMessageType else { return nil }
        let start = Int(header.headerLength)
        guard frame.count >= start + type.bodySize else { return nil }
        return type.fieldValues(body: UnsafeRawBufferPointer(rebasing: frame[start..<start + type.bodySize]))
    }

    private static func read(_ field: FieldLayout, _ body: UnsafeRawBufferPointer) -> FieldValue {
        if field.count > 1 {
            return .array((0..<field.count).map { scalar(field.type, body, field.offset + $0 * field.type.size) })
        }
        if let enumName = field.enumName {
            let raw = body.loadUnaligned(fromByteOffset: field.offset, as: UInt8.self)
            return .enumeration(enumValueName(enumName, raw) ?? String(raw))
        }
        let offset = field.offset
        switch field.type {
        case .bool: return .bool(body.loadUnaligned(fromByteOffset: offset, as: UInt8.self) != 0)
        case .u8: return .unsigned(UInt64(body.loadUnaligned(fromByteOffset: offset, as: UInt8.self)))
        case .u16:
            return .unsigned(UInt64(UInt16(littleEndian: body.loadUnaligned(fromByteOffset: offset, as: UInt16.self))))
        case .u32:
            return .unsigned(UInt64(UInt32(littleEndian: body.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
        case .u64: return .unsigned(UInt64(littleEndian: body.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
        case .i8: return .signed(Int64(body.loadUnaligned(fromByteOffset: offset, as: Int8.self)))
        case .i16:
            return .signed(Int64(Int16(littleEndian: body.loadUnaligned(fromByteOffset: offset, as: Int16.self))))
        case .i32:
            return .signed(Int64(Int32(littleEndian: body.loadUnaligned(fromByteOffset: offset, as: Int32.self))))
        case .i64: return .signed(Int64(littleEndian: body.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
        case .f32, .f64: return .real(scalar(field.type, body, offset))
        }
    }

    private static func scalar(_ type: FieldLayout.ScalarType, _ body: UnsafeRawBufferPointer, _ offset: Int) -> Double
    {
        switch type {
        case .f32:
            Double(Float(bitPattern: UInt32(littleEndian: body.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
        case .f64: Double(bitPattern: UInt64(littleEndian: body.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
        default: Double(body.loadUnaligned(fromByteOffset: offset, as: UInt8.self))
        }
    }

    /// The schema name of value `raw` of the enum named `enumName`.
    public static func enumValueName(_ enumName: String, _ raw: UInt8) -> String? {
        func name<E: SchemaEnumeration>(_: E.Type) -> String? { E(rawValue: raw)?.schemaName }
        switch enumName {
        case Mode.schemaEnumName: return name(Mode.self)
        case SanitationStatus.schemaEnumName: return name(SanitationStatus.self)
        case TaskPhase.schemaEnumName: return name(TaskPhase.self)
        case AgentClass.schemaEnumName: return name(AgentClass.self)
        case ContactClass.schemaEnumName: return name(ContactClass.self)
        case Severity.schemaEnumName: return name(Severity.self)
        case InterventionKind.schemaEnumName: return name(InterventionKind.self)
        case LitterClass.schemaEnumName: return name(LitterClass.self)
        case RunStateValue.schemaEnumName: return name(RunStateValue.self)
        case Division.schemaEnumName: return name(Division.self)
        case ZoneKind.schemaEnumName: return name(ZoneKind.self)
        default: return nil
        }
    }
}
