import FleetStorage
import FleetStore
import Testing

@testable import FleetIngest

struct LossLedgerTests {
    @Test func anInOrderStreamHasNoGaps() {
        var ledger = LossLedger(robotID: 1, bootEpoch: 0)
        for s in UInt32(0)..<100 { #expect(ledger.accept(s, at: UInt64(s)) == .new) }
        #expect(ledger.record.gaps.isEmpty)
        #expect(ledger.record.received == 100)
        #expect(ledger.contiguousThrough == 99)
        ledger.checkInvariants()
    }

    @Test func dropsBecomeExactGapRanges() {
        var ledger = LossLedger(robotID: 1, bootEpoch: 0)
        let dropped: Set<UInt32> = [0, 5, 6, 7, 20, 99]
        for s in UInt32(0)..<101 where !dropped.contains(s) { _ = ledger.accept(s, at: 0) }
        #expect(ledger.record.gaps == [.init(0, 0), .init(5, 7), .init(20, 20), .init(99, 99)])
        #expect(ledger.record.missing == 6)
        #expect(ledger.contiguousThrough == nil)
        #expect(ledger.acknowledgedRuns == [.init(1, 4), .init(100, 100)])
        ledger.checkInvariants()
    }

    @Test func aLateFrameFillsItsGapAndCountsAsOutOfOrder() {
        var ledger = LossLedger(robotID: 1, bootEpoch: 0)
        for s: UInt32 in [0, 1, 3, 2, 4, 6, 5] { _ = ledger.accept(s, at: 0) }
        #expect(ledger.record.gaps.isEmpty)
        #expect(ledger.record.outOfOrder == 2)
        #expect(ledger.record.received == 7)
        ledger.checkInvariants()
    }

    @Test func duplicatesAreRecognisedAndNotStoredTwice() {
        var ledger = LossLedger(robotID: 1, bootEpoch: 0)
        #expect(ledger.accept(0, at: 0) == .new)
        #expect(ledger.accept(2, at: 0) == .new)
        #expect(ledger.accept(0, at: 0) == .duplicate)
        #expect(ledger.accept(1, at: 0) == .late)
        #expect(ledger.accept(1, at: 0) == .duplicate)
        #expect(ledger.accept(2, at: 0) == .duplicate)
        #expect(ledger.record.duplicates == 3)
        #expect(ledger.record.received == 3)
        ledger.checkInvariants()
    }

    @Test func rejectedFramesAreKeptApartFromGaps() {
        var ledger = LossLedger(robotID: 1, bootEpoch: 0)
        _ = ledger.accept(0, at: 0)
        ledger.reject(1)  // corrupt, in order
        _ = ledger.accept(3, at: 0)  // 2 dropped
        ledger.reject(5)  // corrupt, ahead: 4 becomes a gap
        _ = ledger.accept(6, at: 0)
        ledger.reject(0)  // a corrupt copy of a stored frame changes only the count
        #expect(ledger.record.gaps == [.init(2, 2), .init(4, 4)])
        #expect(ledger.record.rejectedSequences == [.init(1, 1), .init(5, 5)])
        #expect(ledger.record.rejected == 3)
        // Rejected for good counts as settled: acknowledged, not resent.
        #expect(ledger.contiguousThrough == 1)
        #expect(ledger.acknowledgedRuns == [.init(0, 1), .init(5, 6)])
        ledger.checkInvariants()

        // A valid resend of a rejected frame is stored and leaves the rejected list.
        #expect(ledger.accept(1, at: 0) == .late)
        #expect(ledger.record.rejectedSequences == [.init(5, 5)])
        ledger.checkInvariants()
    }

    @Test func aRestoredLedgerStillFiltersDuplicates() {
        var ledger = LossLedger(robotID: 1, bootEpoch: 3)
        for s: UInt32 in [0, 1, 2, 5, 6] { _ = ledger.accept(s, at: 10) }
        ledger.reject(7)
        var restored = LossLedger(restoring: ledger.record)
        #expect(restored.accept(6, at: 10) == .duplicate)
        #expect(restored.accept(3, at: 10) == .late)
        #expect(restored.accept(7, at: 10) == .late)
        #expect(restored.accept(8, at: 10) == .new)
        #expect(restored.record.gaps == [.init(4, 4)])
        restored.checkInvariants()
    }

    /// Seeded property check: whatever the order, drops and repeats, the ledger's missing
    /// sequence numbers are exactly the ones never delivered.
    @Test(arguments: 0..<20)
    func gapsAreExactlyWhatWasNeverDelivered(seed: UInt64) {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let total: UInt32 = 2000
        var delivered: [UInt32] = []
        var kept = Set<UInt32>()
        for s in 0..<total {
            if next() % 20 == 0 && s != total - 1 { continue }  // drop
            delivered.append(s)
            kept.insert(s)
            if next() % 30 == 0 { delivered.append(s) }  // duplicate
        }
        for i in stride(from: 0, to: delivered.count - 1, by: 1) where next() % 25 == 0 {
            delivered.swapAt(i, i + 1)  // reorder neighbours
        }
        var ledger = LossLedger(robotID: 9, bootEpoch: 0)
        var stored = 0
        for s in delivered where ledger.accept(s, at: 0) != .duplicate { stored += 1 }
        ledger.checkInvariants()
        let missing = Set(ledger.record.gaps.flatMap { Array($0.first...$0.last) })
        #expect(missing == Set(0..<total).subtracting(kept))
        #expect(stored == kept.count)
        #expect(ledger.record.duplicates == delivered.count - kept.count)
    }

    /// A frame left out of its commit (its robot taken over meanwhile) is missing again: its
    /// resend fills the gap instead of counting as a duplicate. Frames another ingester
    /// stored are absorbed without counting duplicates.
    @Test func aForgottenFrameIsMissingAgainAndAnAbsorbedOneIsNoDuplicate() {
        var ledger = LossLedger(robotID: 9, bootEpoch: 0)
        for s in UInt32(0)..<10 { _ = ledger.accept(s, at: 0) }
        ledger.forget(5)
        ledger.forget(9)
        ledger.forget(42)  // never seen: nothing to forget
        ledger.checkInvariants()
        #expect(ledger.record.received == 8)
        #expect(ledger.record.gaps == [SequenceRange(5, 5), SequenceRange(9, 9)])
        #expect(ledger.acknowledgedRuns == [SequenceRange(0, 4)], "nothing acknowledged past the first gap but the top")
        #expect(ledger.accept(5, at: 0) == .late)
        #expect(ledger.accept(9, at: 0) == .late)
        #expect(ledger.record.gaps.isEmpty && ledger.record.received == 10 && ledger.record.duplicates == 0)
        ledger.absorb(3, at: 0)
        ledger.absorb(10, at: 0)
        ledger.checkInvariants()
        #expect(ledger.record.duplicates == 0 && ledger.record.received == 11 && ledger.record.highestSequence == 10)
    }
}
