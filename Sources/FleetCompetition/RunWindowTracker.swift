public import FleetProtocol
public import FleetStorage
public import FleetStore

/// Decides which frames are a run's scoring inputs, fed in canonical order: the same rule
/// for the live scorer and the recompute, so both feed the scorer exactly the same frames.
///
/// Referee mode: the first `run_state` RUNNING frame of the run (from infrastructure) opens
/// the window and the first FINISHED frame closes it; a frame is an input when its event
/// time lies inside, ends included (the two run_state frames themselves are inputs). Wall
/// mode: the window is `fleet run start`…`stop`, and run_state frames are never inputs.
public struct RunWindowTracker: Sendable, Equatable {
    public let runID: UInt32
    public let mode: RunWindowSource
    public private(set) var start: UInt64?
    public private(set) var end: UInt64?

    public init(run: RunRecord) {
        runID = run.id
        mode = run.window
        if mode == .wall {
            start = run.startedNanos
            end = run.stoppedNanos
        }
    }

    /// Wall mode: the stop time once known.
    public mutating func close(at nanos: UInt64) {
        if mode == .wall && end == nil { end = nanos }
    }

    /// Whether `frame` is an input; updates the window from run_state frames.
    public mutating func admit(_ frame: Frame) -> Bool {
        let t = frame.header.timestampNanoseconds
        if case .runState(let state) = frame.message {
            if mode == .wall { return false }
            if state.runID == runID && RunContext.infrastructure.contains(frame.header.robotID) {
                switch state.state {
                case .running: if start == nil { start = t }
                case .finished: if end == nil { end = t }
                default: break
                }
            }
        }
        guard let start, t >= start else { return false }
        if let end, t > end { return false }
        return true
    }
}

/// The order frames are fed to a scorer: event time, run_state frames first, then sender,
/// boot epoch, sequence (the scorer's own order within one event time).
@inlinable
public func canonicalPrecedes(_ a: FrameHeader, _ b: FrameHeader) -> Bool {
    if a.timestampNanoseconds != b.timestampNanoseconds { return a.timestampNanoseconds < b.timestampNanoseconds }
    let ra = a.messageType == MessageType.runState.rawValue ? 0 : 1
    let rb = b.messageType == MessageType.runState.rawValue ? 0 : 1
    if ra != rb { return ra < rb }
    if a.robotID != b.robotID { return a.robotID < b.robotID }
    if a.bootEpoch != b.bootEpoch { return a.bootEpoch < b.bootEpoch }
    return a.sequence < b.sequence
}
