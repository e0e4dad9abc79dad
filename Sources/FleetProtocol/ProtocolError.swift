/// Why a frame was rejected, with a stable `code` that receivers count by and that the
/// Python reference and the golden vectors use too.
///
/// Thrown with typed throws (`throws(ProtocolError)`), so rejecting a frame allocates no
/// error box; the decoder records the numbers it found in `detail` and `message` builds the
/// text only when someone reads it, so a flood of garbage frames (counted, never printed)
/// allocates no string per frame.
public struct ProtocolError: FleetError, Sendable, Equatable {
    /// The stable error codes, in the order the decoder checks them.
    public enum Code: String, Sendable, CaseIterable {
        /// The frame is longer than `FrameHeader.maximumFrameSize` (65536) bytes.
        case oversized
        /// Fewer than 32 bytes, or fewer than the header's own `header_length`.
        case truncatedHeader = "truncated_header"
        /// The frame does not start with "FT".
        case badMagic = "bad_magic"
        /// `version_major` is not 1.
        case unsupportedVersion = "unsupported_version"
        /// `header_length` is below 32.
        case badHeaderLength = "bad_header_length"
        /// The frame is shorter than `header_length + body_length + 4`.
        case truncatedBody = "truncated_body"
        /// The frame is longer than `header_length + body_length + 4`.
        case lengthMismatch = "length_mismatch"
        /// The CRC-32 trailer does not match the header and body.
        case badChecksum = "bad_checksum"
        /// `robot_id` is 0 (never a sender), or 0xFFFFFFFF (the ingester) on a frame other
        /// than an `ack`.
        case invalidRobotID = "invalid_robot_id"
        /// `timestamp_ns` is 2^63 or more: outside the range every store and language can
        /// order and compare as a signed 64-bit count of nanoseconds.
        case invalidTimestamp = "invalid_timestamp"
        /// A message type this version does not know; receivers skip and count it.
        case unknownMessageType = "unknown_message_type"
        /// `body_length` does not fit the message type's body size.
        case badBodyLength = "bad_body_length"
        /// A field holds NaN or ±Inf where not allowed, is outside its range, or is a bool
        /// that is neither 0 nor 1.
        case invalidValue = "invalid_value"
        /// An enum field holds a value the schema does not list.
        case unknownEnumValue = "unknown_enum_value"
    }

    /// What went wrong; stable across releases and languages.
    public var code: Code
    /// Schema name of the message type (`sanitation_state`), when the type is known.
    public var messageType: String?
    /// Schema name of the offending field (`battery_soc`), for field errors.
    public var field: String?
    /// The values the check found, from which `message` is written on demand.
    let detail: Detail
    /// The frame's header once it passed the checksum (set for `unknown_message_type`,
    /// `bad_body_length` and field errors), so a receiver can still account for the
    /// sequence number of a frame it skips.
    public var header: FrameHeader?

    public init(
        code: Code,
        messageType: String? = nil,
        field: String? = nil,
        message: String,
        header: FrameHeader? = nil
    ) {
        self.init(code: code, messageType: messageType, field: field, detail: .text(message), header: header)
    }

    /// The decoder's initialiser: `detail` holds numbers and static names only, so building
    /// the error allocates nothing.
    @inline(__always)
    init(
        code: Code,
        messageType: String? = nil,
        field: String? = nil,
        detail: Detail,
        header: FrameHeader? = nil
    ) {
        self.code = code
        self.messageType = messageType
        self.field = field
        self.detail = detail
        self.header = header
    }

    /// For people: names the field and the value, e.g.
    /// "sanitation_state.battery_soc: 150.0 is above the maximum 100".
    public var message: String { detail.text(messageType: messageType ?? "", field: field ?? "") }
}

extension ProtocolError.Code {
    /// Whether a frame rejected with this code passed its checksum, so its header (robot,
    /// boot epoch, sequence number) can be trusted for loss accounting. A frame that failed
    /// earlier is counted against the robot it claims but never moves its sequence state.
    public var headerIsVerified: Bool {
        switch self {
        case .oversized, .truncatedHeader, .badMagic, .unsupportedVersion, .badHeaderLength, .truncatedBody,
            .lengthMismatch, .badChecksum:
            false
        case .invalidRobotID, .invalidTimestamp, .unknownMessageType, .badBodyLength, .invalidValue,
            .unknownEnumValue:
            true
        }
    }
}
