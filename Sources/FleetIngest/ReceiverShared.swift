import FleetProtocol
import Synchronization

/// State the receiver thread shares with the pipeline and the writer. Everything else the
/// receiver has (its sockets, its message buffer, its peer table) belongs to its thread.
final class ReceiverShared: Sendable {
    /// Asks the receiver to stop reading and close its sockets.
    let stopRequested = Atomic<Bool>(false)
    /// Set by the receiver when its sockets are closed: nothing more will enter the ring.
    let finished = Atomic<Bool>(false)
    /// Frames taken off the sockets.
    let received = Atomic<Int>(0)
    /// What the receiver could not put in the ring, for the pipeline to account for.
    let losses = Mutex(ReceiverLosses())
    /// Acknowledgements committed by the writer, for the receiver to send (reliable mode).
    let acks = Mutex<[Acknowledgement]>([])
    /// The endpoints actually bound (a `*` port resolved), once bound.
    let boundEndpoints = Mutex<[String]>([])
    /// An error that stopped the receiver, if any.
    let failure = Mutex<String?>(nil)
}

/// Frames the receiver dropped instead of queueing, collected by the pipeline.
struct ReceiverLosses: Sendable {
    /// Valid frames dropped because the ring was full (pub mode), by stream.
    var dropped: [StreamKey: Int] = [:]
    /// Rejected frames that could not be queued either, by reason.
    var rejected: [ProtocolError.Code: Int] = [:]

    var isEmpty: Bool { dropped.isEmpty && rejected.isEmpty }
}
