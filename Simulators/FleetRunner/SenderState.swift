import FleetProtocol
import FleetSimulation

/// One sender as the runner sees it: its numbering, its fault stream, what it has scheduled,
/// what it holds back, and its truth so far.
struct SenderState {
    let robotID: UInt32
    let isReferee: Bool
    var bootEpoch: UInt32
    var nextSequence: UInt32 = 0
    /// Simulated time (ns) of the current boot.
    var bootNanos: UInt64 = 0
    /// Frames of each kind numbered in this boot epoch, for the heartbeat's counters.
    var stateFrames: UInt32 = 0
    var eventFrames: UInt32 = 0
    /// Per-frame fault draws: this sender's own stream, so one robot's faults never shift
    /// another's.
    var faults: SeededGenerator
    /// When the sender restarts / loses its link (simulated ns), if it is chosen to.
    var rebootAt: UInt64?
    var disconnectAt: UInt64?
    /// While the link is down: when it comes back.
    var reconnectAt: UInt64?
    /// A frame held back to be sent after the next one (reorder).
    var held: HeldFrame?
    /// Reliable mode, link down: frames waiting for the link.
    var waiting: [HeldFrame] = []
    var truth: SenderTruth

    var linkIsDown: Bool { reconnectAt != nil }

    var epochTruth: EpochTruth {
        get { truth.bootEpochs[truth.bootEpochs.count - 1] }
        set { truth.bootEpochs[truth.bootEpochs.count - 1] = newValue }
    }

    init(robotID: UInt32, team: String, kind: String, bootEpoch: UInt32, faults: SeededGenerator, isReferee: Bool) {
        self.robotID = robotID
        self.isReferee = isReferee
        self.bootEpoch = bootEpoch
        self.faults = faults
        truth = SenderTruth(
            robotID: robotID,
            team: team,
            kind: kind,
            bootEpochs: [EpochTruth(bootEpoch: bootEpoch, bootNanos: 0)]
        )
    }

    /// Gives out the next sequence number.
    mutating func number(isState: Bool, isHeartbeat: Bool) -> UInt32 {
        let sequence = nextSequence
        nextSequence += 1
        epochTruth.sequences = nextSequence
        if isState {
            stateFrames += 1
        } else if !isHeartbeat {
            eventFrames += 1
        }
        return sequence
    }

    /// A restart: next boot epoch, sequence and counters from 0.
    mutating func reboot(at nanos: UInt64) {
        bootEpoch += 1
        nextSequence = 0
        stateFrames = 0
        eventFrames = 0
        bootNanos = nanos
        truth.bootEpochs.append(EpochTruth(bootEpoch: bootEpoch, bootNanos: nanos))
    }
}

/// A numbered frame kept for later: its bytes and what reliable mode needs to send it.
struct HeldFrame {
    var bytes: [UInt8]
    var message: FleetProtocol.Message
    var timestampNanos: UInt64
    var bootEpoch: UInt32
    var sequence: UInt32
    /// What to do with it when it goes out.
    var fault: FrameFault
}

/// What the fault draw decided for one frame.
enum FrameFault: Equatable {
    case none
    case drop
    case duplicate
    case reorder
    /// Flip the body byte at `offset` (from the frame's start) with `mask`.
    case corrupt(offset: Int, mask: UInt8)
}
