public import FleetKeys
public import FleetRobotClient
public import FleetSimulation
import Foundation
import Synchronization
public import ZeroMQ

/// Runs a simulated fleet the way a real one runs: every robot has its own ZeroMQ socket and
/// its own (robot id, boot epoch, sequence) numbering, the arena's referee publishes its
/// events as a sender of its own, and one dedicated runner thread drives all of it.
///
/// Every `SimulationOutput` becomes exactly one frame, stamped `startUnixNanos` + simulated
/// time with the simulated-time flag set, paced at `timeScale` simulated seconds per wall
/// second. Faults from a ``FaultSpec`` are drawn from their own seeded streams, so they never
/// change the simulation; the ``RunnerTruth`` lists exactly which frames they touched, and the
/// recording holds every frame exactly as sent with simulated send times, so both files are
/// the same for the same configuration.
public final class FleetRunner: Sendable {
    public struct Configuration: Sendable {
        public var simulation: SimulationConfiguration
        /// Simulated time 0 on the frames' clock (ns since the Unix epoch); also the recording's
        /// start and, in whole seconds, every sender's first boot epoch.
        public var startUnixNanos: UInt64 = FleetRunner.defaultStartUnixNanos
        /// Simulated seconds per wall second; 0 or infinity runs as fast as possible.
        public var timeScale: Double = 1
        public var mode: RunnerMode = .pub
        /// The ingester's SUB (pub) or ROUTER (reliable) endpoint; nil sends nothing.
        public var endpoint: String?
        public var faults: FaultSpec = .none
        /// Root of the fault streams (per-frame draws, who restarts or disconnects and when).
        public var faultSeed: UInt64 = 0
        /// The referee's sender id (infrastructure range).
        public var refereeID: UInt32 = 0xF000_0001
        /// Where to write the `.ftrec` recording; nil for none.
        public var recordPath: String?
        /// Pub mode: how long to wait for the ingester's subscription (per connect).
        public var connectTimeout: Duration = .seconds(10)
        /// Reliable mode: how long to wait for acks (a full window, the final flush).
        public var flushTimeout: Duration = .seconds(30)
        /// CURVE, for an ingester that authenticates robots: its public key and every
        /// sender's secret key (robots and the referee), by sender id; nil for none.
        public var curve: Curve?

        public init(simulation: SimulationConfiguration) {
            self.simulation = simulation
        }

        /// Every sender of the run: the robots, then the referee.
        public var senderIDs: [UInt32] {
            simulation.runs.flatMap(\.robots).map(\.id) + [refereeID]
        }
    }

    /// The keys a fleet connects with to an ingester that authenticates its senders.
    public struct Curve: Sendable {
        public var serverKey: CurveKey
        /// Every sender's secret key, by sender id (the public halves are the ingester's allowlist).
        public var secretKeys: RobotKeyring

        public init(serverKey: CurveKey, secretKeys: RobotKeyring) {
            self.serverKey = serverKey
            self.secretKeys = secretKeys
        }

        /// Each sender's credentials, in sender order; throws naming the senders without a key.
        public func credentials(for senders: [UInt32]) throws(RunnerError) -> [RobotCredentials] {
            if let missing = secretKeys.missingKeys(for: senders) {
                throw RunnerError(
                    .invalidConfiguration,
                    "the CURVE keyring has \(missing) (fleet keys robots generates them)"
                )
            }
            do {
                return try senders.map { id in
                    RobotCredentials(keys: try CurveKeyPair(secretKey: secretKeys.keys[id]!), serverKey: serverKey)
                }
            } catch {
                throw RunnerError(
                    .invalidConfiguration,
                    "a secret key in the CURVE keyring is not usable",
                    cause: error
                )
            }
        }
    }

    /// What a run did and what it cost.
    public struct Report: Sendable {
        public var truth: RunnerTruth
        public var framesNumbered: Int
        /// Sends handed to sockets (and recorded), copies included.
        public var transmissions: Int
        public var simulatedSeconds: Double
        public var wallSeconds: Double
        /// CPU time (user + system) of the runner thread.
        public var runnerCPUSeconds: Double
        /// Reliable mode: senders whose frames were not all acknowledged by the end.
        public var unconfirmedSenders: [UInt32]
        /// Whether the run stopped early (``FleetRunner/requestStop()``).
        public var stoppedEarly: Bool
    }

