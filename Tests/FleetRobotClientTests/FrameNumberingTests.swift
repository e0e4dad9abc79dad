import Testing

@testable import FleetRobotClient

struct FrameNumberingTests {
    @Test func numbersFramesFromZeroAndRestartsAtZeroAfterAReboot() {
        var numbering = FrameNumbering(robotID: 7, bootEpoch: 3)
        #expect(numbering.take() == (3, 0))
        #expect(numbering.take() == (3, 1))
        numbering.reboot()
        #expect(numbering.take() == (4, 0))
    }

    @Test func startsANewBootEpochInsteadOfWrappingTheSequence() {
        var numbering = FrameNumbering(robotID: 7, bootEpoch: 3, nextSequence: .max - 1)
        #expect(numbering.take() == (3, .max - 1))
        #expect(numbering.take() == (3, .max))
        #expect(numbering.take() == (4, 0))
        #expect(numbering.nextSequence == 1)
    }
}
