public import FleetStorage
public import FleetStore

/// The loss ledger of one robot and boot epoch: what arrived, what repeated, what came late,
/// and exactly which sequence numbers are missing.
///
/// It is also the duplicate filter: a sequence number at or below the highest seen that is
/// neither in a gap nor among the rejected was accepted before. That needs only the gaps,
/// not a bitmap of every sequence number, so it stays small for a long, clean stream and can
/// be reloaded from the database after a restart (reliable mode resends unacknowledged
/// frames; those committed before a crash must be recognised as duplicates).
public struct LossLedger: Sendable, Equatable {
    public private(set) var record: LedgerRecord
    /// Highest sequence number seen in any form (accepted or rejected).
    private var highestSeen: UInt32?

    public enum Verdict: Sendable, Equatable {
        /// First time seen, in order: store it.
        case new
        /// First time seen, but after a later one: store it (it fills a gap).
        case late
        /// Seen and accepted before: do not store again.
        case duplicate
    }

    public init(robotID: UInt32, bootEpoch: UInt32) {
        record = LedgerRecord(robotID: robotID, bootEpoch: bootEpoch)
    }

    /// Continues a ledger that was stored before a restart.
    public init(restoring record: LedgerRecord) {
        self.record = record
        let lastRejected = record.rejectedSequences.last?.last
        switch (record.highestSequence, lastRejected) {
        case (let a?, let b?): highestSeen = max(a, b)
        case (let a?, nil): highestSeen = a
        case (nil, let b?): highestSeen = b
        case (nil, nil): highestSeen = nil
        }
    }

    /// Counts a frame another ingester stored (a robot taken over) as received, unless it
    /// is counted already: a union of what both saw, not a duplicate.
    public mutating func absorb(_ sequence: UInt32, at timestamp: UInt64) {
        let duplicates = record.duplicates
        if accept(sequence, at: timestamp) == .duplicate { record.duplicates = duplicates }
    }

    /// Un-counts a frame counted here but left out of its commit (its robot was taken over
    /// while the batch waited): missing again, so a resend is stored, not taken for a
    /// duplicate and acknowledged.
    public mutating func forget(_ sequence: UInt32) {
        guard hasStored(sequence) else { return }
        Self.insert(sequence, into: &record.gaps)
        record.received -= 1
    }

    /// Records a valid frame and says whether to store it.
    public mutating func accept(_ sequence: UInt32, at timestamp: UInt64) -> Verdict {
        let verdict: Verdict
        if let highest = highestSeen, sequence <= highest {
            if Self.remove(sequence, from: &record.gaps) {
                record.outOfOrder += 1
                verdict = .late
            } else if Self.remove(sequence, from: &record.rejectedSequences) {
                // A valid copy of a frame that arrived corrupt before (a resend).
                verdict = .late
            } else {
                record.duplicates += 1
                return .duplicate
            }
        } else {
            openGap(before: sequence)
            highestSeen = sequence
            verdict = .new
        }
        record.received += 1
        record.highestSequence = max(record.highestSequence ?? 0, sequence)
        if record.received == 1 || timestamp < record.firstNanos { record.firstNanos = timestamp }
        record.lastNanos = max(record.lastNanos, timestamp)
        return verdict
    }

    /// Records a frame that claimed this robot and epoch but failed validation.
    public mutating func reject(_ sequence: UInt32) {
        record.rejected += 1
        if let highest = highestSeen, sequence <= highest {
            // Only a sequence number still missing becomes "rejected"; a corrupt copy of a
            // frame already stored changes nothing but the count.
            if Self.remove(sequence, from: &record.gaps) {
                Self.insert(sequence, into: &record.rejectedSequences)
            }
        } else {
            openGap(before: sequence)
            highestSeen = sequence
            Self.insert(sequence, into: &record.rejectedSequences)
            if record.highestSequence == nil || sequence > record.highestSequence! {
                record.highestSequence = sequence
            }
        }
    }

    /// Counts a frame the receiver had to drop (ring full, pub mode). Its sequence number
    /// stays in a gap: it was never stored.
    public mutating func countDropped(_ count: Int = 1) {
        record.dropped += count
    }

    /// True when `sequence` is at or below the highest seen and neither missing nor
    /// rejected: it is stored already.
    public func hasStored(_ sequence: UInt32) -> Bool {
        guard let highest = highestSeen, sequence <= highest else { return false }
        return !Self.contains(sequence, in: record.gaps) && !Self.contains(sequence, in: record.rejectedSequences)
    }

    /// Highest sequence number such that it and every one before it are settled (stored, or
    /// rejected for good); nil if sequence 0 is not settled yet.
    public var contiguousThrough: UInt32? {
        guard let highest = record.highestSequence else { return nil }
        guard let firstGap = record.gaps.first else { return highest }
        return firstGap.first == 0 ? nil : firstGap.first - 1
    }

