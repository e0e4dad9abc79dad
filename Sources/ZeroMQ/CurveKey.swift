import CZeroMQ

/// A 32-byte CURVE key in its Z85 text form (40 characters), the form robot teams paste into
/// configuration files and the allowlist holds.
///
/// The same type carries public and secret keys; ``CurveKeyPair`` keeps the secret one out of
/// logs.
public struct CurveKey: Hashable, Sendable, CustomStringConvertible {
    /// The key as 40 Z85 characters.
    public let z85: String

    /// Checks that `z85` is a 40-character Z85 encoding of 32 bytes.
    public init(z85: String) throws {
        guard Self.decode(z85) != nil else {
            throw ZeroMQError(code: EINVAL, operation: "CurveKey(z85: \"\(z85)\"): not a 40-character Z85 key")
        }
        self.z85 = z85
    }

    /// Encodes a 32-byte binary key (as the ZAP handler receives it) as Z85.
    public init(binary: some Collection<UInt8>) throws {
        let bytes = Array(binary)
        guard bytes.count == 32 else {
            throw ZeroMQError(code: EINVAL, operation: "CurveKey(binary:): \(bytes.count) bytes, expected 32")
        }
        var text = [CChar](repeating: 0, count: 41)
        guard zmq_z85_encode(&text, bytes, bytes.count) != nil else {
            throw ZeroMQError.last("zmq_z85_encode")
        }
        self.init(unchecked: text)
    }

    /// Trusted input: a NUL-terminated Z85 buffer libzmq just filled.
    init(unchecked text: [CChar]) {
        self.z85 = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The 32 key bytes.
    public var binary: [UInt8] {
        // `init` validated the text, so decoding cannot fail.
        Self.decode(z85)!
    }

    public var description: String { z85 }

    static func decode(_ z85: String) -> [UInt8]? {
        guard z85.utf8.count == 40 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        guard zmq_z85_decode(&bytes, z85) != nil else { return nil }
        return bytes
    }
}
