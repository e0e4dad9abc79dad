import FleetCompetition
import FleetConsole
import FleetIngest
import FleetProtocol
import FleetRunner
import FleetServer
import FleetStorage
import FleetStore
import Foundation
import ServiceLifecycle

extension Demo {
    /// With the group running: starts the fleet once the ingester is bound, watches it, and
    /// when it is done finalizes and prints the results (or, after Ctrl-C, what was stored).
    func drive(
        _ parts: Parts,
        _ runnerConfiguration: FleetRunner.Configuration,
        tasks: inout ThrowingTaskGroup<Void, any Error>
    ) async throws {
        var runnerConfiguration = runnerConfiguration
        let endpoint = try await parts.ingest.boundEndpoints()[0]
        runnerConfiguration.endpoint = endpoint
        let runner = try FleetRunner(configuration: runnerConfiguration)
        try await printBanner(parts, endpoint: endpoint)
        for run in parts.runs { _ = try parts.store.transition(run, to: .running, at: nowNanos()) }
        // The live scorer picks up new RUNNING runs on its background tick (every ¼ s).
        try await Task.sleep(for: .milliseconds(600))
        let progress = parts.progress
        let watcher = Task { await progress.watch() }
        let report: FleetRunner.Report
        do {
            guard parts.stopper.attach(runner) else { throw CancellationError() }
            // Reliable mode: the runner returns once every frame is acknowledged, i.e. committed.
            report = try await runner.run()
            parts.stopper.finished()
        } catch {
            parts.stopper.finished()
            watcher.cancel()
            await parts.group.triggerGracefulShutdown()
            if parts.stopper.stopWasRequested {
                try await tasks.waitForAll()
                let stored = parts.ingest.currentMetrics().stored
                print("\nstopped before the fleet started: \(stored) frames stored in \(configuration.db)")
                return
            }
            throw error
        }
        if report.stoppedEarly || parts.stopper.stopWasRequested {
            // Ctrl-C: the fleet stopped after its step and flushed; the group stops the rest.
            watcher.cancel()
            await watcher.value
            await parts.group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            let simulated = String(format: "%.1f", report.simulatedSeconds)
            let stored = parts.ingest.currentMetrics().stored
            print("\nstopped after \(simulated) s of simulated run: \(stored) frames stored in \(configuration.db)")
            print("(runs left RUNNING; try: fleet query robots --db \(configuration.db))")
            return
        }
        try await conclude(parts, report: report, watcher: watcher, tasks: &tasks)
    }

    /// What the demo is about to do, and where to watch it.
    private func printBanner(_ parts: Parts, endpoint: String) async throws {
        let c = configuration
        print(
            "fleet demo: \(c.teams) teams × 3 sanitation robots in division P (run \(parts.park)), \(c.humanoids) humanoids in H\(parts.humanoid.map { " (run \($0))" } ?? "")"
        )
        print(
            "ingesting on \(endpoint) into \(c.db); \(Int(c.duration)) s of simulated run at \(Int(c.timeScale))× speed"
        )
        if let keys = parts.keys {
            print("robots authenticated with CURVE: \(keys) keys on the allowlist")
        }
        if let server = parts.server {
            print("live board: http://\(displayHost):\(try await server.boundPort())/")
        }
        print("")
        flushOutput()
    }

    /// The fleet is done: stops the runs, waits for their live results, finalizes and prints
    /// them; then serves on (`keepServing`) or stops the group.
    private func conclude(
        _ parts: Parts,
        report: FleetRunner.Report,
        watcher: Task<Void, Never>,
        tasks: inout ThrowingTaskGroup<Void, any Error>
    ) async throws {
        for run in parts.runs { _ = try parts.store.transition(run, to: .finished, at: nowNanos()) }
        // The live scorer stores each run's result once the run has stopped.
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while clock.now < deadline,
            try parts.runs.contains(where: { try parts.store.storedResult(runID: $0, source: .live) == nil })
        {
            try await Task.sleep(for: .milliseconds(100))
        }
        watcher.cancel()
        await watcher.value
        do {
            try await finish(store: parts.store, runs: parts.runsTuple, report: report, server: parts.server)
        } catch {
            await parts.group.triggerGracefulShutdown()
            throw error
        }
        if configuration.keepServing, let server = parts.server {
            await server.publishNow()
            let port = try await server.boundPort()
            print(
                "\nserving the board at http://\(displayHost):\(port)/ (API: /api/runs, /api/standings/P; /metrics) — Ctrl-C to stop"
            )
            flushOutput()
            try await tasks.waitForAll()
        } else {
            await parts.group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Referee review done: finalize (recompute from the database, compare with live, sign),
    /// then print the results. The ingester is still running: its pool has the one writer.
    func finish(
        store: SQLiteCompetitionStore,
        runs: Runs,
        report: FleetRunner.Report,
        server: APIServer?
    ) async throws {
        let db = configuration.db
        let key = try ServiceKey(path: ServiceKey.defaultPath(forDatabase: db), create: true)
        var disagreements: [UInt32] = []
        for run in runs.all {
            let outcome = try Finalizer.finalize(store: store, runID: run, key: key, now: nowNanos())
            if outcome.document.liveAgrees == false { disagreements.append(run) }
        }
        try DemoSummary(database: store.database, report: report).print(db: db)
        for division in runs.humanoid == nil ? ["P"] : ["P", "H"] {
            print("")
            try printStandings(division)
        }
        print("")
        for run in runs.all {
            print("run \(run): FINAL, signed with \(key.path); check it with: fleet verify \(run) --db \(db)")
        }
        if !disagreements.isEmpty {
            print("note: the live result of run(s) \(disagreements) differed from the recompute (flagged for review)")
        }
        if server != nil && !configuration.keepServing {
            // The board stops with this process: do not point at it.
            print(
                "the board stopped with the demo; to see it again: fleet demo --keep-serving, or serve this database with fleet ingest --db \(db) --listen tcp://127.0.0.1:5556 --http \(displayHost):8080"
            )
        }
        print("database: \(db)  — try: fleet score \(runs.park) --db \(db); fleet query robots --db \(db)")
    }
}
