import ArgumentParser
import FleetRunner
import FleetSimulation
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Simulate a competition fleet and publish its telemetry over ZeroMQ, a socket per robot.",
        discussion: """
            Team i enters robots i*100+1, i*100+2, ... (sweeper, litter picker, washer in
            turn); teams cycle through the skill presets expert, solid, novice, reckless.
            Humanoids run in a division H run of their own (run id + 1) unless --division
            is H. The arena's referee sends its events as sender 0xF0000000 + the first
            team's number (0xF0000001). Frames carry --start + simulated time, with the
            simulated-time flag set.

            Two arenas at once into one store: give the second fleet --first-team after
            the first fleet's last team (and run ids of its own). Teams are then numbered
            N, N+1, ..., robots N*100+1, ..., the referee 0xF0000000+N: no sender id is
            shared. A renumbered fleet is the same fleet (presets and seeds go by the
            team's place in it), so it scores the same under its own numbers.

            Faults (--faults, comma-separated; drawn from streams of their own, so the
            simulation is unchanged): drop=P, dup=P, reorder=P, corrupt=P (per robot frame,
            at most one each), reboot=N, disconnect=N (robots, at seeded times),
            disconnect-seconds=S (default 2). Reliable mode takes dup, corrupt, reboot and
            disconnect. --truth lists exactly which frames each fault touched.

            Examples:
              fleet ingest --db fleet.db --listen tcp://127.0.0.1:5556 &
              fleet sim --connect tcp://127.0.0.1:5556 --teams 4 \\
                --robots-per-team 5 --humanoids 4 --duration 120
              fleet sim --connect tcp://127.0.0.1:5556 --time-scale 20 \\
                --faults drop=0.01,dup=0.005,reboot=1 --truth truth.json
              fleet sim --connect tcp://127.0.0.1:5557 --mode reliable \\
                --faults dup=0.01,disconnect=2
              fleet sim --connect tcp://127.0.0.1:5556 --teams 4 \\
                --server-key ingester.key.pub --robot-secrets robots.secret
              fleet sim --connect tcp://127.0.0.1:5556 --teams 4 --run-id 1
              fleet sim --connect tcp://127.0.0.1:6556 --teams 4 --run-id 11 \\
                --first-team 5    (a second arena: teams 5-8, robots 501-803)
              fleet sim --no-send --duration 600 --record run.ftrec
              fleet sim --bench --duration 60    (1,000 robots, no sockets)
            """
    )

    enum DivisionArgument: String, ExpressibleByArgument, CaseIterable {
        case P, N, A, H

        var division: SimDivision {
            switch self {
            case .P: .park
            case .N: .sidewalk
            case .A: .auxiliaryRoad
            case .H: .humanoid
            }
        }
    }

    enum ModeArgument: String, ExpressibleByArgument, CaseIterable {
        case pub, reliable
    }

    @Option(help: "The ingester's endpoint: its SUB (--mode pub) or ROUTER (--mode reliable).")
    var connect: String?

    @Option(help: "Division of the run: P (park), N (sidewalk), A (auxiliary road), H (humanoid).")
    var division: DivisionArgument = .P

    @Option(help: "Teams in the run.")
    var teams = 4

    @Option(help: "Number of the first team: teams N, N+1, ... (a second arena's fleet).")
    var firstTeam = 1

    @Option(help: "Robots each team enters.")
    var robotsPerTeam = 3

    @Option(help: "Humanoids, dealt to the teams round robin.")
    var humanoids = 0

    @Option(help: "Sanitation state rate (Hz).")
    var rate = 10.0

    @Option(help: "Humanoid state rate (Hz).")
    var humanoidRate = 50.0

    @Option(help: "Length of RUNNING in simulated seconds (PREPARE adds 1 s before it).")
    var duration = 60.0

    @Option(help: "Simulated seconds per wall-clock second; 0 runs as fast as possible.")
    var timeScale = 1.0

    @Option(help: "Arena seed and root of every robot's randomness.")
    var seed: UInt64 = 1

    @Option(help: "Seed of the fault streams (default: derived from --seed).")
    var faultSeed: UInt64?

    @Option(help: "pub (fire and forget) or reliable (acknowledged, resent).")
    var mode: ModeArgument = .pub

    @Option(help: "Write the ground truth (JSON, sorted keys) here.")
    var truth: String?

    @Option(help: "Write every frame exactly as sent here (.ftrec, simulated send times).")
    var record: String?

    @Option(help: "Faults to inject, e.g. drop=0.01,dup=0.005,reorder=0.01,corrupt=0.001,reboot=1,disconnect=1.")
    var faults = "none"

    @Option(help: "Run id the referee events carry.")
    var runId: UInt32 = 1

    @Option(
        help:
            "Wall-clock time of simulated time 0 (ns, 123s or ISO 8601); default: now, so that every run's boot epochs are new (give it to repeat a recording byte for byte)."
    )
    var start: TimeArgument?

    @Flag(help: "Simulate (and record) without opening any socket.")
    var noSend = false

    @Flag(
        help:
            "Measure: 1,000 sanitation robots at --rate for --duration simulated seconds, --no-send, as fast as possible."
    )
    var bench = false

    @Option(help: "CURVE: the ingester's public key, or a file holding it (fleet keys server writes FILE.pub).")
    var serverKey: String?

    @Option(help: "CURVE: every sender's secret key, 'ID KEY' per line (fleet keys robots --secrets).")
    var robotSecrets: String?

    @Option(help: "Seconds to wait for the ingester to subscribe (pub) or acknowledge (reliable).")
    var waitTimeout = 10.0

    func validate() throws {
        if connect == nil && !noSend && !bench {
            throw ValidationError("give --connect ENDPOINT (the ingester's SUB or ROUTER), or --no-send")
        }
        if teams < 1 { throw ValidationError("--teams must be at least 1, got \(teams)") }
        if !(1...FleetRoster.maximumFirstTeam).contains(firstTeam) {
            throw ValidationError("--first-team must be 1...\(FleetRoster.maximumFirstTeam), got \(firstTeam)")
        }
        if robotsPerTeam < 0 { throw ValidationError("--robots-per-team must be 0 or more, got \(robotsPerTeam)") }
        if humanoids < 0 { throw ValidationError("--humanoids must be 0 or more, got \(humanoids)") }
        if !bench && robotsPerTeam == 0 && humanoids == 0 {
            throw ValidationError("--robots-per-team and --humanoids are both 0: the fleet has no robots")
        }
        if !(rate > 0 && rate <= 50) { throw ValidationError("--rate must be above 0 and at most 50 Hz, got \(rate)") }
        if !(humanoidRate > 0 && humanoidRate <= 50) {
            throw ValidationError("--humanoid-rate must be above 0 and at most 50 Hz, got \(humanoidRate)")
        }
        if !(duration > 0 && duration.isFinite) {
            throw ValidationError("--duration must be a positive number of seconds, got \(duration)")
        }
        if !(timeScale >= 0) {
            throw ValidationError("--time-scale must be 0 (as fast as possible) or more, got \(timeScale)")
        }
        if !(waitTimeout > 0) { throw ValidationError("--wait-timeout must be positive, got \(waitTimeout)") }
        if (serverKey == nil) != (robotSecrets == nil) {
            throw ValidationError("CURVE needs both --server-key (the ingester's public key) and --robot-secrets FILE")
        }
        do {
            _ = try FaultSpec(parsing: faults)
        } catch {
            throw ValidationError("--faults: \(error)")
        }
    }

    func run() async throws {
        let runner: FleetRunner
        do {
            runner = try FleetRunner(configuration: try runnerConfiguration())
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(error)")
        }

        let logger = makeLogger(label: "fleet.sim", level: .info)
        let service = SimService(runner: runner)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        let processCPUStart = processCPUSeconds()
        try await group.run()
        guard let report = service.report.withLock({ $0 }) else { throw ExitCode.failure }
        let processCPU = processCPUSeconds() - processCPUStart

        if let truth {
            let bytes = try report.truth.jsonData()
            guard FileManager.default.createFile(atPath: truth, contents: Data(bytes)) else {
                throw ValidationError("--truth: cannot write \(truth)")
            }
        }
        try printReport(report, processCPU: processCPU)
    }

    /// The runner's configuration from the options (`--bench`: 1,000 robots, no sockets).
    func runnerConfiguration() throws -> FleetRunner.Configuration {
        let roster = FleetRoster(
            division: bench ? .park : division.division,
            teams: bench ? 10 : teams,
            robotsPerTeam: bench ? 100 : robotsPerTeam,
            humanoids: bench ? 0 : humanoids,
            stateRate: rate,
            humanoidRate: humanoidRate,
            duration: duration,
            seed: seed,
            runID: runId,
            firstTeam: bench ? 1 : firstTeam
        )
        var configuration: FleetRunner.Configuration
        do {
            configuration = try roster.runnerConfiguration()
            configuration.faults = try FaultSpec(parsing: faults)
        } catch {
            throw ValidationError("\(error)")
        }
        // A fixed default start would give a second run into the same database the first one's
        // boot epochs and sequence numbers: every frame a duplicate, dropped.
        configuration.startUnixNanos = start?.nanoseconds ?? UInt64(Date().timeIntervalSince1970 * 1e9)
        configuration.timeScale = bench ? 0 : timeScale
        configuration.mode = mode == .pub ? .pub : .reliable
        configuration.endpoint = noSend || bench ? nil : connect
        var seeds = SeededGenerator(seed: seed).derived(0xFA17)
        configuration.faultSeed = faultSeed ?? seeds.next()
        configuration.recordPath = record
        if let serverKey, let robotSecrets {
            configuration.curve = FleetRunner.Curve(
                serverKey: try KeyFiles.key(serverKey, option: "--server-key"),
                secretKeys: try KeyFiles.keyring(robotSecrets, option: "--robot-secrets")
            )
        }
        configuration.connectTimeout = .milliseconds(Int(waitTimeout * 1000))
        configuration.flushTimeout = .milliseconds(Int(max(waitTimeout, 30) * 1000))
        return configuration
    }

    /// What the run did, on stderr; fails when a robot's frames were not all acknowledged.
    func printReport(_ report: FleetRunner.Report, processCPU: Double) throws {
        let robots = report.truth.senders.count - 1
        var lines = [
            String(
                format:
                    "sim: %d robots, %.1f simulated s in %.2f wall s (%.1f simulated s per wall s); %d frames numbered, %d sent",
                robots,
                report.simulatedSeconds,
                report.wallSeconds,
                report.simulatedSeconds / max(report.wallSeconds, 1e-9),
                report.framesNumbered,
                report.transmissions
            )
        ]
        if bench {
            lines.append(
                String(
                    format:
                        "bench: CPU %.2f s for the process (%.2f s the runner thread): %.3f core-seconds per simulated second, %.0f frames per CPU second",
                    processCPU,
                    report.runnerCPUSeconds,
                    processCPU / max(report.simulatedSeconds, 1e-9),
                    Double(report.framesNumbered) / max(processCPU, 1e-9)
                )
            )
        }
        if report.stoppedEarly { lines.append("sim: stopped early by a signal; the truth covers what was sent") }
        if !report.unconfirmedSenders.isEmpty {
            lines.append(
                "sim: not acknowledged in time: robots \(report.unconfirmedSenders.map(String.init).joined(separator: ", "))"
            )
        }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        if !report.unconfirmedSenders.isEmpty { throw ExitCode.failure }
    }
}
