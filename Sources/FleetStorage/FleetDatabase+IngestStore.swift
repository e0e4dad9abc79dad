public import FleetStore

// INTERIM (replaced by the storage-engine v2 backend on branch `sqlite`): segments are not
// stored yet; the pipeline seals every chunk at shutdown.
extension FleetDatabase: IngestStore {
    public func restoreIngestState() throws -> IngestRestoreState {
        IngestRestoreState(ledgers: try lossLedger())
    }

    public func maintain(at nowNanos: UInt64) throws {}

    public func finishIngest() throws { try checkpoint() }
}
