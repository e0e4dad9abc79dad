extension ProtocolError {
    /// What a check found, as plain values: the error's message is written from these only
    /// when read (a log line, an API body), never on the per-frame rejection path.
    enum Detail: Sendable, Equatable {
        /// A message written by the caller (the public initialiser).
        case text(String)
        case frameOverLimit(count: Int, limit: Int)
        case frameShorterThanHeader(count: Int, needs: Int)
        case frameShorterThanHeaderLength(count: Int, headerLength: UInt16)
        case magic(UInt8, UInt8)
        case majorVersion(UInt8, known: UInt8)
        case headerLengthBelow(UInt16, minimum: Int)
        case headerExtendedByOldMinor(headerLength: UInt16, minor: UInt8)
        case frameShorterThanBody(count: Int, expected: Int, bodyLength: UInt32)
        case frameLongerThanBody(count: Int, expected: Int)
        case checksum(trailer: UInt32, computed: UInt32)
        case robotIDZero
        case ingesterSendsOnlyAcks(messageType: UInt8)
        case timestampAboveMaximum(UInt64)
        case unknownMessageType(UInt8)
        /// The frame is shorter than `messageType`'s body needs.
        case frameShorterThanType(count: Int, needs: Int)
        case bodyLengthNotTypeSize(Int, size: Int)
        case bodyLengthBelowTypeSize(Int, size: Int)
        /// Field errors: the text starts with `messageType.field`.
        case notAnEnumValue(UInt8, enumName: String)
        case aboveIntegerMaximum(UInt8, maximum: UInt8)
        case notABool(UInt8)
        case nanNotAllowed
        case notFinite(Double, element: Int?)
        case belowMinimum(Double, minimum: Double)
        case aboveMaximum(Double, maximum: Double)

        /// The message, the same text the decoder always gave.
        func text(messageType: String, field: String) -> String {
            switch self {
            case .text(let text): text
            case .frameOverLimit(let count, let limit): "frame is \(count) bytes, limit \(limit)"
            case .frameShorterThanHeader(let count, let needs): "frame is \(count) bytes, header needs \(needs)"
            case .frameShorterThanHeaderLength(let count, let headerLength):
                "frame is \(count) bytes, header_length says \(headerLength)"
            case .magic(let first, let second): "magic is \(hex(first))\(hex(second)), expected 4654 (\"FT\")"
            case .majorVersion(let major, let known): "major version \(major), this decoder knows \(known)"
            case .headerLengthBelow(let length, let minimum): "header_length \(length) < \(minimum)"
            case .headerExtendedByOldMinor(let length, let minor):
                "header_length \(length) with version_minor \(minor): only a newer minor extends the header"
            case .frameShorterThanBody(let count, let expected, let bodyLength):
                "frame is \(count) bytes, header says \(expected) (+\(bodyLength) body)"
            case .frameLongerThanBody(let count, let expected):
                "frame is \(count) bytes, header says \(expected) (\(count - expected) extra)"
            case .checksum(let trailer, let computed): "trailer 0x\(hex(trailer)), computed 0x\(hex(computed))"
            case .robotIDZero: "robot_id 0 is never a sender"
            case .ingesterSendsOnlyAcks(let type):
                "robot_id 0xffffffff (the ingester) sends only ack frames, not type \(type)"
            case .timestampAboveMaximum(let timestamp): "timestamp_ns \(timestamp) is above the maximum 2^63-1"
            case .unknownMessageType(let type): "message type \(type) is not known in v1.0"
            case .frameShorterThanType(let count, let needs): "frame is \(count) bytes, \(messageType) needs \(needs)"
            case .bodyLengthNotTypeSize(let length, let size): "body_length \(length), \(messageType) is \(size) bytes"
            case .bodyLengthBelowTypeSize(let length, let size):
                "body_length \(length), \(messageType) needs at least \(size) bytes"
            case .notAnEnumValue(let raw, let enumName):
                "\(messageType).\(field): \(raw) is not a value of enum \(enumName)"
            case .aboveIntegerMaximum(let value, let maximum):
                "\(messageType).\(field): \(value) is above the maximum \(maximum)"
            case .notABool(let value): "\(messageType).\(field): \(value) is not a bool (0 or 1)"
            case .nanNotAllowed: "\(messageType).\(field): nan is not allowed"
            case .notFinite(let value, let element):
                "\(messageType).\(field)\(element.map { "[\($0)]" } ?? ""): \(value) is not allowed"
            case .belowMinimum(let value, let minimum):
                "\(messageType).\(field): \(value) is below the minimum \(Self.bound(minimum))"
            case .aboveMaximum(let value, let maximum):
                "\(messageType).\(field): \(value) is above the maximum \(Self.bound(maximum))"
            }
        }

        /// Bounds as the schema writes them: `100`, not `100.0`.
        private static func bound(_ value: Double) -> String {
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return String(value)
        }

        private func hex<T: FixedWidthInteger>(_ value: T) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: max(0, T.bitWidth / 4 - digits.count)) + digits
        }
    }
}
