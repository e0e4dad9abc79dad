public import FleetArena
public import FleetProtocol
public import FleetScoring
public import FleetStorage
public import FleetStore
import Foundation

/// Everything needed to score one run, loaded from the database: the run, the rulebook it
/// was created with (its stored bytes), its entries and its arena (the arena file stored
/// with it, or the one generated from division and seed when none is).
public struct RunContext: Sendable {
    public let run: RunRecord
    public let rulebook: Rulebook
    public let entries: [RegisteredRobot]
    public let arena: RunScorer.Arena
    /// The arena as data, `arena` is computed from (`fleet arena show`).
    public let fleetArena: FleetArena
    /// Registered robots of the run.
    public let robotIDs: Set<UInt32>
    /// Which frames of the infrastructure are inputs.
    public var inputRule = InputRule.framesNamingTheRun

    /// Which frames of the arena's infrastructure (its referees) are inputs of a run.
    public enum InputRule: Sendable {
        /// Those that name the run (a `run_state` or referee event of it): several arenas'
        /// referees may write one database at the same time (`fleet-final-v4` and later).
        case framesNamingTheRun
        /// Every one in the window, whatever run it names: how results signed before
        /// `fleet-final-v4` were computed and chained, so they verify as signed.
        case everyFrame
    }

    public init(store: any CompetitionStore, runID: UInt32) throws {
        let run = try store.run(runID)
        let bytes = try store.rulebookBytes(hash: run.rulebookHash)
        let rulebook: Rulebook
        do {
            rulebook = try Rulebook.load(bytes: bytes)
        } catch {
            throw CompetitionError(.badRulebook, "the rulebook stored with run \(runID) no longer loads: \(error)")
        }
        try self.init(
            run: run,
            rulebook: rulebook,
            entries: store.entries(runID: runID),
            arena: Self.storedArena(of: run, store: store)
        )
        if run.state == .final, let record = try store.finalRecord(runID: runID),
            let signed = try? CanonicalJSON.decode(SignedFormat.self, from: record.document),
            FinalDocument.everyInfrastructureFrameFormats.contains(signed.format)
        {
            inputRule = .everyFrame
        }
    }

    /// Only the format of a signed document.
    private struct SignedFormat: Decodable {
        var format: String
    }

    /// `arena`: the run's arena file; nil scores it in the arena generated from division and seed.
    public init(run: RunRecord, rulebook: Rulebook, entries: [RegisteredRobot], arena: FleetArena? = nil) throws {
        self.run = run
        self.rulebook = rulebook
        self.entries = entries
        robotIDs = Set(entries.map(\.robotID))
        if let arena, arena.division != run.division {
            throw CompetitionError(
                .badArena,
                "the arena is one of division \(arena.division); run \(run.id) is in division \(run.division)"
            )
        }
        fleetArena = try arena ?? Self.generatedArena(division: run.division, seed: run.seed)
        self.arena = RunScorer.Arena(fleetArena)
    }

    /// The arena file stored with `run`; nil when it has none (it is scored in the arena
    /// generated from division and seed).
    public static func storedArena(of run: RunRecord, store: any CompetitionStore) throws -> FleetArena? {
        guard let hash = run.arenaHash else { return nil }
        let bytes = try store.arenaBytes(hash: hash)
        do {
            return try FleetArena.load(bytes: bytes)
        } catch {
            throw CompetitionError(.badArena, "the arena stored with run \(run.id) no longer loads: \(error)")
        }
    }

    /// The arena `run` is scored in: its stored arena file, or the one generated from its
    /// division and seed (`fleet arena show`, the arena of an MCAP export).
    public static func arena(of run: RunRecord, store: any CompetitionStore) throws -> FleetArena {
        try storedArena(of: run, store: store) ?? generatedArena(division: run.division, seed: run.seed)
    }

    /// The simulator's arena for a division and seed: target/edge cells and the Q totals.
    public static func arena(division: String, seed: UInt64) throws -> RunScorer.Arena {
        RunScorer.Arena(try generatedArena(division: division, seed: seed))
    }

    /// The simulator's arena for a division and seed as data (`fleet arena export`, and the
    /// arena of a run without a stored one).
    public static func generatedArena(division: String, seed: UInt64) throws -> FleetArena {
        guard let arena = GeneratedArena.arena(division: division, seed: seed) else {
            throw CompetitionError(.badArgument, "division must be one of P, N, A, H; got \(division)")
        }
        return arena
    }

    /// A fresh scorer for the run. In referee mode it learns the RUNNING window from the
    /// run_state frames it is fed; in wall mode it starts at `fleet run start`.
    public func makeScorer() throws -> RunScorer {
        guard let division = FleetProtocol.Division.allCases.first(where: { $0.schemaName == run.division }) else {
            throw CompetitionError(.badArgument, "run \(run.id) has an unknown division \(run.division)")
        }
        do {
            return try RunScorer(
                rulebook: rulebook,
                run: RunScorer.Run(
                    id: run.id,
                    division: division,
                    runningStart: run.window == .wall ? run.startedNanos : nil
                ),
                arena: arena,
                robots: entries.map {
                    RunScorer.Robot(id: $0.robotID, team: $0.team, kind: $0.kind, brushWidth: $0.brushWidth)
                }
            )
        } catch {
            throw CompetitionError(.scoring, "cannot score run \(run.id): \(error)", cause: error)
        }
    }

    /// Senders whose frames may be inputs of the run: its robots and the arena's
    /// infrastructure (whose frames count only when they name the run: `isInput(sender:frame:)`).
    public func isInput(sender: UInt32) -> Bool {
        robotIDs.contains(sender) || Self.infrastructure.contains(sender)
    }

    /// Whether a frame is an input of the run: any frame of an entered robot; a frame of the
    /// infrastructure only when it names this run (a `run_state` or referee event of it),
    /// since several arenas' referees may write one database at the same time. A frame of
    /// the infrastructure that does not decode is kept, so integrity checks see it.
    public func isInput(_ frame: Frame) -> Bool {
        let sender = frame.header.robotID
        if robotIDs.contains(sender) { return true }
        guard Self.infrastructure.contains(sender) else { return false }
        return inputRule == .everyFrame || RunScorer.runNamed(by: frame.message) == run.id
    }

    /// `isInput(_:)` for a stored frame's bytes.
    public func isInput(sender: UInt32, frame bytes: UnsafeRawBufferPointer) -> Bool {
        if robotIDs.contains(sender) { return true }
        guard Self.infrastructure.contains(sender) else { return false }
        guard inputRule == .framesNamingTheRun, let frame = try? FrameDecoder.decode(bytes) else { return true }
        return RunScorer.runNamed(by: frame.message) == run.id
    }

    /// Sender ids of the arena's referee system and other infrastructure (the scorer's range).
    public static let infrastructure: ClosedRange<UInt32> = 0xF000_0000...0xFFFF_FFFE
}
