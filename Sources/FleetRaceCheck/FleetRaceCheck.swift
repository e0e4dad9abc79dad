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
    static func main() async {
        var mutex = MutexCheck()
        var ring = RingCheck()
        var queue = QueueCheck()
        var ingest = IngestCheck()
        var arguments = CommandLine.arguments.dropFirst()
        while let flag = arguments.popFirst() {
            guard let text = arguments.popFirst(), let value = Int(text), value > 0 else {
                usage("\(flag) needs a positive number")
            }
            switch flag {
            case "--frames": ingest.framesPerRobot = value
            case "--ring-frames": ring.framesPerRing = value
            case "--queue-items": queue.itemsPerProducer = value
            case "--mutex-additions": mutex.additionsPerThread = value
            case "--pub-threads": ingest.pubThreads = value
            case "--reliable-threads": ingest.reliableThreads = value
            case "--robots-per-thread": ingest.robotsPerThread = value
            default: usage("unknown option \(flag)")
            }
        }

        var failed = false
        func report(_ name: String, _ findings: Findings, _ detail: String, started: ContinuousClock.Instant) {
            let failures = findings.all
            let elapsed = (ContinuousClock.now - started).components
            let seconds = String(format: "%.1f", Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
            print("\(failures.isEmpty ? "ok  " : "FAIL") \(name): \(detail) (\(seconds) s)")
            for failure in failures.prefix(20) { print("     \(failure)") }
            if failures.count > 20 { print("     … and \(failures.count - 20) more") }
            failed = failed || !failures.isEmpty
        }

        let annotated = fleet_tsan_mutex_annotations_active() == 1
        print(
            "Mutex slow path annotated for ThreadSanitizer: \(annotated ? "yes" : "no (not a TSan build, or FLEET_TSAN_MUTEX_ANNOTATIONS=off)")"
        )

        var started = ContinuousClock.now
        var findings = Findings()
        mutex.run(findings)
        report(
            "mutex",
            findings,
            "\(mutex.threads) threads × \(mutex.additionsPerThread) additions under one Mutex (the control)",
            started: started
        )

        started = ContinuousClock.now
        findings = Findings()
        ring.run(findings)
        report(
            "ring",
            findings,
            "\(ring.rings) rings × \(ring.framesPerRing) frames, 1 producer + 1 consumer thread each, 1 observer",
            started: started
        )

        started = ContinuousClock.now
        findings = Findings()
        queue.run(findings)
        report(
            "queue",
            findings,
            "\(queue.producers) producers × \(queue.itemsPerProducer) items, \(queue.consumers) consumers, capacity \(queue.capacity)",
            started: started
        )

        var small = ingest
        small.ringCapacity = 256
        for (name, check) in [("ingest", ingest), ("ingest, small ring", small)] {
            started = ContinuousClock.now
            findings = Findings()
            do {
                let sent = try await check.run(findings)
                report(
                    name,
                    findings,
                    "ring \(check.ringCapacity), \(check.pubThreads) pub + \(check.reliableThreads) reliable sender threads, \(sent.robots) robots, \(sent.frames) frames sent, \(sent.stored) stored and checked",
                    started: started
                )
            } catch {
                findings.fail("\(name): \(error)")
                report(name, findings, "did not finish", started: started)
            }
        }
        if failed { exit(1) }
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
