import Foundation

/// The one JSON form the runner writes: sorted keys, so equal values give equal bytes.
enum JSONText {
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(value))
    }
}
