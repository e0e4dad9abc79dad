import FleetMCAP
import FleetProtocol
import Testing

/// The writer's records read back by a parser of MCAP's top-level structure (the official
/// Python reader checks the rest in FleetCLITests' MCAP export test).
struct MCAPWriterTests {
    /// One top-level record: opcode, content, where it starts.
    struct Record {
        var opcode: UInt8
        var offset: Int
        var content: ArraySlice<UInt8>

        func u16(_ at: Int) -> UInt16 { UInt16(le(at, 2)) }
        func u32(_ at: Int) -> UInt32 { UInt32(le(at, 4)) }
        func u64(_ at: Int) -> UInt64 { le(at, 8) }
        private func le(_ at: Int, _ width: Int) -> UInt64 {
            (0..<width).reduce(UInt64(0)) { $0 | UInt64(content[content.startIndex + at + $1]) << (8 * $1) }
        }
    }

    static func records(_ bytes: [UInt8]) throws -> [Record] {
        var records: [Record] = []
        var at = 8
        while at < bytes.count - 8 {
            let length = (0..<8).reduce(0) { $0 | Int(bytes[at + 1 + $1]) << (8 * $1) }
            try #require(at + 9 + length <= bytes.count - 8, "record at \(at) runs past the end")
            records.append(Record(opcode: bytes[at], offset: at, content: bytes[(at + 9)..<(at + 9 + length)]))
            at += 9 + length
        }
        #expect(at == bytes.count - 8, "records end where the trailing magic starts")
        return records
    }

    static func written(messages: Int, chunkSize: Int) throws -> ([UInt8], MCAPWriter<MCAPMemorySink>.Statistics) {
        var writer = try MCAPWriter(sink: MCAPMemorySink(), library: "tests", chunkSize: chunkSize)
        let schema = try writer.addSchema(
            name: "fleet.test",
            encoding: "jsonschema",
            data: Array(#"{"type": "object"}"#.utf8)
        )
        let a = try writer.addChannel(topic: "/a", messageEncoding: "json", schemaID: schema)
        let b = try writer.addChannel(topic: "/b", messageEncoding: "json", schemaID: schema, metadata: ["k": "v"])
        for i in 0..<messages {
            try writer.addMessage(
                channel: i % 3 == 0 ? b : a,
                sequence: UInt32(i),
                logTime: 1_000 + UInt64(i) * 10,
                publishTime: 1_000 + UInt64(i) * 10,
                data: Array("{\"i\": \(i)}".utf8)
            )
        }
        let statistics = try writer.finish()
        return (writer.sink.bytes, statistics)
    }

    @Test func aFileStartsAndEndsWithTheMagicAndItsFooterPointsAtTheSummary() throws {
        let (bytes, statistics) = try Self.written(messages: 100, chunkSize: 256)
        let magic: [UInt8] = [0x89, 0x4D, 0x43, 0x41, 0x50, 0x30, 0x0D, 0x0A]
        #expect(Array(bytes.prefix(8)) == magic)
        #expect(Array(bytes.suffix(8)) == magic)
        #expect(statistics.fileSize == UInt64(bytes.count))
        let records = try Self.records(bytes)
        #expect(records.first?.opcode == 0x01, "the header comes first")
        let footer = try #require(records.last)
        #expect(footer.opcode == 0x02 && footer.content.count == 20)
        let summaryStart = Int(footer.u64(0))
        let summaryOffsetStart = Int(footer.u64(8))
        // The footer's CRC: the summary through the footer's summary_offset_start field.
        let crcEnd = footer.offset + 9 + 16
        #expect(footer.u32(16) == CRC32.checksum(Array(bytes[summaryStart..<crcEnd])))
        let dataEnd = try #require(records.first { $0.opcode == 0x0F })
        #expect(dataEnd.u32(0) == CRC32.checksum(Array(bytes[0..<dataEnd.offset])), "the data section's CRC")
        #expect(summaryStart == dataEnd.offset + 9 + 4, "the summary follows the data end record")
        let summary = records.filter { $0.offset >= summaryStart && $0.offset < summaryOffsetStart }
        #expect(Set(summary.map(\.opcode)) == [0x03, 0x04, 0x08, 0x0B])
        // Each summary offset names a group of records of its opcode, exactly.
        let offsets = records.filter { $0.opcode == 0x0E }
        #expect(offsets.count == 4 && offsets.first?.offset == summaryOffsetStart)
        for offset in offsets {
            let opcode = offset.content.first
            let start = Int(offset.u64(1))
            let end = start + Int(offset.u64(9))
            let group = records.filter { $0.offset >= start && $0.offset < end }
            #expect(!group.isEmpty && group.allSatisfy { $0.opcode == opcode })
            #expect(group.last.map { $0.offset + 9 + $0.content.count } == end)
        }
    }

    @Test func chunkIndexesPointAtTheirChunksAndMessageIndexesAndStatisticsCountEveryMessage() throws {
        let (bytes, statistics) = try Self.written(messages: 100, chunkSize: 256)
        let records = try Self.records(bytes)
        let byOffset = Dictionary(uniqueKeysWithValues: records.map { ($0.offset, $0) })
        let chunks = records.filter { $0.opcode == 0x06 }
        let indexes = records.filter { $0.opcode == 0x08 }
        #expect(chunks.count > 5, "256-byte chunks: many of them")
        #expect(indexes.count == chunks.count && statistics.chunkCount == chunks.count)
        var indexed = 0
        for index in indexes {
            let chunk = try #require(byOffset[Int(index.u64(16))])
            #expect(chunk.opcode == 0x06)
            #expect(Int(index.u64(24)) == 9 + chunk.content.count, "chunk_length")
            #expect(index.u64(0) == chunk.u64(0) && index.u64(8) == chunk.u64(8), "start and end times")
            let mapLength = Int(index.u32(32))
            for entry in stride(from: 36, to: 36 + mapLength, by: 10) {
                let channel = index.u16(entry)
                let messageIndex = try #require(byOffset[Int(index.u64(entry + 2))])
                #expect(messageIndex.opcode == 0x07 && messageIndex.u16(0) == channel)
                indexed += Int(messageIndex.u32(2)) / 16
            }
        }
        #expect(indexed == 100, "every message is in one message index")
        let stats = try #require(records.first { $0.opcode == 0x0B })
        #expect(stats.u64(0) == 100)
        #expect(stats.u16(8) == 1 && stats.u32(10) == 2, "one schema, two channels")
        #expect(stats.u64(26) == 1_000 && stats.u64(34) == 1_990, "first and last log times")
        #expect(statistics.channelMessageCounts == [1: 66, 2: 34])
    }

    @Test func aMessageOnAChannelNeverAddedIsRefused() throws {
        var writer = try MCAPWriter(sink: MCAPMemorySink(), library: "tests")
        #expect(throws: MCAPError.self) {
            try writer.addMessage(channel: 1, sequence: 0, logTime: 0, publishTime: 0, data: [])
        }
    }
}
