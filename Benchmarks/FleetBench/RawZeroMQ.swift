import FleetRunner
import Foundation
import ZeroMQ

/// Raw ZeroMQ throughput between two threads over loopback TCP: the ceiling ingestion is
/// measured against.
enum RawZeroMQ {
    /// Messages per second from one PUSH to one PULL over loopback TCP. With `curve`, the
    /// connection is CURVE-encrypted, admitted by a ZAP handler holding an allowlist, and the
    /// receiver reads every message's User-Id as the authenticated ingester does.
    static func pushPull(messageSize: Int, count: Int, curve: Bool = false) throws -> Double {
        let context = try Context()
        defer { context.terminate() }
        let server = try CurveKeyPair.generate()
        let client = try CurveKeyPair.generate()
        let zap =
            try curve
            ? ZAPHandler(context: context) { request in
                request.clientKey == client.publicKey
                    ? .allow(userID: "1") : .deny(.authenticationFailure, reason: "unknown")
            } : nil
        defer { zap?.stop() }
        let pull = try Socket(context, type: .pull, options: [.receiveHighWaterMark(100_000), .linger(.zero)])
        if curve { try pull.makeCurveServer(keys: server) }
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try pull.lastEndpoint!
        let sender = try DedicatedThread.start(name: "bench-push") {
            do {
                let push = try Socket(
                    context,
                    type: .push,
                    options: [.sendHighWaterMark(100_000), .linger(.seconds(5))]
                )
                if curve { try push.makeCurveClient(keys: client, serverKey: server.publicKey) }
                try push.connect(endpoint)
                let payload = [UInt8](repeating: 0x5A, count: messageSize)
                try payload.withUnsafeBytes { bytes in
                    for _ in 0..<count { _ = try push.send(bytes) }
                }
                push.close()
            } catch {
                FileHandle.standardError.write(Data("bench: push failed: \(error)\n".utf8))
            }
        }
        let message = ZMQMessage()
        guard try pull.receive(into: message) else { throw BenchError("raw ZeroMQ: nothing arrived") }
        let clock = ContinuousClock()
        let started = clock.now
        var identified = 0
        for _ in 1..<count {
            _ = try pull.receive(into: message)
            if curve { identified += message.withUserID { $0?.count ?? 0 } }
        }
        let elapsed = clock.now - started
        sender.join()
        if curve && identified != count - 1 { throw BenchError("raw ZeroMQ CURVE: messages without a User-Id") }
        return Double(count - 1) / elapsed.seconds
    }
}
