import FleetProtocol
import FleetRunner
import Foundation

extension SustainedBench {
    /// Everything measured, as the rows of one table: measure, value, unit, vs limit / note.
    func table(rawMessages: Int, peers: PeerBench?, peerFrames: Int) async throws -> [[String]] {
        var rows: [[String]] = []
        let limit = SustainedSender.raiseOpenFileLimit()
        rows.append([
            "machine", "\(ProcessInfo.processInfo.activeProcessorCount) cores, RLIMIT_NOFILE \(limit)", "",
            "ingester: a `fleet ingest` process (--status-format json); load generators: `fleet replay` processes, connected before any sends",
        ])
        for kind in kinds {
            let raw = try RawZeroMQ.pushPull(messageSize: kind.frameSize, count: rawMessages)
            rows.append(["raw ZeroMQ PUSH/PULL tcp, \(kind.frameSize) B (\(kind))", Self.rate(raw), "msg/s", "limit"])
            let samples = kind.messageType.numericSamples
            // A recording of 10 Hz / 50 Hz robots; replay clones robots to reach the count.
            let recording = folder.appendingPathComponent("\(kind)-sustained.ftrec").path
            try kind.writeRecording(to: recording, frames: kind == .sanitation ? 200 * 40 : 50 * 40)
            var capacities: [Capacity] = []
            var bytesShown = false
            for robots in robotCounts {
                for mode in modes {
                    for backend in backends {
                        var bench = self
                        bench.backend = backend
                        let found = try await bench.capacity(
                            kind: kind,
                            robots: robots,
                            mode: mode,
                            recording: recording
                        )
                        if case .sqlite = backend { capacities.append(found) }
                        rows += Self.rows(found, raw: raw)
                        if let confirmed = found.confirmed, !bytesShown, confirmed.stored > 0,
                            !confirmed.database.isEmpty
                        {
                            rows += Self.diskRows(confirmed, samples: samples, kind: kind)
                            bytesShown = true
                        }
                        if let confirmed = found.confirmed { DiskUsage.remove(confirmed.database) }
                    }
                }
            }
            rows += await overloadRows(kind, capacities: capacities, recording: recording)
            if let peers {
                rows += try peerRows(
                    kind,
                    capacities: capacities,
                    peers: peers,
                    peerFrames: peerFrames,
                    samples: samples
                )
            }
        }
        return rows
    }

    /// Twice the capacity in pub mode with the most robots: what is kept, who loses.
    private func overloadRows(_ kind: BenchKind, capacities: [Capacity], recording: String) async -> [[String]] {
        guard let most = robotCounts.max(),
            let capacity = capacities.first(where: { $0.robots == most && $0.mode == .pub })?.rate
        else { return [] }
        var rows: [[String]] = []
        let over = await attempt(
            kind: kind,
            robots: most,
            mode: .pub,
            rate: capacity * 2,
            seconds: probeSeconds,
            recording: recording,
            keepLedger: true
        )
        let storedRate = Double(over.stored) / max(over.sendSeconds, 1e-9)
        rows.append([
            "pub, \(Self.count(most)) robots offered 2× capacity (\(Self.rate(capacity * 2))/s)",
            Self.rate(storedRate), "frames/s stored",
            String(
                format: "%.0f%% of capacity; %d sent, %d stored, %d dropped, %d never arrived",
                storedRate / capacity * 100,
                over.sent,
                over.stored,
                over.dropped,
                over.sent - over.stored - over.dropped
            ),
        ])
        let drops = over.dropsPerRobot
        let withDrops = drops.filter { $0 > 0 }.count
        rows.append([
            "· drops per robot (ring full), min / median / max",
            drops.isEmpty ? "-" : "\(drops.first!) / \(drops[drops.count / 2]) / \(drops.last!)", "frames",
            "\(withDrops) of \(drops.count) robots lost frames; each sent \(over.sent / max(most, 1))",
        ])
        return rows
    }

    /// Peers, fed the same recording; compared with our 1,000-robot (fewest) capacity.
    private func peerRows(
        _ kind: BenchKind,
        capacities: [Capacity],
        peers: PeerBench,
        peerFrames: Int,
        samples: Int
    ) throws -> [[String]] {
        var rows: [[String]] = []
        let ours = capacities.filter { $0.robots == robotCounts.min() }.compactMap(\.rate).max()
        let peerRecording = folder.appendingPathComponent("\(kind)-peers.ftrec").path
        try kind.writeRecording(to: peerRecording, frames: peerFrames)
        let naive =
            (try? peers.naive(recording: peerRecording, frames: peerFrames, name: "\(kind)-naive"))
            ?? PeerBench.Result(error: "could not start the naive ingester")
        rows.append(
            Self.peerRow(
                "naive Python ingester (JSON row per frame, SQLite)",
                naive,
                ours: ours,
                samples: samples
            )
        )
        let influx =
            (try? peers.influx(recording: peerRecording, name: "\(kind)-influx"))
            ?? PeerBench.Result(error: "could not start the InfluxDB feeder")
        rows.append(
            Self.peerRow("InfluxDB 1.6 (line protocol, 5,000/batch)", influx, ours: ours, samples: samples)
        )
        return rows
    }

