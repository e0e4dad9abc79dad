/// A fault was raised or cleared.
public struct Fault: Sendable, Equatable {
    /// Vendor fault code (1 brush jam, 2 low battery, 3 drive, 4 sensor; others vendor specific).
    public var code: UInt16
    /// How bad.
    public var severity: Severity
    /// 1 raised, 0 cleared.
    public var active: Bool

    public init(code: UInt16, severity: Severity, active: Bool) {
        self.code = code
        self.severity = severity
        self.active = active
    }
}

extension Fault: MessageBody {
    public static var messageType: MessageType { .fault }

    public static let layout: [FieldLayout] = [
        FieldLayout("code", .u16, at: 0),
        FieldLayout("severity", .u8, at: 2, enum: "severity"),
        FieldLayout("active", .bool, at: 3),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        code = body.u16(0)
        severity = try body.enumeration(2, "severity", as: Severity.self)
        active = try body.bool(3, "active")
    }

    func write(to body: BodyWriter) {
        body.write(code, at: 0)
        body.write(severity, at: 2)
        body.write(active, at: 3)
    }
}
