import FleetCompetition
import FleetScoring
import FleetStorage
import FleetStore
import Foundation
import Testing

@testable import FleetIngest

extension CompetitionSuites {
    /// What live scoring adds on the pipeline thread, printed (not asserted: timing belongs to
    /// benchmarks). Opt in, it is heavy: `FLEET_MEASURE=1 swift test --filter LiveScoringCostTests`.
    struct LiveScoringCostTests {
        @Test(.enabled(if: ProcessInfo.processInfo.environment["FLEET_MEASURE"] != nil))
        func printsTheLiveScorersCostPerFrameAndPerSnapshot() throws {
            let simulated = try Fixture.simulate(runID: 1, seed: 5, duration: 300, faults: "none")
            let temporary = try TemporaryStore()
            let store = temporary.store
            for entry in Dictionary(grouping: Fixture.entries(), by: \.team).sorted(by: { $0.key < $1.key }) {
                try store.addTeam(entry.key, robots: entry.value, at: 1)
            }
            _ = try store.createRun(
                name: "run",
                division: "P",
                seed: 5,
                window: .referee,
                rulebook: (Fixture.rulebook.hash, Fixture.rulebook.id, Fixture.rulebookBytes),
                entries: try store.registeredRobots(),
                at: 1
            )
            let clock = ContinuousClock()
            func nanos(_ d: Duration) -> Double {
                Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
            }
            // Without the observer: the aggregator alone.
            var plain = Aggregator()
            let plainTime = clock.measure {
                for (i, frame) in simulated.frames.enumerated() {
                    frame.withUnsafeBytes { plain.ingest(RingFrame(bytes: $0, source: 0, receivedAt: 0)) }
                    if i % 40 == 39 { _ = plain.takeBatch() }
                }
            }
            // With it: observe per frame, watermark and snapshots at each batch close.
            let observer = LiveScoring(database: temporary.database, logger: Fixture.logger)
            observer.backgroundTick(now: 0)
            var scored = Aggregator()
            scored.onFrame = { frame, _ in observer.observe(frame) }
            var batchTimes: [Double] = []
            var batch = WriteBatch()
            observer.closingBatch(&batch, ledgers: LedgerTable(), now: 0)
            let scoredTime = clock.measure {
                for (i, frame) in simulated.frames.enumerated() {
                    frame.withUnsafeBytes { scored.ingest(RingFrame(bytes: $0, source: 0, receivedAt: 0)) }
                    if i % 40 == 39 {
                        var next = scored.takeBatch().batch
                        let t = clock.measure {
                            observer.closingBatch(&next, ledgers: scored.ledgers, now: simulated.offsets[i])
                        }
                        batchTimes.append(nanos(t))
                    }
                }
            }
            batchTimes.sort()
            let frames = Double(simulated.frames.count)
            print(
                """
                live scoring cost, \(simulated.frames.count) frames (12 robots, 300 s simulated):
                  aggregator alone      \(String(format: "%.2f", nanos(plainTime) / frames / 1000)) µs/frame
                  with live scoring     \(String(format: "%.2f", nanos(scoredTime) / frames / 1000)) µs/frame
                  batch close (40 frames, watermark + feed; snapshot every 0.5 s): p50 \(String(format: "%.0f", batchTimes[batchTimes.count / 2] / 1000)) µs, p99 \(String(format: "%.0f", batchTimes[batchTimes.count * 99 / 100] / 1000)) µs, max \(String(format: "%.0f", batchTimes.last! / 1000)) µs
                """
            )
            #expect(batchTimes.count > 100)
        }
    }
}
