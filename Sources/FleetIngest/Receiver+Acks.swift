import FleetProtocol
import FleetStore
import Foundation
import Synchronization
import ZeroMQ

/// Reliable mode's peers and acknowledgements: each robot's latest routing id (looked up
/// per frame without allocating) and the acks the writer committed, sent to those peers.
extension Receiver {
    /// Makes the current message's peer `robotID`'s latest peer. A peer no robot points to
    /// any more (the robot reconnected, so ZeroMQ gave it a new routing id) is forgotten and
    /// its index reused: the table holds at most one peer per robot, however often robots
    /// reconnect.
    @inline(__always)
    func assignPeer(to robotID: UInt32) -> UInt32 {
        let peer = peerIndex(identity.bytes)
        let previous = peerByRobot.updateValue(peer, forKey: robotID)
        guard previous != peer else { return peer }
        peerRobots[Int(peer)] += 1
        if let previous { releasePeer(previous) }
        return peer
    }

    func releasePeer(_ index: UInt32) {
        peerRobots[Int(index)] -= 1
        guard peerRobots[Int(index)] == 0 else { return }
        let identity = peerIdentities[Int(index)]
        if identity.count <= 7 {
            peerIndexByShortIdentity[Self.packed(identity)] = nil
        } else {
            peerIndexByIdentity[identity] = nil
        }
        peerIdentities[Int(index)] = []
        freePeers.append(index)
        shared.routerPeers.store(peerIdentities.count - freePeers.count, ordering: .relaxed)
    }

    @inline(__always)
    static func packed(_ identity: some Collection<UInt8>) -> UInt64 {
        var packed = UInt64(identity.count) << 56
        for (i, byte) in identity.enumerated() { packed |= UInt64(byte) << (8 * UInt64(i)) }
        return packed
    }

    func peerIndex(_ identity: UnsafeRawBufferPointer) -> UInt32 {
        // libzmq's own routing ids are 5 bytes: packed into an integer, they are looked up
        // without allocating.
        if identity.count <= 7 {
            let packed = Self.packed(identity)
            if let index = peerIndexByShortIdentity[packed] { return index }
            let index = newPeer(Array(identity))
            peerIndexByShortIdentity[packed] = index
            return index
        }
        let key = Array(identity)
        if let index = peerIndexByIdentity[key] { return index }
        let index = newPeer(key)
        peerIndexByIdentity[key] = index
        return index
    }

    func newPeer(_ identity: [UInt8]) -> UInt32 {
        let index: UInt32
        if let free = freePeers.popLast() {
            index = free
            peerIdentities[Int(index)] = identity
            peerRobots[Int(index)] = 0
        } else {
            index = UInt32(peerIdentities.count)
            peerIdentities.append(identity)
            peerRobots.append(0)
        }
        shared.routerPeers.store(peerIdentities.count - freePeers.count, ordering: .relaxed)
        return index
    }

    /// Sends the acknowledgements the writer committed, each to the robot's latest peer.
    func sendAcks() throws {
        guard let router else { return }
        let acks = shared.acks.withLock { acks -> [Acknowledgement] in
            defer { acks.removeAll(keepingCapacity: true) }
            return acks
        }
        // Credit: the robot may send this many frames past what is acknowledged; a fair share
        // of the ring, so that reliable robots together cannot overrun it.
        let robots = max(1, peerByRobot.count)
        let credit = UInt32(max(64, (ring.capacity - ring.count) / robots))
        for ack in acks {
            guard let peer = peerByRobot[ack.stream.robotID] else { continue }
            let length = ackBuffer.withUnsafeMutableBytes { buffer in
                FrameEncoder.encode(
                    .ack(
                        Ack(
                            ackedBootEpoch: ack.stream.bootEpoch,
                            ackedThrough: ack.through,
                            credit: credit,
                            ackedFrom: ack.from
                        )
                    ),
                    robotID: configuration.serviceID,
                    bootEpoch: configuration.serviceBootEpoch,
                    sequence: ackSequence,
                    timestampNanoseconds: Self.wallClockNanos(),
                    into: buffer
                )
            }
            ackSequence &+= 1
            do {
                // A multipart message is queued whole or not at all: if the routing id part
                // is refused (queue full), nothing goes out and the next, cumulative ack
                // covers this one.
                guard try router.trySend(peerIdentities[Int(peer)], more: true) else {
                    shared.acksNotSent.add(1, ordering: .relaxed)
                    continue
                }
                _ = try ackBuffer.withUnsafeBytes {
                    try router.trySend(UnsafeRawBufferPointer(rebasing: $0[..<length]))
                }
            } catch let error as ZeroMQError where error.code == EHOSTUNREACH {
                // The robot disconnected; it resends its window after reconnecting and is
                // acknowledged then.
                continue
            }
        }
    }
}