    /// What reliable mode acknowledges: runs of settled sequence numbers (stored, or rejected
    /// for good, so the robot stops resending them), at most two. The first run from the
    /// lowest settled number (0 unless the robot's first frames never arrived, as when it
    /// restarted its client mid-epoch), and, when a gap still separates them, the run ending
    /// at the highest: a robot missing one frame resends that frame, not everything after it.
    public var acknowledgedRuns: [SequenceRange] {
        guard let highest = record.highestSequence else { return [] }
        let gaps = record.gaps
        guard let firstGap = gaps.first else { return [SequenceRange(0, highest)] }
        var runs: [SequenceRange] = []
        if firstGap.first > 0 {
            runs.append(SequenceRange(0, firstGap.first - 1))
        } else {
            // A leading gap: the first run starts after it.
            let end = gaps.count > 1 ? gaps[1].first - 1 : highest
            if firstGap.last < highest { runs.append(SequenceRange(firstGap.last + 1, end)) }
        }
        let lastGap = gaps[gaps.count - 1]
        if lastGap.last < highest, runs.last?.last != highest {
            runs.append(SequenceRange(lastGap.last + 1, highest))
        }
        return runs
    }

    /// Counts a frame that claimed this robot and epoch but failed before its checksum was
    /// verified: its header may be corrupt, so its sequence number is not trusted and moves
    /// nothing (no gap, no highest, no acknowledgement).
    public mutating func rejectUnverified() {
        record.rejected += 1
    }

    /// Checks the ledger's invariants; for tests and debug builds.
    public func checkInvariants() {
        for list in [record.gaps, record.rejectedSequences] {
            for (a, b) in zip(list, list.dropFirst()) {
                precondition(a.last &+ 1 < b.first, "ranges \(a) and \(b) overlap, touch or are out of order")
            }
            if let last = list.last, let highest = highestSeen {
                precondition(last.last <= highest, "range \(last) beyond the highest sequence \(highest)")
            }
        }
        for gap in record.gaps {
            precondition(
                !record.rejectedSequences.contains { $0.first <= gap.last && gap.first <= $0.last },
                "gap \(gap) overlaps a rejected range"
            )
        }
        let missing = record.missing
        precondition(
            record.received + missing == (highestSeen.map { Int($0) + 1 } ?? 0),
            "received \(record.received) + missing \(missing) != sequence numbers 0...\(String(describing: highestSeen))"
        )
    }

    private mutating func openGap(before sequence: UInt32) {
        let start = highestSeen.map { $0 &+ 1 } ?? 0
        guard sequence > start || (highestSeen == nil && sequence > 0) else { return }
        if sequence > start { Self.appendRange(SequenceRange(start, sequence - 1), to: &record.gaps) }
    }

    private static func appendRange(_ range: SequenceRange, to list: inout [SequenceRange]) {
        if let last = list.last, last.last &+ 1 == range.first {
            list[list.count - 1].last = range.last
        } else {
            list.append(range)
        }
    }

    /// Index of the range containing `s`, by binary search.
    private static func index(of s: UInt32, in list: [SequenceRange]) -> Int? {
        var low = 0
        var high = list.count - 1
        while low <= high {
            let mid = (low + high) / 2
            if s < list[mid].first {
                high = mid - 1
            } else if s > list[mid].last {
                low = mid + 1
            } else {
                return mid
            }
        }
        return nil
    }

    private static func contains(_ s: UInt32, in list: [SequenceRange]) -> Bool {
        index(of: s, in: list) != nil
    }

    /// Removes `s` from the ranges, splitting one if needed; false if it was not there.
    private static func remove(_ s: UInt32, from list: inout [SequenceRange]) -> Bool {
        guard let i = index(of: s, in: list) else { return false }
        let range = list[i]
        if range.first == range.last {
            list.remove(at: i)
        } else if s == range.first {
            list[i].first = s + 1
        } else if s == range.last {
            list[i].last = s - 1
        } else {
            list[i].last = s - 1
            list.insert(SequenceRange(s + 1, range.last), at: i + 1)
        }
        return true
    }

    /// Inserts `s` (not present) keeping the ranges sorted and merged.
    private static func insert(_ s: UInt32, into list: inout [SequenceRange]) {
        var low = 0
        var high = list.count
        while low < high {
            let mid = (low + high) / 2
            if list[mid].last < s { low = mid + 1 } else { high = mid }
        }
        let joinsPrevious = low > 0 && list[low - 1].last &+ 1 == s
        let joinsNext = low < list.count && s &+ 1 == list[low].first
        switch (joinsPrevious, joinsNext) {
        case (true, true):
            list[low - 1].last = list[low].last
            list.remove(at: low)
        case (true, false):
            list[low - 1].last = s
        case (false, true):
            list[low].first = s
        case (false, false):
            list.insert(SequenceRange(s, s), at: low)
        }
    }
}
