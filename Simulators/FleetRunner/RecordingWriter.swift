import FleetProtocol
import Foundation

/// Streams a `.ftrec` recording (Protocols/README.md §8) to a file: every frame exactly as
/// sent, with its send time as an offset from the start.
///
/// The runner gives simulated send times, so a recording holds no wall-clock time at all and
/// the same run always writes the same bytes; `fleet replay --rate original` then reproduces
/// the simulated pacing.
public final class RecordingWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var lastOffset: UInt64 = 0
    public private(set) var records = 0
    public let path: String

    /// Creates (or truncates) `path` and writes the file header.
    public init(path: String, startUnixNanos: UInt64) throws(RunnerError) {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw RunnerError(.output, "cannot create recording file \(path)")
        }
        self.handle = handle
        buffer.reserveCapacity(1 << 20 + 1024)
        buffer.append(contentsOf: Recording.header(startUnixNanos: startUnixNanos))
    }

    /// Appends one frame sent `offsetNanos` after the start (never earlier than the last one).
    public func append(_ frame: UnsafeRawBufferPointer, offsetNanos: UInt64) throws(RunnerError) {
        precondition(offsetNanos >= lastOffset, "recording offsets must not decrease")
        lastOffset = offsetNanos
        Recording.appendRecord(frame, offsetNanos: offsetNanos, to: &buffer)
        records += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes what is buffered.
    public func flush() throws(RunnerError) {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw RunnerError(.output, "cannot write recording \(path)", cause: error)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes the file.
    public func close() throws(RunnerError) {
        try flush()
        do {
            try handle.close()
        } catch {
            throw RunnerError(.output, "cannot close recording \(path)", cause: error)
        }
    }
}
