public import FleetStorage
import FleetStore

/// The event-time windows whose frames retention must keep: every run's RUNNING window as
/// `fleet verify` and `fleet score --recompute` read it (`Recompute.readWindow`). A FINAL
/// run's frames back its signed result and hash chains; a run under review, FINISHED or
/// RUNNING will be finalized from its frames. A run that never started has no window.
public enum RetainedWindows {
    /// The windows of every run in `database` that has one.
    public static func windows(in database: FleetDatabase) throws -> [ClosedRange<UInt64>] {
        let store = SQLiteCompetitionStore(database: database)
        return try store.runs().compactMap { run in
            try Recompute.readWindow(store: store, run: run).map { $0.from...max($0.from, $0.to) }
        }
    }
}
