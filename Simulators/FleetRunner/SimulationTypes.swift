import FleetSimulation

// The simulation's names for types the codec also has. This file imports FleetSimulation
// only, so the names resolve to its types (the module also has a type called
// `FleetSimulation`, so `FleetSimulation.JointArray` does not name the module's type).
typealias SimAgentClass = AgentClass
typealias SimContactClass = ContactClass
typealias SimLitterClass = LitterClass
typealias SimZoneKind = ZoneKind

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body that throws `RunnerError` only.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(RunnerError) -> R) throws(RunnerError) -> R {
        var result: Result<R, RunnerError>?
        withUnsafeBytes { bytes in
            result = Result { () throws(RunnerError) -> R in try body(bytes) }
        }
        return try result!.get()
    }
}
