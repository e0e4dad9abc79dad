/// Reads and validates fields of one message body in place: little-endian, unaligned,
/// no copies and no allocation unless a field is rejected.
///
/// The caller guarantees `bytes` holds at least the message type's body size, so field
/// reads stay in bounds (`loadUnaligned` still checks in debug builds).
struct BodyReader {
    let bytes: UnsafeRawBufferPointer
    let messageType: MessageType
    let header: FrameHeader

    // MARK: Unchecked fields (every bit pattern is valid)

    @inline(__always) func u8(_ offset: Int) -> UInt8 { bytes[offset] }
    @inline(__always) func i8(_ offset: Int) -> Int8 { Int8(bitPattern: bytes[offset]) }
    @inline(__always) func u16(_ offset: Int) -> UInt16 { load(offset, as: UInt16.self) }
    @inline(__always) func i16(_ offset: Int) -> Int16 { load(offset, as: Int16.self) }
    @inline(__always) func u32(_ offset: Int) -> UInt32 { load(offset, as: UInt32.self) }
    @inline(__always) func i32(_ offset: Int) -> Int32 { load(offset, as: Int32.self) }
    @inline(__always) func u64(_ offset: Int) -> UInt64 { load(offset, as: UInt64.self) }
    @inline(__always) func i64(_ offset: Int) -> Int64 { load(offset, as: Int64.self) }

    @inline(__always)
    private func load<T: FixedWidthInteger>(_ offset: Int, as type: T.Type) -> T {
        T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    // MARK: Checked fields

    /// A `u8` with an upper bound (`litter_collected.rating`).
    func u8(_ offset: Int, _ field: String, max: UInt8) throws(ProtocolError) -> UInt8 {
        let value = bytes[offset]
        guard value <= max else {
            throw invalid(field, .aboveIntegerMaximum(value, maximum: max))
        }
        return value
    }

    /// A bool: exactly 0 or 1.
    func bool(_ offset: Int, _ field: String) throws(ProtocolError) -> Bool {
        switch bytes[offset] {
        case 0: return false
        case 1: return true
        case let other: throw invalid(field, .notABool(other))
        }
    }

    /// An enum value the schema lists.
    func enumeration<E: SchemaEnumeration>(_ offset: Int, _ field: String, as type: E.Type) throws(ProtocolError) -> E {
        let raw = bytes[offset]
        guard let value = E(rawValue: raw) else {
            throw ProtocolError(
                code: .unknownEnumValue,
                messageType: messageType.schemaName,
                field: field,
                detail: .notAnEnumValue(raw, enumName: E.schemaEnumName),
                header: header
            )
        }
        return value
    }

    /// An `f32`: finite (or NaN where allowed) and within `min...max`.
    func f32(
        _ offset: Int,
        _ field: String,
        min: Double = -.infinity,
        max: Double = .infinity,
        nanAllowed: Bool = false
    ) throws(ProtocolError) -> Float {
        let value = Float(bitPattern: u32(offset))
        try check(Double(value), field, min: min, max: max, nanAllowed: nanAllowed)
        return value
    }

    /// An `f64`: finite (or NaN where allowed) and within `min...max`.
    func f64(
        _ offset: Int,
        _ field: String,
        min: Double = -.infinity,
        max: Double = .infinity,
        nanAllowed: Bool = false
    ) throws(ProtocolError) -> Double {
        let value = Double(bitPattern: u64(offset))
        try check(value, field, min: min, max: max, nanAllowed: nanAllowed)
        return value
    }

    /// A humanoid joint array of finite `f32`s.
    func joints(_ offset: Int, _ field: String) throws(ProtocolError) -> JointArray {
        var values = JointArray(repeating: 0)
        for index in 0..<JointArray.count {
            let value = Float(bitPattern: u32(offset + 4 * index))
            guard value.isFinite else {
                throw invalid(field, .notFinite(Double(value), element: index))
            }
            values[index] = value
        }
        return values
    }

    @inline(__always)
    private func check(
        _ value: Double,
        _ field: String,
        min: Double,
        max: Double,
        nanAllowed: Bool
    ) throws(ProtocolError) {
        if value.isNaN {
            guard nanAllowed else { throw invalid(field, .nanNotAllowed) }
            return
        }
        guard value.isFinite else { throw invalid(field, .notFinite(value, element: nil)) }
        guard value >= min else {
            throw invalid(field, .belowMinimum(value, minimum: min))
        }
        guard value <= max else {
            throw invalid(field, .aboveMaximum(value, maximum: max))
        }
    }

    // MARK: Errors (no allocation: the message is written when read)

    private func invalid(_ field: String, _ detail: ProtocolError.Detail) -> ProtocolError {
        ProtocolError(
            code: .invalidValue,
            messageType: messageType.schemaName,
            field: field,
            detail: detail,
            header: header
        )
    }
}
