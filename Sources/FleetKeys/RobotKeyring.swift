public import ZeroMQ

/// CURVE keys by sender id: the ingester's allowlist (robots' public keys) or a fleet's own
/// secret keys, as the text files operators keep them in.
///
/// The file format is one sender per line, `ID KEY`: the sender id in decimal or `0x` hex and
/// its 40-character Z85 key, separated by spaces or tabs; a line starting with `#` is a
/// comment (only a whole line: `#` is also a Z85 character), blank lines are ignored. For example:
///
/// ```
/// # team Alpha
/// 101  rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7
/// 0xF0000001  Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID
/// ```
///
/// An id appears once and a key belongs to one id: a key shared by two robots would let one
/// speak for the other.
public struct RobotKeyring: Sendable, Equatable {
    /// What a line of a keyring file got wrong, with its line number.
    public struct FormatError: Error, CustomStringConvertible, Equatable {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public private(set) var keys: [UInt32: CurveKey] = [:]
    private var idsByKey: [CurveKey: UInt32] = [:]

    public init() {}

    /// The keyring of `keys`; throws if two ids share a key.
    public init(_ keys: [UInt32: CurveKey]) throws(FormatError) {
        for (id, key) in keys.sorted(by: { $0.key < $1.key }) { try add(id, key, line: 0) }
    }

    /// Parses the text of a keyring file.
    public init(parsing text: String) throws(FormatError) {
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            // Comments are whole lines: '#' is also a Z85 character, so one inside a line is a key's.
            let line = rawLine
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty || fields[0].hasPrefix("#") { continue }
            guard fields.count == 2 else {
                throw FormatError(line: index + 1, reason: "expected 'ID KEY', got '\(line.trimmed)'")
            }
            guard let id = Self.parseID(fields[0]) else {
                throw FormatError(
                    line: index + 1,
                    reason: "'\(fields[0])' is not a sender id (decimal or 0x hex, 1...4294967294)"
                )
            }
            guard let key = try? CurveKey(z85: String(fields[1])) else {
                throw FormatError(line: index + 1, reason: "'\(fields[1])' is not a 40-character Z85 CURVE key")
            }
            try add(id, key, line: index + 1)
        }
    }

    /// Fresh key pairs for `ids`: their public halves (an ingester's allowlist) and their
    /// secret halves (the robots' keyring).
    public static func generatePairs(
        for ids: some Sequence<UInt32>
    ) throws -> (publicKeys: RobotKeyring, secretKeys: RobotKeyring) {
        var publicKeys = RobotKeyring()
        var secretKeys = RobotKeyring()
        for id in ids {
            let pair = try CurveKeyPair.generate()
            try publicKeys.add(id, pair.publicKey)
            try secretKeys.add(id, pair.secretKey)
        }
        return (publicKeys, secretKeys)
    }

    /// What is missing for `ids` ("no key for senders 301, 302"), or nil when every one
    /// has a key.
    public func missingKeys(for ids: some Sequence<UInt32>) -> String? {
        let missing = Set(ids).filter { keys[$0] == nil }.sorted()
        guard !missing.isEmpty else { return nil }
        let names = missing.prefix(8).map(String.init).joined(separator: ", ")
        let more = missing.count > 8 ? " and \(missing.count - 8) more" : ""
        return "no key for sender\(missing.count == 1 ? "" : "s") \(names)\(more)"
    }

    /// The sender a key belongs to.
    public func id(of key: CurveKey) -> UInt32? { idsByKey[key] }

    public var isEmpty: Bool { keys.isEmpty }
    public var count: Int { keys.count }

    /// Adds `id`'s key; throws if the id or the key is already in the keyring.
    public mutating func add(_ id: UInt32, _ key: CurveKey) throws(FormatError) {
        try add(id, key, line: 0)
    }

    private mutating func add(_ id: UInt32, _ key: CurveKey, line: Int) throws(FormatError) {
        if keys[id] != nil { throw FormatError(line: line, reason: "sender \(id) is listed twice") }
        if let other = idsByKey[key] {
            throw FormatError(
                line: line,
                reason: "sender \(id) has the key of sender \(other); every sender needs its own"
            )
        }
        keys[id] = key
        idsByKey[key] = id
    }

    /// The file text, ids in order, after `header` (each of its lines made a comment).
    public func text(header: String = "") -> String {
        var out = header.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
            .map { "# \($0)\n" }.joined()
        for (id, key) in keys.sorted(by: { $0.key < $1.key }) { out += "\(id) \(key.z85)\n" }
        return out
    }

    /// Parses `101`, `0xF0000001`; 0 and 0xFFFFFFFF are never senders.
    public static func parseID(_ text: some StringProtocol) -> UInt32? {
        let value: UInt32? =
            text.hasPrefix("0x") || text.hasPrefix("0X") ? UInt32(text.dropFirst(2), radix: 16) : UInt32(text)
        guard let value, value != 0, value != .max else { return nil }
        return value
    }
}

extension Substring {
    fileprivate var trimmed: Substring {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" && $0 != "\r" }.map(index(after:)) ?? start
        return self[start..<Swift.max(start, end)]
    }
}
