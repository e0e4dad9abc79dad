import FleetProtocol

/// Writes an MCAP file (https://mcap.dev/spec) front to back into a byte sink: a header,
/// zstd-compressed chunks each followed by its message indexes, a data end record with the data
/// section's CRC, and a summary (schemas, channels, statistics, chunk indexes) with summary
/// offsets and a footer, so a reader can seek to any time without reading the whole file.
///
/// Memory is one chunk's records plus the summary (a few records per channel and per chunk):
/// a run of any length streams through it.
public struct MCAPWriter<Sink: MCAPByteSink> {
    /// The magic bytes that open and close every MCAP file: `\x89MCAP0\r\n`.
    public static var magic: [UInt8] { [0x89, 0x4D, 0x43, 0x41, 0x50, 0x30, 0x0D, 0x0A] }

    /// What was written, as the statistics record says.
    public struct Statistics: Sendable, Equatable {
        public var messageCount: UInt64 = 0
        public var schemaCount = 0
        public var channelCount = 0
        public var chunkCount = 0
        public var messageStartTime: UInt64 = 0
        public var messageEndTime: UInt64 = 0
        public var channelMessageCounts: [UInt16: UInt64] = [:]
        /// Bytes of the whole file.
        public var fileSize: UInt64 = 0
    }

    private struct ChunkIndex {
        var startTime: UInt64
        var endTime: UInt64
        var offset: UInt64
        var length: UInt64
        var messageIndexOffsets: [UInt16: UInt64]
        var messageIndexLength: UInt64
        var compressedSize: UInt64
        var uncompressedSize: UInt64
    }

    public private(set) var sink: Sink
    private let chunkSize: Int
    private let compressionLevel: Int32
    /// Bytes handed to the sink so far: the offset of the next record.
    private var offset: UInt64 = 0
    /// CRC-32 of the data section so far (from the leading magic on), for the data end record.
    private var dataCRC: UInt32 = 0
    private var inDataSection = true
    private var finished = false
    /// Schema and channel records, by id - 1, repeated in the summary.
    private var schemaRecords: [[UInt8]] = []
    private var channelRecords: [[UInt8]] = []
    private var chunkIndexes: [ChunkIndex] = []
    private var statistics = Statistics()

    // The open chunk.
    private var chunk = MCAPRecordBuilder()
    private var chunkStartTime = UInt64.max
    private var chunkEndTime: UInt64 = 0
    /// Per channel: (log time, offset in the chunk's records) of each message.
    private var chunkMessages: [UInt16: [(time: UInt64, offset: UInt64)]] = [:]

    /// Writes the magic and the header record. A chunk is closed once its records pass
    /// `chunkSize` bytes (before compression).
    public init(
        sink: Sink,
        profile: String = "",
        library: String,
        chunkSize: Int = 1 << 20,
        compressionLevel: Int32 = 3
    ) throws {
        self.sink = sink
        self.chunkSize = max(1, chunkSize)
        self.compressionLevel = compressionLevel
        chunk = MCAPRecordBuilder(capacity: self.chunkSize + 4096)
        var header = MCAPRecordBuilder()
        header.bytes.append(contentsOf: Self.magic)
        header.record(.header) {
            $0.string(profile)
            $0.string(library)
        }
        try emit(header.bytes)
    }

    /// Adds a schema (written into the open chunk and repeated in the summary); its id.
    public mutating func addSchema(name: String, encoding: String, data: [UInt8]) throws -> UInt16 {
        guard schemaRecords.count < Int(UInt16.max) else {
            throw MCAPError(.tooManyIDs, "more than \(UInt16.max - 1) schemas")
        }
        let id = UInt16(schemaRecords.count + 1)
        var record = MCAPRecordBuilder()
        record.record(.schema) {
            $0.u16(id)
            $0.string(name)
            $0.string(encoding)
            $0.prefixedBytes(data)
        }
        schemaRecords.append(record.bytes)
        chunk.bytes.append(contentsOf: record.bytes)
        statistics.schemaCount += 1
        return id
    }

