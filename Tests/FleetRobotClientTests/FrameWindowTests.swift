import Testing

@testable import FleetRobotClient

struct FrameWindowTests {
    /// A frame whose bytes say which one it is.
    private func frame(_ sequence: UInt32, length: Int = 100) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: Int(sequence) &* 31 &+ $0) }
    }

    private func append(
        _ window: inout FrameWindow,
        _ sequences: some Sequence<UInt32>,
        epoch: UInt32 = 1,
        length: Int = 100
    ) {
        for sequence in sequences {
            frame(sequence, length: length).withUnsafeBytes {
                window.append(bootEpoch: epoch, sequence: sequence, frame: $0)
            }
        }
    }

    /// Drains the cursor, returning what was sent and whether each was a resend.
    private func sendAll(_ window: inout FrameWindow) -> [([UInt8], Bool)] {
        var sent: [([UInt8], Bool)] = []
        while window.sendNext({ bytes, isResend in
            sent.append((Array(bytes), isResend))
            return true
        }) != nil {}
        return sent
    }

    @Test func keepsTheExactBytesOfEveryFrameUntilAcknowledged() {
        var window = FrameWindow()
        append(&window, 0..<10)
        #expect(window.count == 10)
        #expect(window.byteCount == 1000)
        #expect((0..<10).map { window.frame(at: $0) } == (0..<10).map { frame(UInt32($0)) })
        let released = window.releaseAcknowledged { _, sequence in sequence <= 3 }
        #expect(released == 4)
        #expect(window.first?.sequence == 4)
        #expect(window.frame(at: 0) == frame(4))
        window.checkInvariants()
    }

    @Test func sendsEachFrameOnceThenResendsAllInOrderAfterARewind() {
        var window = FrameWindow()
        append(&window, 0..<5)
        let first = sendAll(&window)
        #expect(first.map(\.0) == (0..<5).map { frame(UInt32($0)) })
        #expect(first.allSatisfy { !$0.1 })
        #expect(window.unsentCount == 0)
        _ = window.releaseAcknowledged { _, sequence in sequence <= 1 }
        window.rewind()
        append(&window, 5..<7)
        let second = sendAll(&window)
        #expect(second.map(\.0) == (2..<7).map { frame(UInt32($0)) })
        #expect(second.map(\.1) == [true, true, true, false, false])
        window.checkInvariants()
    }

    @Test func stopsAtAFrameTheSocketHadNoRoomFor() {
        var window = FrameWindow()
        append(&window, 0..<3)
        #expect(window.sendNext { _, _ in true } == true)
        #expect(window.sendNext { _, _ in false } == false)
        #expect(window.unsentCount == 2)
        #expect(sendAll(&window).map(\.0) == [frame(1), frame(2)])
    }

    /// Issue 10 item 1: an ack for a later run (the frames after one the ingester never got)
    /// settles them where they sit; a resend sends only the frame still missing.
    @Test func aRunAckedBehindAMissingFrameIsNeverResent() {
        var window = FrameWindow()
        append(&window, 0..<10)
        _ = sendAll(&window)
        #expect(window.acknowledge(bootEpoch: 1, from: 0, through: 1) == 2)
        #expect(window.acknowledge(bootEpoch: 1, from: 3, through: 9) == 7)
        window.checkInvariants()
        #expect(window.count == 1 && window.first?.sequence == 2)
        window.rewind()
        let resent = sendAll(&window)
        #expect(resent.map(\.0) == [frame(2)] && resent.allSatisfy(\.1))
        #expect(window.acknowledge(bootEpoch: 1, from: 3, through: 9) == 0, "settled once")
        #expect(window.acknowledge(bootEpoch: 1, from: 2, through: 2) == 1)
        window.checkInvariants()
        #expect(window.isEmpty && window.byteCount == 0)
    }

    @Test func releasesOnlyFromTheFrontAndNeverPastAnUnacknowledgedFrame() {
        var window = FrameWindow()
        append(&window, 0..<3, epoch: 5)
        append(&window, 0..<2, epoch: 6)
        // Epoch 6 acknowledged first: nothing moves while epoch 5 is outstanding.
        #expect(window.releaseAcknowledged { epoch, _ in epoch == 6 } == 0)
        #expect(window.releaseAcknowledged { _, _ in true } == 5)
        #expect(window.isEmpty)
        window.checkInvariants()
    }

    @Test func growsForABacklogAndHandsTheMemoryBackOnceItDrains() {
        var window = FrameWindow()
        append(&window, 0..<4000, length: 524)
        #expect(window.byteCount == 4000 * 524)
        #expect(window.byteCapacity >= 4000 * 524)
        window.checkInvariants()
        _ = window.releaseAcknowledged { _, _ in true }
        #expect(window.byteCount == 0)
        #expect(window.byteCapacity <= FrameWindow.baselineByteCapacity)
        window.checkInvariants()
    }

    @Test func reusesItsBufferInASteadyStreamWithoutGrowing() {
        var window = FrameWindow()
        var next: UInt32 = 0
        var capacities: Set<Int> = []
        for _ in 0..<2000 {
            append(&window, next..<(next + 7), length: 120)
            next += 7
            _ = sendAll(&window)
            let through = next - 3
            _ = window.releaseAcknowledged { _, sequence in sequence < through }
            capacities.insert(window.byteCapacity)
            window.checkInvariants()
        }
        #expect(window.count == 3)
        #expect((0..<3).map { window.frame(at: $0) } == (next - 3..<next).map { frame($0, length: 120) })
        #expect(capacities.max()! <= FrameWindow.baselineByteCapacity)
    }
}
