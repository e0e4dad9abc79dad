public import FleetKeys
import Synchronization
public import ZeroMQ

/// The robots' public keys the ZAP handler admits, replaceable while the ingester runs (a
/// long competition day adds robots without a restart: `fleet ingest` reloads its
/// `--allowlist` on SIGHUP).
///
/// A connection is admitted once, at its CURVE handshake; a key that a reload removes or
/// replaces must also stop the connections it already opened. So every admission carries the
/// allowlist's generation in its User-Id (`ID:GENERATION`), and each reload records, per
/// sender whose key it removed or changed, the generation from which only the new key
/// counts: the receiver refuses frames from connections admitted before it.
public final class CurveAllowlist: Sendable {
    /// What a reload changed, by sender id.
    public struct Change: Sendable, Equatable, CustomStringConvertible {
        public var added: [UInt32] = []
        public var removed: [UInt32] = []
        /// Senders listed before and after under another key.
        public var rekeyed: [UInt32] = []
        /// Keys listed after the reload.
        public var keys = 0
        /// The allowlist's generation after the reload.
        public var generation = 0

        public var isEmpty: Bool { added.isEmpty && removed.isEmpty && rekeyed.isEmpty }

        public var description: String {
            func ids(_ list: [UInt32]) -> String {
                let shown = list.prefix(8).map(String.init).joined(separator: ", ")
                return list.count > 8 ? "\(shown) and \(list.count - 8) more" : shown
            }
            var parts = ["\(keys) keys"]
            if !added.isEmpty { parts.append("added \(ids(added))") }
            if !removed.isEmpty { parts.append("removed \(ids(removed))") }
            if !rekeyed.isEmpty { parts.append("new keys for \(ids(rekeyed))") }
            if isEmpty { parts.append("no change") }
            return parts.joined(separator: "; ")
        }
    }

    /// The keyring in force and, per sender a reload removed or re-keyed, the first
    /// generation whose admissions still count.
    struct State: Sendable {
        var keyring: RobotKeyring
        var generation = 0
        var validFrom: [UInt32: Int] = [:]

        /// Replaces the keyring; the transition every reload goes through.
        mutating func replace(with new: RobotKeyring) -> Change {
            var change = Change()
            let next = generation + 1
            for (id, key) in new.keys {
                switch keyring.keys[id] {
                case nil: change.added.append(id)
                case key: break
                default:
                    change.rekeyed.append(id)
                    validFrom[id] = next
                }
            }
            for id in keyring.keys.keys where new.keys[id] == nil {
                change.removed.append(id)
                validFrom[id] = next
            }
            keyring = new
            generation = next
            change.added.sort()
            change.removed.sort()
            change.rekeyed.sort()
            change.keys = new.count
            change.generation = next
            return change
        }
    }

    private let state: Mutex<State>
    /// `State.generation`, readable without the lock: the receiver checks it on every
    /// authenticated frame and takes the lock only when it moved.
    private let published = Atomic<Int>(0)

    public init(_ keyring: RobotKeyring) {
        state = Mutex(State(keyring: keyring))
    }

    /// Keys listed now.
    public var count: Int { state.withLock { $0.keyring.count } }

    /// The generation of the keyring in force (0 until the first reload).
    public var generation: Int { published.load(ordering: .acquiring) }

    /// The ZAP handler's decision for `key`: the sender id and the User-Id to give its
    /// connection, or nil when the key is not listed.
    public func admit(_ key: CurveKey) -> (id: UInt32, userID: String)? {
        state.withLock { state in
            state.keyring.id(of: key).map { ($0, "\($0):\(state.generation)") }
        }
    }

    /// Puts `keyring` in force: new handshakes are decided on it at once, and frames from
    /// connections of removed or replaced keys are refused from now on.
    @discardableResult
    public func replace(with keyring: RobotKeyring) -> Change {
        state.withLock { state in
            let change = state.replace(with: keyring)
            // Releasing: a receiver that sees the new generation also sees `validFrom`
            // (it reads both under the lock anyway; the ordering keeps the fast check honest).
            published.store(state.generation, ordering: .releasing)
            return change
        }
    }

    /// The generation and the per-sender lower bounds, for the receiver's local copy.
    public func revocations() -> (generation: Int, validFrom: [UInt32: Int]) {
        state.withLock { ($0.generation, $0.validFrom) }
    }

    /// Parses a User-Id the ZAP handler gave (`ID:GENERATION`, or a bare `ID`), without
    /// allocating.
    public static func parseUserID(_ bytes: UnsafeRawBufferPointer?) -> (id: UInt32, generation: Int)? {
        guard let bytes, !bytes.isEmpty, bytes.count <= 32 else { return nil }
        var id: UInt64 = 0
        var generation = 0
        var digits = 0
        var inGeneration = false
        for byte in bytes {
            if byte == 0x3A, !inGeneration, digits > 0 {  // ':'
                inGeneration = true
                digits = 0
                continue
            }
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            digits += 1
            if inGeneration {
                guard digits <= 18 else { return nil }
                generation = generation * 10 + Int(byte - 0x30)
            } else {
                guard digits <= 10 else { return nil }
                id = id * 10 + UInt64(byte - 0x30)
            }
        }
        guard digits > 0, id <= UInt64(UInt32.max) else { return nil }
        return (UInt32(id), generation)
    }
}
