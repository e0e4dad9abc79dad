/// The recording file format (`.ftrec`, Protocols/README.md section 8): frames exactly as
/// sent, with their send times, for `--record` and `fleet replay`.
///
/// Pure byte encoding and parsing; callers read and write the file.
public enum Recording {
    public static let magic: [UInt8] = [0x46, 0x54, 0x52, 0x45, 0x43, 0x00]  // "FTREC\0"
    public static let formatVersion: UInt16 = 1
    public static let headerSize = 16
    public static let recordHeaderSize = 12

    /// One record: where its frame lies in the file's bytes, and when it was sent.
    public struct Record: Sendable, Equatable {
        /// ns after the recording's start.
        public var offsetNanos: UInt64
        /// Byte range of the frame within the file.
        public var frame: Range<Int>
    }

    public struct Parsed: Sendable {
        public var startUnixNanos: UInt64
        public var records: [Record]
        /// The file ended inside a record (a crash while writing); that record is ignored.
        public var truncated: Bool
    }

    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The 16-byte file header.
    public static func header(startUnixNanos: UInt64) -> [UInt8] {
        var out = magic
        withUnsafeBytes(of: formatVersion.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: startUnixNanos.littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    /// Appends one record to `buffer`.
    public static func appendRecord(_ frame: UnsafeRawBufferPointer, offsetNanos: UInt64, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: UInt32(frame.count).littleEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: offsetNanos.littleEndian) { buffer.append(contentsOf: $0) }
        buffer.append(contentsOf: frame)
    }

    /// Parses a whole file's bytes.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(FormatError) -> Parsed {
        guard bytes.count >= headerSize else {
            throw FormatError(description: "recording is \(bytes.count) bytes, its header needs \(headerSize)")
        }
        guard Array(bytes[0..<6]) == magic else {
            throw FormatError(description: "not a recording: the file does not start with FTREC\\0")
        }
        let version = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
        guard version == formatVersion else {
            throw FormatError(description: "recording format version \(version); this reader knows \(formatVersion)")
        }
        let start = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        var records: [Record] = []
        var offset = headerSize
        var truncated = false
        var lastSend: UInt64 = 0
        while offset < bytes.count {
            guard bytes.count - offset >= recordHeaderSize else {
                truncated = true
                break
            }
            let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            let send = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt64.self))
            let frameStart = offset + recordHeaderSize
            guard bytes.count - frameStart >= length else {
                truncated = true
                break
            }
            guard send >= lastSend else {
                throw FormatError(
                    description: "record at byte \(offset) goes back in time (\(send) ns < \(lastSend) ns)"
                )
            }
            lastSend = send
            records.append(Record(offsetNanos: send, frame: frameStart..<frameStart + length))
            offset = frameStart + length
        }
        return Parsed(startUnixNanos: start, records: records, truncated: truncated)
    }
}
