import Foundation
import Synchronization
import Testing

@testable import FleetIngest

struct FrameRingTests {
    @Test func roundsCapacityUpToAPowerOfTwo() {
        #expect(FrameRing(capacity: 5).capacity == 8)
        #expect(FrameRing(capacity: 1024).capacity == 1024)
    }

    @Test func emptyRingDrainsNothing() {
        let ring = FrameRing(capacity: 4)
        #expect(ring.drain(limit: 10) { _ in Issue.record("nothing to drain") } == 0)
        #expect(ring.count == 0)
        ring.checkInvariants()
    }

    @Test func fullRingRefusesAndKeepsWhatItHas() {
        let ring = FrameRing(capacity: 4, inlineBytes: 16)
        for value in 0..<4 {
            #expect(push(ring, value))
        }
        #expect(!push(ring, 99), "a full ring must refuse")
        #expect(ring.count == 4)
        ring.checkInvariants()

        var seen: [Int] = []
        #expect(ring.drain(limit: 2) { seen.append(value(of: $0)) } == 2)
        #expect(push(ring, 4))
        #expect(push(ring, 5))
        #expect(!push(ring, 6))
        #expect(ring.drain(limit: 100) { seen.append(value(of: $0)) } == 4)
        #expect(seen == [0, 1, 2, 3, 4, 5])
        #expect(ring.count == 0)
        ring.checkInvariants()
    }

    @Test func keepsSourceAndReceiveTime() {
        let ring = FrameRing(capacity: 2)
        let bytes: [UInt8] = [1, 2, 3]
        bytes.withUnsafeBytes { _ = ring.tryPush($0, source: 7, receivedAt: 123_456) }
        ring.drain(limit: 1) { frame in
            #expect(Array(frame.bytes) == bytes)
            #expect(frame.source == 7)
            #expect(frame.receivedAt == 123_456)
        }
    }

    @Test func carriesFramesLargerThanASlotOutOfLine() {
        let ring = FrameRing(capacity: 4, inlineBytes: 8)
        let large = (0..<5000).map { UInt8(truncatingIfNeeded: $0) }
        let small: [UInt8] = [9, 9]
        large.withUnsafeBytes { _ = ring.tryPush($0, source: 1, receivedAt: 0) }
        small.withUnsafeBytes { _ = ring.tryPush($0, source: 2, receivedAt: 0) }
        large.withUnsafeBytes { _ = ring.tryPush($0, source: 3, receivedAt: 0) }
        var got: [[UInt8]] = []
        ring.drain(limit: 2) { got.append(Array($0.bytes)) }
        #expect(got == [large, small])
        // The third frame is freed by deinit without being drained (checked by ASan/valgrind runs).
    }

    @Test func aThrowingConsumerKeepsTheRestForLater() {
        struct Stop: Error {}
        let ring = FrameRing(capacity: 8, inlineBytes: 16)
        for value in 0..<5 { push(ring, value) }
        #expect(throws: Stop.self) {
            try ring.drain(limit: 10) { frame in
                if value(of: frame) == 2 { throw Stop() }
            }
        }
        var rest: [Int] = []
        ring.drain(limit: 10) { rest.append(value(of: $0)) }
        #expect(rest == [3, 4], "the frame that threw is consumed, the rest stay")
        ring.checkInvariants()
    }

    /// Two threads, ten million frames: every one arrives once, in order, and the invariants
    /// hold whenever the consumer looks.
    @Test func twoThreadsPassTenMillionFramesInOrder() {
        let total = 10_000_000
        let ring = FrameRing(capacity: 1024, inlineBytes: 16)
        let producerDone = Atomic<Bool>(false)
        let producer = Thread {
            var value = 0
            var spins = 0
            while value < total {
                if push(ring, value) {
                    value += 1
                } else {
                    spins += 1
                    if spins & 0xFF == 0 { sched_yield() }
                }
            }
            producerDone.store(true, ordering: .releasing)
        }
        producer.start()

        var expected = 0
        var outOfOrder = 0
        var batches = 0
        while expected < total {
            let drained = ring.drain(limit: 256) { frame in
                if value(of: frame) != expected { outOfOrder += 1 }
                expected += 1
            }
            batches += 1
            if batches & 0x3FF == 0 { ring.checkInvariants() }
            if drained == 0 { sched_yield() }
        }
        while !producerDone.load(ordering: .acquiring) { sched_yield() }
        #expect(expected == total)
        #expect(outOfOrder == 0)
        #expect(ring.count == 0, "nothing left over, nothing duplicated")
        ring.checkInvariants()
    }
}

@discardableResult
private func push(_ ring: FrameRing, _ value: Int) -> Bool {
    withUnsafeBytes(of: value) { ring.tryPush($0, source: 0, receivedAt: 0) }
}

private func value(of frame: RingFrame) -> Int {
    frame.bytes.loadUnaligned(as: Int.self)
}
