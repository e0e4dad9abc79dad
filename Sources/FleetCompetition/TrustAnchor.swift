import Foundation

/// The public key a FINAL result must be signed with: given by the organizers (`--public-key`,
/// hex or a file holding it), or the one written beside the service key at its creation
/// (`fleet-service.key.pub`, printed at every finalize so that organizers can publish it), or
/// that of the service key file itself. The key stored in the database next to a signature
/// is no anchor: whoever can edit the file can replace both.
public struct TrustAnchor: Sendable, Equatable {
    public var publicKey: [UInt8]
    /// Where the key came from, for the report.
    public var source: String

    public init(publicKey: [UInt8], source: String) {
        self.publicKey = publicKey
        self.source = source
    }

    /// `fleet-service.key.pub` for `fleet-service.key`.
    public static func publicKeyPath(forKey path: String) -> String { path + ".pub" }

    /// Resolves the anchor: `given` (hex, or a file with hex or 32 raw bytes) when set;
    /// otherwise the `.pub` file beside `keyPath`, or `keyPath`'s private key. Nil when none
    /// exists (the result is then UNVERIFIED).
    public static func resolve(given: String?, keyPath: String) throws -> TrustAnchor? {
        if let given {
            if let key = hexBytes(given), key.count == 32 { return TrustAnchor(publicKey: key, source: "--public-key") }
            guard let data = FileManager.default.contents(atPath: given) else {
                throw CompetitionError(
                    .key,
                    "--public-key \(given) is neither 64 hex digits nor a readable file holding them"
                )
            }
            return try TrustAnchor(publicKey: parse(data, path: given), source: given)
        }
        let pub = publicKeyPath(forKey: keyPath)
        if let data = FileManager.default.contents(atPath: pub) {
            return try TrustAnchor(publicKey: parse(data, path: pub), source: pub)
        }
        if FileManager.default.fileExists(atPath: keyPath) {
            return TrustAnchor(publicKey: try ServiceKey(path: keyPath, create: false).publicKey, source: keyPath)
        }
        return nil
    }

    static func parse(_ data: Data, path: String) throws -> [UInt8] {
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if let key = hexBytes(text), key.count == 32 { return key }
        if data.count == 32 { return [UInt8](data) }
        throw CompetitionError(.key, "\(path) holds no Ed25519 public key (64 hex digits)")
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0, !chars.isEmpty else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension ServiceKey {
    /// Writes the public key (hex) beside the key file when it is not there yet; returns it in hex.
    @discardableResult
    public func publishPublicKey() -> String {
        let hex = HashChain.hex(publicKey)
        let pub = TrustAnchor.publicKeyPath(forKey: path)
        if !FileManager.default.fileExists(atPath: pub) {
            _ = FileManager.default.createFile(atPath: pub, contents: Data((hex + "\n").utf8))
        }
        return hex
    }
}