    /// Adds a channel on `topic` whose messages `schemaID` describes (0: none); its id.
    public mutating func addChannel(
        topic: String,
        messageEncoding: String,
        schemaID: UInt16,
        metadata: [String: String] = [:]
    ) throws -> UInt16 {
        guard channelRecords.count < Int(UInt16.max) - 1 else {
            throw MCAPError(.tooManyIDs, "more than \(UInt16.max - 1) channels")
        }
        let id = UInt16(channelRecords.count + 1)
        var record = MCAPRecordBuilder()
        record.record(.channel) {
            $0.u16(id)
            $0.u16(schemaID)
            $0.string(topic)
            $0.string(messageEncoding)
            $0.stringMap(metadata)
        }
        channelRecords.append(record.bytes)
        chunk.bytes.append(contentsOf: record.bytes)
        statistics.channelCount += 1
        return id
    }

    /// Adds one message to the open chunk, closing the chunk when it is full.
    public mutating func addMessage(
        channel: UInt16,
        sequence: UInt32,
        logTime: UInt64,
        publishTime: UInt64,
        data: [UInt8]
    ) throws {
        guard !finished else { throw MCAPError(.finished, "a message after the file was finished") }
        guard channel >= 1, Int(channel) <= channelRecords.count else {
            throw MCAPError(.unknownChannel, "a message on channel \(channel), which was never added")
        }
        chunkMessages[channel, default: []].append((logTime, UInt64(chunk.bytes.count)))
        chunk.record(.message) {
            $0.u16(channel)
            $0.u32(sequence)
            $0.u64(logTime)
            $0.u64(publishTime)
            $0.bytes.append(contentsOf: data)
        }
        chunkStartTime = min(chunkStartTime, logTime)
        chunkEndTime = max(chunkEndTime, logTime)
        if statistics.messageCount == 0 {
            statistics.messageStartTime = logTime
            statistics.messageEndTime = logTime
        } else {
            statistics.messageStartTime = min(statistics.messageStartTime, logTime)
            statistics.messageEndTime = max(statistics.messageEndTime, logTime)
        }
        statistics.messageCount += 1
        statistics.channelMessageCounts[channel, default: 0] += 1
        if chunk.bytes.count >= chunkSize { try closeChunk() }
    }

    /// Closes the open chunk, ends the data section and writes the summary, the summary
    /// offsets, the footer and the closing magic. Nothing may be added after.
    @discardableResult
    public mutating func finish() throws -> Statistics {
        guard !finished else { throw MCAPError(.finished, "finish called twice") }
        try closeChunk()
        finished = true
        var dataEnd = MCAPRecordBuilder()
        let crc = dataCRC
        dataEnd.record(.dataEnd) { $0.u32(crc) }
        try emit(dataEnd.bytes)
        inDataSection = false

        let summaryStart = offset
        var summary = MCAPRecordBuilder()
        var groups: [(MCAPOpcode, UInt64, UInt64)] = []
        func group(_ opcode: MCAPOpcode, _ records: (inout MCAPRecordBuilder) -> Void) {
            let start = summary.bytes.count
            records(&summary)
            let length = summary.bytes.count - start
            if length > 0 { groups.append((opcode, summaryStart + UInt64(start), UInt64(length))) }
        }
        group(.schema) { builder in for record in schemaRecords { builder.bytes.append(contentsOf: record) } }
        group(.channel) { builder in for record in channelRecords { builder.bytes.append(contentsOf: record) } }
        let stats = statistics
        group(.statistics) { builder in
            builder.record(.statistics) {
                $0.u64(stats.messageCount)
                $0.u16(UInt16(stats.schemaCount))
                $0.u32(UInt32(stats.channelCount))
                $0.u32(0)  // attachments
                $0.u32(0)  // metadata
                $0.u32(UInt32(stats.chunkCount))
                $0.u64(stats.messageStartTime)
                $0.u64(stats.messageEndTime)
                $0.idMap(stats.channelMessageCounts)
            }
        }
        group(.chunkIndex) { builder in
            for index in chunkIndexes {
                builder.record(.chunkIndex) {
                    $0.u64(index.startTime)
                    $0.u64(index.endTime)
                    $0.u64(index.offset)
                    $0.u64(index.length)
                    $0.idMap(index.messageIndexOffsets)
                    $0.u64(index.messageIndexLength)
                    $0.string("zstd")
                    $0.u64(index.compressedSize)
                    $0.u64(index.uncompressedSize)
                }
            }
        }
        let summaryOffsetStart = summaryStart + UInt64(summary.bytes.count)
        for (opcode, start, length) in groups {
            summary.record(.summaryOffset) {
                $0.u8(opcode.rawValue)
                $0.u64(start)
                $0.u64(length)
            }
        }
        // The footer's CRC covers the summary, the summary offsets and the footer up to the CRC.
        summary.u8(MCAPOpcode.footer.rawValue)
        summary.u64(20)
        summary.u64(summaryStart)
        summary.u64(summaryOffsetStart)
        summary.u32(CRC32.checksum(summary.bytes))
        summary.bytes.append(contentsOf: Self.magic)
        try emit(summary.bytes)
        statistics.fileSize = offset
        return statistics
    }