    static func rows(_ found: Capacity, raw: Double) -> [[String]] {
        let probes = found.probes.map { "\(rate($0.offered)) \($0.held ? "✓" : "✗ (\($0.verdict))")" }
            .joined(separator: ", ")
        let label =
            "sustained \(found.kind), \(found.mode.rawValue), \(count(found.robots)) robots"
            + (found.backend == "SQLite" ? "" : ", into \(found.backend)")
        guard let confirmed = found.confirmed else {
            return [[label, "none held", "frames/s", "probes: \(probes)"]]
        }
        let perRobot = found.mode == .reliable ? "a DEALER + monitor pair per robot" : "an XPUB per robot"
        let sockets =
            "\(count(confirmed.sockets)) sockets (\(perRobot)) in \(confirmed.processes) process\(confirmed.processes == 1 ? "" : "es")"
        var rows: [[String]] = []
        if let held = found.rate {
            rows.append([
                label, rate(held), "frames/s",
                String(format: "%.1f%% of raw; ", held / raw * 100)
                    + "\(confirmed.sent) sent = stored\(confirmed.exact == true ? " byte for byte" : ""), 0 lost, "
                    + "\(Int(confirmed.sendSeconds)) s; \(sockets), connected in \(Int(confirmed.connectSeconds.rounded())) s; probes: \(probes)",
            ])
        } else {
            rows.append([
                label, "not confirmed", "frames/s",
                "\(rate(confirmed.offered)) for \(Int(confirmed.sendSeconds)) s: \(confirmed.verdict); probes: \(probes)",
            ])
        }
        if let latency = found.latency {
            rows.append([
                "· publish→commit at \(rate(latency.offered)) frames/s (50%)",
                String(
                    format: "p50 %.1f / p99 %.1f / p99.9 %.1f",
                    latency.latencyMs.p50,
                    latency.latencyMs.p99,
                    latency.latencyMs.p999
                ),
                "ms", latency.held ? "" : "that run: \(latency.verdict)",
            ])
        }
        let busy = max(confirmed.sendSeconds + confirmed.flushSeconds, 1e-9)
        rows.append([
            "· ingester peak RSS (VmHWM) / ingester CPU / load generator CPU",
            String(
                format: "%.0f MB / %.2f / %.2f cores",
                Double(confirmed.ingesterPeakKB) / 1024,
                confirmed.ingesterCPUSeconds / busy,
                confirmed.generatorCPUSeconds / busy
            ), "", "at \(rate(confirmed.offered)) frames/s; getrusage of the ingest and replay processes",
        ])
        return rows
    }

    static func diskRows(_ run: Run, samples: Int, kind: BenchKind) -> [[String]] {
        let usage = DiskUsage.measure(run.database)
        let frames = Double(max(run.stored, 1))
        let perTable = usage.byName.prefix(4).map { "\($0.0) \(Int((Double($0.1) / frames).rounded()))" }
        return [
            [
                "· bytes on disk per frame / per numeric sample (\(kind.frameSize) B wire, \(samples) samples)",
                String(
                    format: "%.0f / %.1f",
                    Double(usage.total) / frames,
                    Double(usage.total) / frames / Double(samples)
                ),
                "B",
                usage.byName.isEmpty
                    ? "file sizes (no dbstat)"
                    : "after checkpoint, per table per frame: " + perTable.joined(separator: ", "),
            ]
        ]
    }

    static func peerRow(_ label: String, _ result: PeerBench.Result, ours: Double?, samples: Int) -> [String] {
        if let error = result.error { return [label, "not run", "", error] }
        let frames = result.framesPerSecond ?? 0
        let sampleRate = result.samplesPerSecond ?? frames * Double(samples)
        let ratio =
            ours.map {
                String(
                    format: "ours %.1f× in frames/s, %.1f× in samples/s",
                    $0 / max(frames, 1e-9),
                    $0 * Double(samples) / max(sampleRate, 1e-9)
                )
            } ?? "no capacity of ours to compare"
        return [
            label, "\(rate(frames)) / \(rate(sampleRate))", "frames/s / samples/s",
            "\(ratio); \(result.frames ?? 0) frames in \(String(format: "%.1f", result.seconds ?? 0)) s",
        ]
    }

    static func rate(_ value: Double) -> String {
        value >= 1e6 ? String(format: "%.2f M", value / 1e6) : String(format: "%.1f k", value / 1e3)
    }

    static func count(_ value: Int) -> String {
        value >= 1000 && value % 1000 == 0 ? "\(value / 1000),000" : String(value)
    }
}

extension BenchKind {
    var messageType: MessageType { self == .sanitation ? .sanitationState : .humanoidState }
}
