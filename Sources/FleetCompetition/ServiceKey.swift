import Crypto
import Foundation

/// The service's Ed25519 signing key, kept in a file (32 raw bytes, mode 0600) created on
/// first use; by default `fleet-service.key` next to the database.
public struct ServiceKey: Sendable {
    public let path: String
    /// The private key's raw bytes (swift-crypto's key type is not `Sendable`).
    let raw: [UInt8]

    public static func defaultPath(forDatabase database: String) -> String {
        URL(fileURLWithPath: database).deletingLastPathComponent().appendingPathComponent("fleet-service.key").path
    }

    /// Loads the key at `path`, creating it when `create` and the file does not exist.
    public init(path: String, create: Bool) throws {
        self.path = path
        if let data = FileManager.default.contents(atPath: path) {
            do {
                raw = [UInt8](try Curve25519.Signing.PrivateKey(rawRepresentation: data).rawRepresentation)
            } catch {
                throw CompetitionError(.key, "\(path) is not an Ed25519 private key (32 raw bytes): \(error)")
            }
            return
        }
        guard create else { throw CompetitionError(.key, "no service key at \(path)") }
        let key = Curve25519.Signing.PrivateKey()
        raw = [UInt8](key.rawRepresentation)
        let created = FileManager.default.createFile(
            atPath: path,
            contents: key.rawRepresentation,
            attributes: [.posixPermissions: 0o600]
        )
        guard created else { throw CompetitionError(.key, "cannot create the service key at \(path)") }
    }

    var key: Curve25519.Signing.PrivateKey {
        // The bytes were checked when the key was loaded or made.
        try! Curve25519.Signing.PrivateKey(rawRepresentation: raw)
    }

    public var publicKey: [UInt8] { [UInt8](key.publicKey.rawRepresentation) }

    public func sign(_ bytes: [UInt8]) throws -> [UInt8] {
        [UInt8](try key.signature(for: bytes))
    }

    public static func isValid(signature: [UInt8], of bytes: [UInt8], publicKey: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: bytes)
    }
}
