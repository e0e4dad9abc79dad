/// Where one schema field sits in a message body and what values it may hold.
///
/// Every message type's `layout` mirrors Protocols/schema.json; the hand-written
/// decode and encode follow it, and tests hold both to the schema so they cannot drift.
public struct FieldLayout: Sendable, Equatable {
    /// Wire types of the schema, named as the schema names them.
    public enum ScalarType: String, Sendable, CaseIterable {
        case u8, i8, bool, u16, i16, u32, i32, f32, u64, i64, f64

        /// Bytes one value takes on the wire.
        public var size: Int {
            switch self {
            case .u8, .i8, .bool: 1
            case .u16, .i16: 2
            case .u32, .i32, .f32: 4
            case .u64, .i64, .f64: 8
            }
        }

        /// Whether the type is a float, the only kind NaN and ±Inf checks apply to.
        public var isFloatingPoint: Bool { self == .f32 || self == .f64 }
    }

    /// Schema name, snake_case (`battery_soc`); "reserved" for padding.
    public var name: String
    public var type: ScalarType
    /// Elements: 1 for a scalar, 24 for a humanoid joint array.
    public var count: Int
    /// Byte offset from the start of the body (or of the header, for header fields).
    public var offset: Int
    /// Schema name of the enum the value must belong to (`sanitation_status`).
    public var enumName: String?
    /// Smallest allowed value, inclusive.
    public var minimum: Double?
    /// Largest allowed value, inclusive.
    public var maximum: Double?
    /// Whether NaN is allowed (±Inf never is).
    public var nanAllowed: Bool

    public init(
        _ name: String,
        _ type: ScalarType,
        count: Int = 1,
        at offset: Int,
        enum enumName: String? = nil,
        min minimum: Double? = nil,
        max maximum: Double? = nil,
        nanAllowed: Bool = false
    ) {
        self.name = name
        self.type = type
        self.count = count
        self.offset = offset
        self.enumName = enumName
        self.minimum = minimum
        self.maximum = maximum
        self.nanAllowed = nanAllowed
    }

    /// Bytes the field takes.
    public var size: Int { type.size * count }

    /// Reserved fields are written as zero and ignored on read; they have no property.
    public var isReserved: Bool { name == "reserved" }
}
