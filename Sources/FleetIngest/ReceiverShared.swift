import FleetProtocol
import FleetStore
import Synchronization

/// State the receiver thread shares with the pipeline and the writer. Everything else the
/// receiver has (its sockets, its message buffer, its peer table) belongs to its thread.
final class ReceiverShared: Sendable {
    /// Asks the receiver to stop reading and close its sockets.
    let stopRequested = Atomic<Bool>(false)
    /// Set by the receiver when it has stopped reading: nothing more will enter the ring.
    let stoppedReading = Atomic<Bool>(false)
    /// Set by the receiver when its sockets are closed.
    let finished = Atomic<Bool>(false)
    /// Set by the writer when it has committed everything (the receiver then sends the
    /// last acknowledgements and closes).
    let writerFinished = Atomic<Bool>(false)
    /// Acknowledgements the ROUTER's queue refused (a later, cumulative one covers them).
    let acksNotSent = Atomic<Int>(0)
    /// Peers the ROUTER's table holds (at most one per robot).
    let routerPeers = Atomic<Int>(0)
    /// Frames taken off the sockets.
    let received = Atomic<Int>(0)
    /// What the receiver could not put in the ring, for the pipeline to account for.
    let losses = Mutex(ReceiverLosses())
    /// Acknowledgements committed by the writer, for the receiver to send (reliable mode).
    let acks = Mutex<[Acknowledgement]>([])
    /// The endpoints actually bound (a `*` port resolved), once bound.
    let boundEndpoints = Mutex<[String]>([])
    /// CURVE peers the ZAP handler let in and refused (key not on the allowlist).
    let peersAdmitted = Atomic<Int>(0)
    let peersRefused = Atomic<Int>(0)
    /// Handshakes that failed before the ZAP handler (no CURVE, wrong server key).
    let handshakesFailed = Atomic<Int>(0)
    /// Frames refused for claiming another robot than their sender's key, by sender.
    let refusedBySender = Mutex<[UInt32: Int]>([:])
    /// Wakes the pipeline when the receiver queued frames or the writer went idle.
    let pipelineWakeup = Wakeup()
    /// True while the writer commits a batch (the pipeline closes its batch when it is not).
    let writerBusy = Atomic<Bool>(false)
    /// The store's answers to robot claims, committed by the writer, for the pipeline to
    /// apply in commit order; `claimAnswersWaiting` says that some are there.
    let claimAnswers = Mutex<[(outcome: RobotClaimOutcome, startedAt: UInt64)]>([])
    let claimAnswersWaiting = Atomic<Bool>(false)
    /// An error that stopped the receiver, if any.
    let failure = Mutex<String?>(nil)
}

/// Frames the receiver dropped instead of queueing, collected by the pipeline.
struct ReceiverLosses: Sendable {
    /// Valid frames dropped because the ring was full (pub mode), by stream.
    var dropped: [StreamKey: Int] = [:]
    /// Rejected frames that could not be queued either, by reason.
    var rejected: [ProtocolError.Code: Int] = [:]
    /// Frames refused because they claimed another robot than their sender's CURVE key.
    var refusedRobotID = 0
    /// Frames refused because their connection's key was removed or replaced by a reload.
    var refusedKeyRevoked = 0
    /// Messages of more than one part (one frame is one single-part message).
    var multipart = 0

    var isEmpty: Bool {
        dropped.isEmpty && rejected.isEmpty && refusedRobotID == 0 && refusedKeyRevoked == 0 && multipart == 0
    }
}
