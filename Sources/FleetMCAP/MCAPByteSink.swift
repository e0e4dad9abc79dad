/// Where an `MCAPWriter` puts the file's bytes, in order, each once: a file handle in the
/// command line tool, memory in tests. The writer never seeks back.
public protocol MCAPByteSink {
    mutating func write(_ bytes: [UInt8]) throws
}

/// A sink that keeps every byte in memory: for tests and small files.
public struct MCAPMemorySink: MCAPByteSink {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func write(_ bytes: [UInt8]) throws { self.bytes.append(contentsOf: bytes) }
}
