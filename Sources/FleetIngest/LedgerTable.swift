public import FleetStore

/// The loss ledgers of every stream, as the pipeline keeps them: a dense array indexed by
/// stream slot, with the map from stream to slot. Handed to the live scorer at each batch
/// without copying (the arrays are shared until the pipeline next writes them).
public struct LedgerTable: Sendable {
    var index: [StreamKey: Int] = [:]
    var ledgers: [LossLedger] = []

    public init() {}

    public subscript(key: StreamKey) -> LossLedger? {
        index[key].map { ledgers[$0] }
    }

    /// Every ledger, in the order the streams were first seen.
    public var values: [LossLedger] { ledgers }
    public var count: Int { ledgers.count }
    public var isEmpty: Bool { ledgers.isEmpty }
}
