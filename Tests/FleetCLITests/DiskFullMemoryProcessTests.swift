import FleetProtocol
import FleetTestSupport
import Foundation
import Synchronization
import Testing
import ZeroMQ

extension ProcessSuites {
    /// Issue 10, item 11, on a real `fleet ingest` whose database lives on a small file system
    /// of its own (a tmpfs mounted in a mount namespace of its own, so nothing outside the
    /// test sees it) that the test fills: 20 reliable robots that ignore their credit send
    /// everything at once while no commit can succeed. The ingester's memory stays bounded
    /// (before: 55 → 851 MB and rising); when the space comes back every frame is stored once
    /// and acknowledged.
    @Suite
    struct DiskFullMemoryProcessTests {
        static let robots = 20
        static let framesPerRobot = 20_000
        /// The issue's goal for the ingester's resident memory.
        static let residentLimitKB = 150 * 1024

        static func frame(robot: UInt32, seq: UInt32) -> [UInt8] {
            FrameEncoder.encode(
                .sanitationState(DrivingRobot.state(step: Int(seq))),
                robotID: robot,
                bootEpoch: 1,
                sequence: seq,
                timestampNanoseconds: DrivingRobot.time(Int(seq)),
                flags: FrameHeader.simulatedTimeFlag
            )
        }

        /// What the robots' threads and the test share.
        final class Signals: Sendable {
            let resend = Atomic(false)
            let finished = Atomic(0)
            let acknowledged = Mutex<[UInt32: Int]>([:])
        }

        /// A counter of `/api/stats`' live part.
        static func stat(_ name: String, port: Int) throws -> Int {
            let live = try HTTPRequest.send("GET", port: port, "/api/stats").json["live"] as? [String: Any]
            return live?[name] as? Int ?? 0
        }

        static func residentKB(_ pid: Int32) -> Int? {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }

        /// A command in the ingester's mount namespace (where the small file system is).
        static func inNamespace(of pid: Int32, _ command: String) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
            process.arguments = ["-t", "\(pid)", "-m", "--", "/bin/sh", "-c", command]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }

        /// One robot that ignores its credit: everything queued at once, then, once `resend`
        /// is set, whatever is not acknowledged is sent again until all of it is (or the
        /// deadline passes). Returns the frames acknowledged.
        static func robot(
            _ id: UInt32,
            endpoint: String,
            signals: Signals,
            deadline: ContinuousClock.Instant
        ) throws -> Int {
            let context = try Context()
            defer { context.terminate() }
            let dealer = try Socket(
                context,
                type: .dealer,
                options: [.linger(.zero), .sendHighWaterMark(0), .receiveTimeout(.milliseconds(100))]
            )
            defer { dealer.close() }
            try dealer.connect(endpoint)
            let total = UInt32(framesPerRobot)
            for seq in 0..<total { _ = try dealer.send(frame(robot: id, seq: seq)) }
            var settled = Set<UInt32>()
            var lastResend = ContinuousClock.now
            while settled.count < framesPerRobot && ContinuousClock.now < deadline {
                if let reply = try dealer.receive(), case .ack(let ack) = try FrameDecoder.decode(reply).message,
                    ack.ackedBootEpoch == 1, ack.ackedThrough >= ack.ackedFrom
                {
                    for seq in ack.ackedFrom...min(ack.ackedThrough, total - 1) { settled.insert(seq) }
                }
                guard signals.resend.load(ordering: .acquiring), ContinuousClock.now - lastResend > .seconds(2) else {
                    continue
                }
                // The robot's window: the first unacknowledged frames, again.
                lastResend = .now
                var sent = 0
                for seq in 0..<total where !settled.contains(seq) && sent < 1_000 {
                    _ = try dealer.send(frame(robot: id, seq: seq))
                    sent += 1
                }
            }
            return settled.count
        }