    /// 2027-01-15T08:00:00Z: a fixed start, so runs are reproducible unless told otherwise.
    public static let defaultStartUnixNanos: UInt64 = 1_799_971_200_000_000_000

    public let configuration: Configuration
    private let stop = Atomic<Bool>(false)

    public init(configuration: Configuration) throws(RunnerError) {
        let total =
            configuration.faults.drop + configuration.faults.duplicate + configuration.faults.reorder
            + configuration.faults.corrupt
        guard total <= 1 else { throw RunnerError(.invalidFaults, "fault probabilities add up to \(total)") }
        if configuration.mode == .reliable && (configuration.faults.drop > 0 || configuration.faults.reorder > 0) {
            throw RunnerError(
                .invalidFaults,
                "drop and reorder need pub mode: in reliable mode the client's window numbers and sends every frame in order, and resends what is missing"
            )
        }
        let robots = configuration.simulation.runs.reduce(0) { $0 + $1.robots.count }
        guard configuration.faults.reboots <= robots, configuration.faults.disconnects <= robots else {
            throw RunnerError(
                .invalidFaults,
                "reboot=\(configuration.faults.reboots), disconnect=\(configuration.faults.disconnects) but the fleet has \(robots) robots"
            )
        }
        guard configuration.refereeID >= 0xF000_0000 && configuration.refereeID < 0xFFFF_FFFF else {
            throw RunnerError(.invalidConfiguration, "the referee id must be in 0xF0000000...0xFFFFFFFE")
        }
        guard configuration.timeScale >= 0, !configuration.timeScale.isNaN else {
            throw RunnerError(.invalidConfiguration, "time scale must be 0 (as fast as possible) or more")
        }
        if let curve = configuration.curve {
            // Every sender needs its key: found out now rather than at connect time.
            _ = try curve.credentials(for: configuration.senderIDs)
        }
        self.configuration = configuration
    }

    /// Asks a running ``run()`` to stop after the current step; it still finishes cleanly
    /// (held frames sent, recording closed) and its truth covers what was sent.
    public func requestStop() {
        stop.store(true, ordering: .relaxed)
    }

    /// Runs the whole simulation on a dedicated thread and returns its report.
    public func run() async throws -> Report {
        try await DedicatedThread.run(name: "fleet-runner") { [self] in try self.runOnThisThread() }
    }

    /// Runs on the calling thread (which then owns every socket until it returns).
    public func runOnThisThread() throws(RunnerError) -> Report {
        let c = configuration
        var senders = makeSenders()
        let identities = senders.map { (robotID: $0.robotID, bootEpoch: $0.bootEpoch) }
        scheduleFaults(&senders)
        let recorder = try c.recordPath.map { (path) throws(RunnerError) in
            try RecordingWriter(path: path, startUnixNanos: c.startUnixNanos)
        }
        let credentials = try c.curve.map { (curve) throws(RunnerError) in
            try curve.credentials(for: identities.map(\.robotID))
        }
        let cpuStart = Self.threadCPUSeconds()
        switch (c.endpoint, c.mode) {
        case (nil, _):
            return try drive(links: NoLinks(), senders: senders, recorder: recorder, cpuStart: cpuStart)
        case (let endpoint?, .pub):
            let links = try PubLinks(
                endpoint: endpoint,
                senders: identities,
                credentials: credentials,
                connectTimeout: c.connectTimeout
            )
            return try drive(links: links, senders: senders, recorder: recorder, cpuStart: cpuStart)
        case (let endpoint?, .reliable):
            let links = try ReliableLinks(
                endpoint: endpoint,
                senders: identities,
                credentials: credentials,
                flushTimeout: c.flushTimeout
            )
            return try drive(links: links, senders: senders, recorder: recorder, cpuStart: cpuStart)
        }
    }

