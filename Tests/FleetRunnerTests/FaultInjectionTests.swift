import FleetProtocol
import FleetRunner
import Testing

/// The truth lists exactly the frames each fault touched, and the recording agrees.
struct FaultInjectionTests {
    static func faultyRun(in folder: TemporaryFolder) async throws -> FleetRun {
        var configuration = FleetRunner.Configuration(simulation: try smallFleet(duration: 30))
        configuration.timeScale = 0
        configuration.faults = try FaultSpec(
            parsing: "drop=0.02,dup=0.02,reorder=0.02,corrupt=0.02,reboot=2,disconnect=2,disconnect-seconds=3"
        )
        configuration.faultSeed = 5
        return try await FleetRun.run(configuration, in: folder)
    }

    @Test(.timeLimit(.minutes(1)))
    func theRecordingAgreesWithTheTruthFrameByFrame() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = try await Self.faultyRun(in: folder)
        var totals = (dropped: 0, lost: 0, duplicated: 0, corrupted: 0, reordered: 0)
        for sender in run.truth.senders {
            for epoch in sender.bootEpochs {
                let records = run.frames(of: sender.robotID, epoch: epoch.bootEpoch)
                #expect(records.count == epoch.transmissions)
                var valid = [Int](repeating: 0, count: Int(epoch.sequences))
                var corrupt = [Int](repeating: 0, count: Int(epoch.sequences))
                for record in records {
                    let sequence = Int(record.header.sequence)
                    try #require(sequence < valid.count, "robot \(sender.robotID) sent \(sequence) of \(valid.count)")
                    if record.isValid {
                        valid[sequence] += 1
                    } else {
                        corrupt[sequence] += 1
                        do {
                            _ = try FrameDecoder.decode(record.bytes)
                        } catch {
                            #expect(error.code == .badChecksum)
                        }
                    }
                }
                let dropped = Set(epoch.dropped)
                let lost = Set(epoch.droppedByDisconnect)
                let duplicated = Set(epoch.duplicated)
                let corrupted = Set(epoch.corrupted)
                #expect(dropped.isDisjoint(with: lost) && dropped.isDisjoint(with: corrupted))
                var wrong: [String] = []
                for sequence in 0..<epoch.sequences {
                    let (v, c) = (valid[Int(sequence)], corrupt[Int(sequence)])
                    let expected: (Int, Int) =
                        dropped.contains(sequence) || lost.contains(sequence)
                        ? (0, 0)
                        : corrupted.contains(sequence) ? (0, 1) : duplicated.contains(sequence) ? (2, 0) : (1, 0)
                    if (v, c) != expected { wrong.append("\(sequence): \(v) valid, \(c) corrupt") }
                }
                #expect(wrong.isEmpty, "robot \(sender.robotID) epoch \(epoch.bootEpoch): \(wrong.prefix(5))")
                // A duplicate follows its original at once; a reordered frame follows its successor.
                let order = records.map(\.header.sequence)
                for sequence in epoch.duplicated {
                    let at = try #require(order.firstIndex(of: sequence))
                    #expect(order[at + 1] == sequence && records[at].bytes == records[at + 1].bytes)
                }
                for sequence in epoch.reordered {
                    let at = try #require(order.firstIndex(of: sequence + 1))
                    #expect(
                        order[at + 1] == sequence,
                        "robot \(sender.robotID): \(sequence) right after \(sequence + 1)"
                    )
                }
                var numberedWhileDown = Set<UInt32>()
                for outage in epoch.disconnects {
                    #expect(!outage.resent)
                    numberedWhileDown.formUnion(outage.firstSequence..<outage.firstSequence + outage.sequenceCount)
                    #expect(!records.contains { $0.offsetNanos > outage.fromNanos && $0.offsetNanos < outage.toNanos })
                }
                #expect(numberedWhileDown == lost)
                totals.dropped += epoch.dropped.count
                totals.lost += epoch.droppedByDisconnect.count
                totals.duplicated += epoch.duplicated.count
                totals.corrupted += epoch.corrupted.count
                totals.reordered += epoch.reordered.count
            }
        }
        #expect(totals.dropped > 10 && totals.duplicated > 10 && totals.corrupted > 10 && totals.reordered > 10)
        #expect(totals.lost > 20, "two outages of 3 s")
        #expect(run.truth.senders.last!.bootEpochs.allSatisfy { $0.dropped.isEmpty && $0.corrupted.isEmpty })
    }

    @Test(.timeLimit(.minutes(1)))
    func aRebootStartsTheNextBootEpochWithSequenceZero() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = try await Self.faultyRun(in: folder)
        let rebooted = run.truth.senders.filter { $0.bootEpochs.count == 2 }
        #expect(rebooted.count == 2)
        for sender in rebooted {
            let (old, new) = (sender.bootEpochs[0], sender.bootEpochs[1])
            #expect(new.bootEpoch == old.bootEpoch + 1 && new.bootNanos > 0)
            let records = run.frames.filter { $0.header.robotID == sender.robotID }
            let firstNew = try #require(records.firstIndex { $0.header.bootEpoch == new.bootEpoch })
            #expect(
                records[firstNew...].allSatisfy { $0.header.bootEpoch == new.bootEpoch },
                "no old frame after the reboot"
            )
            #expect(records[firstNew].header.sequence == new.expectedStored.first, "numbering starts again at 0")
            #expect(new.expectedStored.first == 0 || new.dropped.contains(0) || new.droppedByDisconnect.contains(0))
            for record in records[firstNew...] {
                if case .heartbeat(let heartbeat)? = record.frame?.message {
                    #expect(heartbeat.framesSent == UInt64(record.header.sequence))
                    #expect(
                        heartbeat.uptime < Double(record.header.timestampNanoseconds - run.truth.startUnixNanos) / 1e9
                    )
                }
            }
        }
    }
}
