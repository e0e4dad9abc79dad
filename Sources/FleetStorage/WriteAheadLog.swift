import FleetStore
import Foundation

/// What a SQLite write-ahead log (`fleet.db-wal`) commits, read as SQLite's recovery reads it
/// (<https://sqlite.org/fileformat2.html#walformat>): a valid header, then frames whose salts
/// match the header's and whose running checksum holds, up to the last commit frame; a
/// frame that fails either check ends the log.
///
/// Why it exists: SQLite reads a WAL only through the `-shm` index beside it. A user who can
/// neither open nor create that file (a read-only folder or mount, a copy of the database
/// and its WAL) can open the database only as `immutable`, which ignores the WAL. That is
/// right when the WAL commits nothing the file lacks, and silently wrong otherwise;
/// `changes(databaseAt:)` tells the two apart.
struct WriteAheadLog: Sendable, Equatable {
    /// The database page size the log was written with.
    let pageSize: Int
    /// Every page the committed frames write, with the file offset of its newest content
    /// (the page image, after the frame's 24-byte header).
    let pages: [UInt32: Int64]
    /// The database's size in pages after the last commit; nil when the log commits nothing.
    let databasePages: UInt32?
    /// Committed transactions in the log.
    let commits: Int

    static let headerSize = 32
    static let frameHeaderSize = 24

    /// A log that commits nothing (no file, an empty or unreadable header).
    static let empty = WriteAheadLog(pageSize: 0, pages: [:], databasePages: nil, commits: 0)

    private init(pageSize: Int, pages: [UInt32: Int64], databasePages: UInt32?, commits: Int) {
        self.pageSize = pageSize
        self.pages = pages
        self.databasePages = databasePages
        self.commits = commits
    }

    /// Scans a log of `size` bytes, reading it through `read(offset, count)` (which returns
    /// fewer bytes only at the end of the file).
    init(size: Int64, read: (Int64, Int) throws -> [UInt8]) rethrows {
        guard size >= Int64(Self.headerSize) else {
            self = .empty
            return
        }
        let header = try read(0, Self.headerSize)
        guard header.count == Self.headerSize else {
            self = .empty
            return
        }
        let magic = Self.bigEndianWord(header, 0)
        let pageSize = Int(Self.bigEndianWord(header, 8))
        guard magic & 0xFFFF_FFFE == 0x377F_0682, Self.bigEndianWord(header, 4) == 3_007_000,
            pageSize >= 512, pageSize <= 65536, pageSize & (pageSize - 1) == 0
        else {
            self = .empty
            return
        }
        // The magic's low bit says in which byte order the checksums read the words.
        let bigEndianSums = magic & 1 == 1
        var sums = Self.checksum(header[0..<24], bigEndian: bigEndianSums, from: (0, 0))
        guard sums == (Self.bigEndianWord(header, 24), Self.bigEndianWord(header, 28)) else {
            self = .empty
            return
        }
        let salts = header[16..<24]
        var pending: [UInt32: Int64] = [:]
        var committed: [UInt32: Int64] = [:]
        var databasePages: UInt32?
        var commits = 0
        let frameSize = Int64(Self.frameHeaderSize + pageSize)
        var offset = Int64(Self.headerSize)
        while offset + frameSize <= size {
            let frame = try read(offset, Int(frameSize))
            guard frame.count == Int(frameSize) else { break }
            let page = Self.bigEndianWord(frame, 0)
            guard page != 0, frame[8..<16].elementsEqual(salts) else { break }
            sums = Self.checksum(frame[0..<8], bigEndian: bigEndianSums, from: sums)
            sums = Self.checksum(frame[Self.frameHeaderSize...], bigEndian: bigEndianSums, from: sums)
            guard sums == (Self.bigEndianWord(frame, 16), Self.bigEndianWord(frame, 20)) else { break }
            pending[page] = offset + Int64(Self.frameHeaderSize)
            let sizeAfterCommit = Self.bigEndianWord(frame, 4)
            if sizeAfterCommit != 0 {
                committed.merge(pending) { $1 }
                pending.removeAll(keepingCapacity: true)
                databasePages = sizeAfterCommit
                commits += 1
            }
            offset += frameSize
        }
        self.init(pageSize: pageSize, pages: committed, databasePages: databasePages, commits: commits)
    }

    /// Reads the log at `path`; `.empty` when there is none.
    static func read(path: String) throws -> WriteAheadLog {
        guard FileManager.default.fileExists(atPath: path) else { return .empty }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StorageError(.fileSystem, "cannot read \(path)")
        }
        defer { try? handle.close() }
        let size = Int64(try handle.seekToEnd())
        return try WriteAheadLog(size: size) { offset, count in
            try handle.seek(toOffset: UInt64(offset))
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        }
    }

    /// Whether the committed log changes the database file at `path`: false when it commits
    /// nothing, or when the file already holds every page it commits, byte for byte, and has
    /// the size it commits (a checkpoint copied it all and nothing was committed since).
    func changes(databaseAt path: String, log logPath: String) throws -> Bool {
        guard let databasePages else { return false }
        guard let database = FileHandle(forReadingAtPath: path), let log = FileHandle(forReadingAtPath: logPath)
        else {
            throw StorageError(.fileSystem, "cannot read \(path) and \(logPath)")
        }
        defer {
            try? database.close()
            try? log.close()
        }
        guard try database.seekToEnd() == UInt64(databasePages) * UInt64(pageSize) else { return true }
        for (page, offset) in pages {
            try log.seek(toOffset: UInt64(offset))
            try database.seek(toOffset: UInt64(page - 1) * UInt64(pageSize))
            guard let logged = try log.read(upToCount: pageSize), let stored = try database.read(upToCount: pageSize),
                logged == stored
            else { return true }
        }
        return false
    }

    /// SQLite's WAL checksum: over 32-bit words in pairs, each sum feeding the other.
    static func checksum(
        _ bytes: ArraySlice<UInt8>,
        bigEndian: Bool,
        from start: (UInt32, UInt32)
    ) -> (UInt32, UInt32) {
        var (s0, s1) = start
        var index = bytes.startIndex
        while index + 8 <= bytes.endIndex {
            let x0 = bigEndian ? bigEndianWord(bytes, index) : littleEndianWord(bytes, index)
            let x1 = bigEndian ? bigEndianWord(bytes, index + 4) : littleEndianWord(bytes, index + 4)
            s0 = s0 &+ x0 &+ s1
            s1 = s1 &+ x1 &+ s0
            index += 8
        }
        return (s0, s1)
    }

    static func bigEndianWord<C: RandomAccessCollection<UInt8>>(_ bytes: C, _ at: C.Index) -> UInt32
    where C.Index == Int {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    static func littleEndianWord<C: RandomAccessCollection<UInt8>>(_ bytes: C, _ at: C.Index) -> UInt32
    where C.Index == Int {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}
