public import FleetProtocol
public import FleetStorage
public import FleetStore

/// Something that follows the accepted frames on the pipeline thread (the live scorer).
///
/// The service creates it when it is created (`IngestService.Configuration.observer`); the
/// pipeline calls it only from its own thread, so it needs no locks for its own state; `backgroundTick` is the
/// exception, called from the service's task about four times a second, for work that must
/// stay off the hot path (reading the database).
public protocol FrameObserver: AnyObject, Sendable {
    /// Every accepted, decoded frame in arrival order. Keep it cheap: it runs per frame.
    func observe(_ frame: borrowing Frame)
    /// The pipeline is closing a batch (at least every `tickInterval` while running, even
    /// without frames): add rows to commit with it. `ledgers` are the live loss ledgers.
    func closingBatch(_ batch: inout WriteBatch, ledgers: LedgerTable, now: UInt64)
    /// The pipeline cannot close a batch (the writer is behind) but `tickInterval` passed:
    /// bring what readers see in this process up to date; rows wait for `closingBatch`.
    func tick(now: UInt64)
    /// Off the pipeline thread, about four times a second.
    func backgroundTick(now: UInt64)
}

extension FrameObserver {
    public func tick(now: UInt64) {}
}

/// Builds the service's observer when the service starts, over the service's own database
/// (so anything it reads or writes uses the one pool and its one writer connection).
public typealias FrameObserverFactory = @Sendable (any IngestStore) -> any FrameObserver
