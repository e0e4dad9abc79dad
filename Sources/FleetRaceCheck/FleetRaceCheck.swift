import CTSanMutex
import Foundation

/// Runs the ingest hot path's shared-memory parts on real threads, for ThreadSanitizer
/// (`scripts/tsan.sh`, README's development section): the frame ring between a producer and
/// a consumer, the pipeline-to-writer queue between many threads, and a whole ingest service
/// fed by pub-mode and reliable-mode robots on 127.0.0.1. Each check also verifies what
/// arrived, so a race that corrupts data fails the run even where TSan says nothing.
/// Exits 0 only if every check passed (TSan's own reports make it exit non-zero with
/// `TSAN_OPTIONS=halt_on_error=1` or its default exitcode=66 at exit).
///
///     FleetRaceCheck [--frames N] [--ring-frames N] [--pub-threads N] [--reliable-threads N]
@main
enum FleetRaceCheck {
    /// The checks, as the command line sized them.
    struct Checks {
        var mutex = MutexCheck()
        var ring = RingCheck()
        var queue = QueueCheck()
        var ingest = IngestCheck()
    }

    static func main() async {
        let checks = parseArguments()
        let annotated = fleet_tsan_mutex_annotations_active() == 1
        print(
            "Mutex slow path annotated for ThreadSanitizer: \(annotated ? "yes" : "no (not a TSan build, or FLEET_TSAN_MUTEX_ANNOTATIONS=off)")"
        )
        var passed = runThreadChecks(checks)
        passed = await runIngestChecks(checks.ingest) && passed
        if !passed { exit(1) }
    }

    /// The options, each a positive number; exits with the usage on anything else.
    static func parseArguments() -> Checks {
        var checks = Checks()
        var arguments = CommandLine.arguments.dropFirst()
        while let flag = arguments.popFirst() {
            guard let text = arguments.popFirst(), let value = Int(text), value > 0 else {
                usage("\(flag) needs a positive number")
            }
            switch flag {
            case "--frames": checks.ingest.framesPerRobot = value
            case "--ring-frames": checks.ring.framesPerRing = value
            case "--queue-items": checks.queue.itemsPerProducer = value
            case "--mutex-additions": checks.mutex.additionsPerThread = value
            case "--pub-threads": checks.ingest.pubThreads = value
            case "--reliable-threads": checks.ingest.reliableThreads = value
            case "--robots-per-thread": checks.ingest.robotsPerThread = value
            default: usage("unknown option \(flag)")
            }
        }
        return checks
    }

    /// The mutex, ring and queue checks, each reported; true if all passed.
    static func runThreadChecks(_ checks: Checks) -> Bool {
        var passed = true
        var started = ContinuousClock.now
        var findings = Findings()
        checks.mutex.run(findings)
        passed =
            report(
                "mutex",
                findings,
                "\(checks.mutex.threads) threads × \(checks.mutex.additionsPerThread) additions under one Mutex (the control)",
                started: started
            ) && passed

        started = ContinuousClock.now
        findings = Findings()
        checks.ring.run(findings)
        passed =
            report(
                "ring",
                findings,
                "\(checks.ring.rings) rings × \(checks.ring.framesPerRing) frames, 1 producer + 1 consumer thread each, 1 observer",
                started: started
            ) && passed

        started = ContinuousClock.now
        findings = Findings()
        checks.queue.run(findings)
        let queue = checks.queue
        passed =
            report(
                "queue",
                findings,
                "\(queue.producers) producers × \(queue.itemsPerProducer) items, \(queue.consumers) consumers, capacity \(queue.capacity)",
                started: started
            ) && passed
        return passed
    }

    /// The whole ingest service, with the default ring and with a small one; true if both passed.
    static func runIngestChecks(_ ingest: IngestCheck) async -> Bool {
        var passed = true
        var small = ingest
        small.ringCapacity = 256
        for (name, check) in [("ingest", ingest), ("ingest, small ring", small)] {
            let started = ContinuousClock.now
            let findings = Findings()
            do {
                let sent = try await check.run(findings)
                passed =
                    report(
                        name,
                        findings,
                        "ring \(check.ringCapacity), \(check.pubThreads) pub + \(check.reliableThreads) reliable sender threads, \(sent.robots) robots, \(sent.frames) frames sent, \(sent.stored) stored and checked",
                        started: started
                    ) && passed
            } catch {
                findings.fail("\(name): \(error)")
                passed = report(name, findings, "did not finish", started: started) && passed
            }
        }
        return passed
    }

    /// Prints a check's line and its first failures; true if it passed.
    static func report(
        _ name: String,
        _ findings: Findings,
        _ detail: String,
        started: ContinuousClock.Instant
    ) -> Bool {
        let failures = findings.all
        let elapsed = (ContinuousClock.now - started).components
        let seconds = String(format: "%.1f", Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
        print("\(failures.isEmpty ? "ok  " : "FAIL") \(name): \(detail) (\(seconds) s)")
        for failure in failures.prefix(20) { print("     \(failure)") }
        if failures.count > 20 { print("     … and \(failures.count - 20) more") }
        return failures.isEmpty
    }

    static func usage(_ problem: String) -> Never {
        FileHandle.standardError.write(
            Data(
                "FleetRaceCheck: \(problem)\nusage: FleetRaceCheck [--frames N] [--ring-frames N] [--queue-items N] [--mutex-additions N] [--pub-threads N] [--reliable-threads N] [--robots-per-thread N]\n"
                    .utf8
            )
        )
        exit(2)
    }
}