        @Test(.timeLimit(.minutes(5)))
        func memoryStaysBoundedWhileTheDiskIsFullAndEveryFrameIsStoredOnceSpaceReturns() async throws {
            let folder = try TemporaryFolder()
            let disk = folder.path("disk")
            try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
            let endpoint = "tcp://127.0.0.1:\(try freePort())"
            let port = try freePort()
            let ingest = try FleetProcess(
                [
                    "ingest", "--db", "\(disk)/fleet.db", "--reliable", endpoint, "--http", "127.0.0.1:\(port)",
                    "--status-every", "0", "--no-live-scoring",
                ],
                in: folder.url,
                launcher: [
                    "/usr/bin/unshare", "-m", "--", "/bin/sh", "-c",
                    #"mount -t tmpfs -o size=32m tmpfs "$1" && shift && exec "$@""#, "sh", disk,
                ]
            )
            defer { if ingest.process.isRunning { ingest.signal(SIGKILL) } }
            try await waitUntil(timeout: .seconds(30)) {
                !ingest.process.isRunning || (try? HTTPRequest.send("GET", port: port, "/api/stats").status) == 200
            }
            // Mounting needs root (CAP_SYS_ADMIN), as CI and this machine have.
            try #require(ingest.process.isRunning, "the ingester on its own tmpfs: \(ingest.standardError)")
            let pid = ingest.pid
            // The disk is full: a file takes every byte left (dd stops at ENOSPC).
            _ = try await offPool { try Self.inNamespace(of: pid, "dd if=/dev/zero of=\(disk)/filler bs=64k") }
            #expect(try await offPool { try Self.inNamespace(of: pid, "test -s \(disk)/filler") } == 0)

            let signals = Signals()
            let deadline = ContinuousClock.now + .seconds(150)
            for i in 0..<Self.robots {
                let id = UInt32(1_000 + i)
                Thread {
                    let count = (try? Self.robot(id, endpoint: endpoint, signals: signals, deadline: deadline)) ?? -1
                    signals.acknowledged.withLock { $0[id] = count }
                    signals.finished.add(1, ordering: .releasing)
                }.start()
            }
            // While the disk is full: the robots' frames arrive (the receiver holds them back
            // once the ring is full) and nothing is committed; memory is sampled the while.
            var peakKB = 0
            let clock = ContinuousClock()
            let fullSince = clock.now
            var received = 0
            while clock.now - fullSince < .seconds(15) {
                peakKB = max(peakKB, Self.residentKB(pid) ?? 0)
                received = try await offPool { try Self.stat("received", port: port) }
                try await Task.sleep(for: .milliseconds(250))  // the sampling interval
            }
            let storedWhileFull = try await offPool { try Self.stat("stored", port: port) }
            #expect(received > 0, "the robots' frames reached the ingester")
            #expect(storedWhileFull < Self.robots * Self.framesPerRobot, "the disk was full: \(storedWhileFull) stored")
            #expect(
                peakKB <= Self.residentLimitKB,
                "resident \(peakKB / 1024) MB while the disk was full (\(received) frames received, none stored)"
            )

            // Space returns: every frame is stored, once, and acknowledged.
            #expect(try await offPool { try Self.inNamespace(of: pid, "rm \(disk)/filler") } == 0)
            signals.resend.store(true, ordering: .releasing)
            try await waitUntil(timeout: .seconds(150)) { signals.finished.load(ordering: .acquiring) == Self.robots }
            peakKB = max(peakKB, Self.residentKB(pid) ?? 0)
            #expect(peakKB <= Self.residentLimitKB, "resident \(peakKB / 1024) MB at most")
            let counts = signals.acknowledged.withLock { $0 }
            #expect(counts.values.allSatisfy { $0 == Self.framesPerRobot }, "acknowledged per robot: \(counts)")
            // (received, missing) per robot's ledger; the ledgers are published after the acks
            // (at most a second later), so this waits for them.
            func ledger() throws -> [[Int]] {
                let rows = try HTTPRequest.send("GET", port: port, "/api/loss").json["ledger"] as? [[String: Any]] ?? []
                return rows.map { [$0["received"] as? Int ?? -1, $0["missing"] as? Int ?? -1] }
            }
            try? await waitUntil(timeout: .seconds(30)) {
                try ledger().filter { $0 == [Self.framesPerRobot, 0] }.count == Self.robots
            }
            let ledger = try ledger()
            #expect(ledger.count == Self.robots)
            #expect(ledger.allSatisfy { $0 == [Self.framesPerRobot, 0] }, "received, missing: \(ledger)")
            ingest.signal(SIGTERM)
            #expect(await ingest.wait(timeout: .seconds(30)))
            #expect(ingest.exitStatus == 0, "\(ingest.standardError.suffix(2000))")
        }
    }
}