    private func drive<Links: RobotLinks>(
        links: Links,
        senders: [SenderState],
        recorder: RecordingWriter?,
        cpuStart: Double
    ) throws(RunnerError) -> Report {
        let c = configuration
        let driver = FrameDriver(
            mode: c.mode,
            startUnixNanos: c.startUnixNanos,
            spec: c.faults,
            senders: senders,
            links: links,
            recorder: recorder
        )
        var simulation = FleetSimulation(c.simulation)
        var sink = CollectingSink()
        let clock = ContinuousClock()
        let wallStart = clock.now
        let paced = c.timeScale > 0 && c.timeScale.isFinite
        var lastService = wallStart
        var stoppedEarly = false
        repeat {
            sink.outputs.removeAll(keepingCapacity: true)
            simulation.step(into: &sink)
            for output in sink.outputs { try driver.handle(output) }
            if paced {
                let target = wallStart + .nanoseconds(Int64((simulation.time / c.timeScale * 1e9).rounded()))
                while true {
                    try driver.links.service()
                    let remaining = clock.now.duration(to: target)
                    if remaining <= .zero { break }
                    Thread.sleep(forTimeInterval: min(remaining, .milliseconds(5)).seconds)
                }
                lastService = clock.now
            } else if clock.now - lastService >= .milliseconds(10) {
                try driver.links.service()
                lastService = clock.now
            }
            if stop.load(ordering: .relaxed) {
                stoppedEarly = !simulation.isFinished
                break
            }
        } while !simulation.isFinished
        let unconfirmed = try driver.finish(at: simulation.timeNs)
        let truth = RunnerTruth(
            simulation: simulation.groundTruth(),
            startUnixNanos: c.startUnixNanos,
            mode: c.mode,
            faults: c.faults.description,
            faultSeed: c.faultSeed,
            senders: driver.senders.map(\.truth)
        )
        return Report(
            truth: truth,
            framesNumbered: driver.framesNumbered,
            transmissions: driver.transmissions,
            simulatedSeconds: simulation.time,
            wallSeconds: (clock.now - wallStart).seconds,
            runnerCPUSeconds: Self.threadCPUSeconds() - cpuStart,
            unconfirmedSenders: unconfirmed,
            stoppedEarly: stoppedEarly
        )
    }

    /// Robots in id order, then the referee; everyone boots at the start's whole second.
    private func makeSenders() -> [SenderState] {
        let c = configuration
        let firstEpoch = UInt32(clamping: max(1, c.startUnixNanos / 1_000_000_000))
        let root = SeededGenerator(seed: c.faultSeed)
        let robots = c.simulation.runs.flatMap(\.robots).sorted { $0.id < $1.id }
        var senders = robots.map { robot in
            SenderState(
                robotID: robot.id,
                team: robot.team,
                kind: robot.kind.rawValue,
                bootEpoch: firstEpoch,
                faults: root.derived(UInt64(robot.id)),
                isReferee: false
            )
        }
        senders.append(
            SenderState(
                robotID: c.refereeID,
                team: "referee",
                kind: "referee",
                bootEpoch: firstEpoch,
                faults: root.derived(UInt64(c.refereeID)),
                isReferee: true
            )
        )
        return senders
    }

    /// Picks who restarts and who loses the link, and when: distinct robots each, at times
    /// between 20 % and 80 % of the simulation, from a stream of their own.
    private func scheduleFaults(_ senders: inout [SenderState]) {
        let c = configuration
        let endSeconds = c.simulation.runs.map { $0.prepare + $0.duration }.max() ?? 0
        var stream = SeededGenerator(seed: c.faultSeed).derived(0x5C4E_D01E)
        let robotCount = senders.count - 1
        func pick(_ n: Int) -> [(Int, UInt64)] {
            var indices = Array(0..<robotCount)
            for k in 0..<min(n, robotCount) {
                let j = k + stream.below(robotCount - k)
                indices.swapAt(k, j)
            }
            return indices.prefix(n).map { ($0, UInt64((endSeconds * stream.uniform(0.2...0.8) * 1e9).rounded())) }
        }
        for (k, at) in pick(c.faults.reboots) { senders[k].rebootAt = at }
        for (k, at) in pick(c.faults.disconnects) { senders[k].disconnectAt = at }
    }

    /// CPU time (user + system) of the calling thread.
    static func threadCPUSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(1, &usage)  // RUSAGE_THREAD: Glibc's module does not export the GNU constant
        #else
        getrusage(0, &usage)  // RUSAGE_SELF
        #endif
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

extension Duration {
    /// The duration in seconds, for rates and printed times.
    public var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
