public import FleetArena
import FleetScoring
import Foundation

extension FleetArena {
    /// The arena as a run stores it (`fleet run create --arena`): its canonical file bytes
    /// under their SHA-256 in hex, as a rulebook is stored, so the same arena is one row
    /// however its file was formatted, and a signed result names it by that hash.
    public var stored: (hash: String, bytes: [UInt8]) {
        let bytes = fileBytes
        return (Rulebook.sha256Hex(Data(bytes)), bytes)
    }
}
