public import FleetProtocol

/// Why an MCAP file could not be written: a stable `code`, a message naming what was wrong,
/// and the sink's error if it was the sink that failed.
public struct MCAPError: FleetError, Sendable {
    public enum Code: String, Sendable {
        /// More schemas or channels than a `uint16` id can name.
        case tooManyIDs = "too_many_ids"
        /// A message names a channel that was never added.
        case unknownChannel = "unknown_channel"
        /// zstd could not compress a chunk.
        case compression
        /// `write` after `finish`.
        case finished
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Says the MCAP writer failed, without the code.
    public var description: String { "mcap: \(message)" }
}
