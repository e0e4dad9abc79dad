import Crypto
import FleetProtocol
public import FleetStorage
public import FleetStore
import Foundation

/// The per-sender hash chain over a run's stored frames:
/// `h₀ = SHA-256("fleet-chain-v1" ‖ run ‖ sender)`, `hᵢ = SHA-256(hᵢ₋₁ ‖ len ‖ frameᵢ)` over
/// the sender's frames with event time in the run's window, in (time, boot epoch, sequence)
/// order. The heads go into the signed document; the frame index (`HashChain+Index.swift`:
/// each frame's boot, sequence and a digest prefix) lets `fleet verify` name the first frame
/// that changed.
public enum HashChain {
    /// One stored frame, as read back.
    struct Item {
        var time: UInt64
        var boot: UInt32
        var sequence: UInt32
        var bytes: [UInt8]
        var readable: Bool
    }

    /// Stored frames per sender, in chain order.
    static func frames(
        store: any CompetitionStore,
        context: RunContext,
        window: FinalDocument.Window
    ) throws -> [UInt32: [Item]] {
        var bySender: [UInt32: [Item]] = [:]
        try store.forEachFrame(from: window.from, to: window.to, senders: context.isInput) { sender, header, bytes in
            guard context.isInput(sender: sender, frame: bytes) else { return }
            bySender[sender, default: []].append(
                Item(
                    time: header?.timestampNanoseconds ?? .max,
                    boot: header?.bootEpoch ?? .max,
                    sequence: header?.sequence ?? .max,
                    bytes: Array(bytes),
                    readable: header != nil
                )
            )
        }
        for key in bySender.keys {
            bySender[key]!.sort {
                ($0.time, $0.boot, $0.sequence) < ($1.time, $1.boot, $1.sequence)
                    || (($0.time, $0.boot, $0.sequence) == ($1.time, $1.boot, $1.sequence)
                        && $0.bytes.lexicographicallyPrecedes($1.bytes))
            }
        }
        return bySender
    }

    static func seed(runID: UInt32, sender: UInt32) -> [UInt8] {
        var bytes = Array("fleet-chain-v1".utf8)
        withUnsafeBytes(of: runID.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: sender.littleEndian) { bytes += $0 }
        return Array(SHA256.hash(data: bytes))
    }

    static func link(_ previous: [UInt8], _ frame: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        withUnsafeBytes(of: UInt32(frame.count).littleEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(data: frame)
        return Array(hasher.finalize())
    }

    /// The chains of every sender with frames in the window, by sender id.
    public static func compute(
        store: any CompetitionStore,
        context: RunContext,
        window: FinalDocument.Window,
        format: IndexFormat
    ) throws -> [ChainRecord] {
        let all = try frames(store: store, context: context, window: window)
        return all.keys.sorted().map { chain(runID: context.run.id, sender: $0, items: all[$0]!, format: format) }
    }

    static func chain(runID: UInt32, sender: UInt32, items: [Item], format: IndexFormat) -> ChainRecord {
        ChainRecord(
            senderID: sender,
            frames: items.count,
            head: head(runID: runID, sender: sender, items: items),
            frameIndex: encodeIndex(items, format)
        )
    }

    static func head(runID: UInt32, sender: UInt32, items: [Item]) -> [UInt8] {
        var head = seed(runID: runID, sender: sender)
        for item in items { head = link(head, item.bytes) }
        return head
    }

    /// What broke in a sender's chain: the first stored frame that does not match the index.
    public struct Break: Sendable, Equatable, CustomStringConvertible {
        public var sender: UInt32
        /// Boot epoch and sequence of the first frame that fails (as signed, where known).
        public var bootEpoch: UInt32?
        public var sequence: UInt32?
        public var reason: String

        public var description: String {
            let who = sender >= RunContext.infrastructure.lowerBound ? "sender \(sender)" : "robot \(sender)"
            if let sequence {
                return "\(who) sequence \(sequence) (boot \(bootEpoch.map(String.init) ?? "?")): \(reason)"
            }
            return "\(who): \(reason)"
        }
    }

    /// Compares the stored frames with the signed chains; the first break per sender.
    public static func verify(
        store: any CompetitionStore,
        context: RunContext,
        window: FinalDocument.Window,
        signed: [FinalDocument.Chain],
        indexes: [UInt32: [UInt8]],
        format: IndexFormat
    ) throws -> [Break] {
        let stored = try frames(store: store, context: context, window: window)
        var breaks: [Break] = []
        let signedBySender = Dictionary(uniqueKeysWithValues: signed.map { ($0.sender, $0) })
        for sender in Set(stored.keys).union(signedBySender.keys).sorted() {
            let items = stored[sender] ?? []
            guard let expected = signedBySender[sender] else {
                let first = items.first
                breaks.append(
                    Break(
                        sender: sender,
                        bootEpoch: first?.boot,
                        sequence: first?.sequence,
                        reason: "frames that the signed result does not cover (\(items.count))"
                    )
                )
                continue
            }
            let head = head(runID: context.run.id, sender: sender, items: items)
            if items.count == expected.frames && hex(head) == expected.head { continue }
            breaks.append(
                locate(sender: sender, items: items, index: indexes[sender], expected: expected, format: format)
            )
        }
        return breaks
    }

    static func locate(
        sender: UInt32,
        items: [Item],
        index: [UInt8]?,
        expected: FinalDocument.Chain,
        format: IndexFormat
    ) -> Break {
        guard let index, hex(Array(SHA256.hash(data: index))) == expected.indexDigest,
            let decoded = decodeIndex(index, format)
        else {
            return Break(
                sender: sender,
                bootEpoch: nil,
                sequence: nil,
                reason: "hash chain broken and its frame index was altered too: cannot say which frame"
            )
        }
        return firstMismatch(sender: sender, items: items, index: decoded, format: format)
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