    /// Writes the open chunk (if it holds any record) and its message indexes.
    private mutating func closeChunk() throws {
        guard !chunk.bytes.isEmpty else { return }
        let records = chunk.bytes
        let crc = CRC32.checksum(records)
        let compressed = try MCAPZstd.compress(records, level: compressionLevel)
        let hasMessages = !chunkMessages.isEmpty
        let start = hasMessages ? chunkStartTime : 0
        let end = hasMessages ? chunkEndTime : 0
        var out = MCAPRecordBuilder(capacity: compressed.count + 64)
        out.record(.chunk) {
            $0.u64(start)
            $0.u64(end)
            $0.u64(UInt64(records.count))
            $0.u32(crc)
            $0.string("zstd")
            $0.u64(UInt64(compressed.count))
            $0.bytes.append(contentsOf: compressed)
        }
        let chunkOffset = offset
        let chunkLength = UInt64(out.bytes.count)
        var indexOffsets: [UInt16: UInt64] = [:]
        for channel in chunkMessages.keys.sorted() {
            indexOffsets[channel] = chunkOffset + UInt64(out.bytes.count)
            let entries = (chunkMessages[channel] ?? []).sorted { ($0.time, $0.offset) < ($1.time, $1.offset) }
            out.record(.messageIndex) {
                $0.u16(channel)
                $0.u32(UInt32(entries.count * 16))
                for entry in entries {
                    $0.u64(entry.time)
                    $0.u64(entry.offset)
                }
            }
        }
        try emit(out.bytes)
        chunkIndexes.append(
            ChunkIndex(
                startTime: start,
                endTime: end,
                offset: chunkOffset,
                length: chunkLength,
                messageIndexOffsets: indexOffsets,
                messageIndexLength: UInt64(out.bytes.count) - chunkLength,
                compressedSize: UInt64(compressed.count),
                uncompressedSize: UInt64(records.count)
            )
        )
        statistics.chunkCount += 1
        chunk.bytes.removeAll(keepingCapacity: true)
        chunkMessages.removeAll(keepingCapacity: true)
        chunkStartTime = .max
        chunkEndTime = 0
    }

    private mutating func emit(_ bytes: [UInt8]) throws {
        try sink.write(bytes)
        if inDataSection { dataCRC = bytes.withUnsafeBytes { CRC32.checksum($0, continuing: dataCRC) } }
        offset += UInt64(bytes.count)
    }
}
