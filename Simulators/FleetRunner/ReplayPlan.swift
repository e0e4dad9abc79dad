public import FleetProtocol

/// Which records of a recording (`fleet sim --record`) to send and as which robots: fewer
/// robots than recorded keeps the first N, more clones robots under new ids (+1,000,000 per
/// copy); the referee's frames are sent once.
public struct ReplayPlan: Sendable {
    /// (record index, robot id offset) in send order.
    public var sends: [(record: Int, idOffset: UInt32)] = []
    public var robotCount = 0
    /// Per recorded robot, one more than its highest sequence number: how far a repeat of
    /// the recording shifts that robot's sequence numbers so they continue.
    public var sequenceSpan: [UInt32: UInt32] = [:]

    public init(bytes: [UInt8], records: [Recording.Record], robots: Int?) {
        var robotOf: [UInt32] = []
        var ids = Set<UInt32>()
        bytes.withUnsafeBytes { buffer in
            for record in records {
                let frame = UnsafeRawBufferPointer(rebasing: buffer[record.frame])
                let header = FrameHeader.unverified(frame)
                let id = header?.robotID ?? 0
                robotOf.append(id)
                if let header { sequenceSpan[id] = max(sequenceSpan[id] ?? 0, header.sequence &+ 1) }
                if id < 0xF000_0000 { ids.insert(id) }
            }
        }
        let recorded = ids.sorted()
        let wanted = robots ?? recorded.count
        robotCount = wanted
        if wanted <= recorded.count {
            let kept = Set(recorded.prefix(wanted))
            for (index, id) in robotOf.enumerated() where kept.contains(id) || id >= 0xF000_0000 {
                sends.append((index, 0))
            }
        } else {
            let copies = (wanted + recorded.count - 1) / max(recorded.count, 1)
            let ranks = Dictionary(uniqueKeysWithValues: recorded.enumerated().map { ($1, $0) })
            for (index, id) in robotOf.enumerated() {
                guard let rank = ranks[id] else {
                    sends.append((index, 0))  // referee: once
                    continue
                }
                for copy in 0..<copies where copy * recorded.count + rank < wanted {
                    sends.append((index, UInt32(copy) * 1_000_000))
                }
            }
        }
    }
}

extension ReplayPlan {
    /// The senders the plan sends as (robot ids after cloning), and for each planned frame
    /// the index of its sender in `ids`.
    public func senders(bytes: [UInt8], records: [Recording.Record]) -> (ids: [UInt32], indexOfSend: [Int]) {
        var ids: [UInt32] = []
        var index: [UInt32: Int] = [:]
        var indexOfSend: [Int] = []
        indexOfSend.reserveCapacity(sends.count)
        bytes.withUnsafeBytes { buffer in
            for (record, idOffset) in sends {
                let claimed = FrameHeader.unverified(UnsafeRawBufferPointer(rebasing: buffer[records[record].frame]))
                guard let recorded = claimed?.robotID else {
                    // Recorded unreadable: claims nobody, so any socket may carry it.
                    indexOfSend.append(0)
                    continue
                }
                let id = recorded < 0xF000_0000 ? recorded &+ idOffset : recorded
                if index[id] == nil {
                    index[id] = ids.count
                    ids.append(id)
                }
                indexOfSend.append(index[id]!)
            }
        }
        return (ids, indexOfSend)
    }
}

extension ReplayPlan {
    /// Event time a recording covers, so a repeat continues after it.
    public static func eventTimeSpan(bytes: [UInt8], records: [Recording.Record]) -> UInt64 {
        var first = UInt64.max
        var last: UInt64 = 0
        bytes.withUnsafeBytes { buffer in
            for record in records {
                guard let header = FrameHeader.unverified(UnsafeRawBufferPointer(rebasing: buffer[record.frame])) else {
                    continue
                }
                first = min(first, header.timestampNanoseconds)
                last = max(last, header.timestampNanoseconds)
            }
        }
        return last >= first ? last - first + 100_000_000 : 0
    }

}
