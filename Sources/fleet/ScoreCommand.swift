import ArgumentParser
import FleetCompetition
import FleetConsole
import FleetScoring
import FleetStorage
import FleetStore
import Foundation

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract:
            "A run's result and its breakdown: per team Q, C, E, A, S, penalties, bonuses; per robot completeness.",
        discussion: """
            Without --recompute: the signed result of a FINAL run, the live result of a
            FINISHED one, the newest provisional board row of a RUNNING one (falling back
            to a recompute when there is none). --recompute rebuilds the result from the
            database alone; it equals the live result to the last digit when every frame
            arrived in time.

            Examples:
              fleet score 1
              fleet score 1 --recompute --format json
            """
    )

    @OptionGroup var options: CompetitionOptions
    @Argument(help: "Run id.") var id: UInt32
    @Flag(help: "Rebuild the result from the stored frames, rulebook and referee actions.") var recompute = false
    @Option(help: "Output: table, json (the whole report) or csv (the teams, or with --events the events).")
    var format: OutputFormat = .table
    @Flag(help: "With --format table: list every score event too; with csv: only the events.") var events = false

    @Option(
        help:
            "Public key (hex, or a file) the FINAL result must be signed with (default: fleet-service.key.pub next to the database)."
    )
    var publicKey: String?

    func run() throws {
        let store = try options.store()
        let report = try Self.report(
            store: store,
            runID: id,
            recompute: recompute,
            anchor: try options.anchor(publicKey: publicKey)
        )
        switch format {
        case .json:
            print(try CanonicalJSON.string(report))
        case .csv:
            print((events ? Self.eventTable(report) : Self.teamTable(report)).render(.csv), terminator: "")
        case .table:
            print(Self.render(report, events: events), terminator: "")
        }
    }

    static func report(
        store: any CompetitionStore,
        runID: UInt32,
        recompute: Bool,
        anchor: TrustAnchor?
    ) throws -> ScoreReport {
        let run = try store.run(runID)
        let context = try RunContext(store: store, runID: runID)
        let completeness = try RunCompleteness.stored(store: store, context: context)
        func stored(_ source: RunResultWrite.Source) throws -> RunResult? {
            try store.runResult(runID: runID, source: source)
        }
        if !recompute {
            if run.state == .final, let result = try stored(.final) {
                var report = ScoreReport(run: run, source: .final, result: result, completeness: completeness)
                report.integrity = Integrity.check(store: store, runID: runID, anchor: anchor)
                return report
            }
            if run.state == .finished, let result = try stored(.live) {
                return ScoreReport(run: run, source: .live, result: result, completeness: completeness)
            }
            if run.state == .running || run.state == .prepare, let row = try store.latestProvisional(runID: runID) {
                let board = try CanonicalJSON.decode(BoardSummary.self, from: Array(row.summary.utf8))
                return ScoreReport(
                    run: run,
                    source: .provisional,
                    result: nil,
                    board: board,
                    completeness: board.robots
                )
            }
        }
        let result = try Recompute.result(store: store, context: context, isFinal: run.state == .final)
        return ScoreReport(run: run, source: .recompute, result: result, completeness: completeness)
    }

    static func render(_ report: ScoreReport, events: Bool) -> String {
        let run = report.run
        var out =
            "run \(run.id) \(run.name)  division \(run.division)  seed \(run.seed)  \(run.state.rawValue)  (\(report.source.rawValue))"
        out += run.review ? "  REVIEW\n" : "\n"
        if let integrity = report.integrity, integrity.verdict != .verified {
            out += "\(integrity.verdict == .void ? "VOID" : "UNVERIFIED"): \(integrity.detail)\n"
        }
        if let board = report.board, report.result == nil, board.lateFrames > 0 {
            out += "late frames (not scored live): \(board.lateFrames)\n"
        }
        out += teamTable(report).render(.table)
        let flags = report.result?.flags ?? report.board?.flags ?? []
        let frames = Dictionary(uniqueKeysWithValues: (report.result?.robots ?? []).map { ($0.robot, $0) })
        out += "\n"
        out += DataTable(
            columns: ["robot", "team", "frames scored", "received", "expected", "completeness"],
            rows: report.completeness.map { c in
                [
                    .integer(Int64(c.robot)), .text(frames[c.robot]?.team ?? ""),
                    frames[c.robot].map { .integer(Int64($0.frames)) } ?? .null, .integer(Int64(c.received)),
                    .integer(Int64(c.expected)), .text(decimal(c.completeness * 100, 2) + "%"),
                ]
            }
        ).render(.table)
        if !flags.isEmpty {
            out += "\nflagged for review:\n"
            for flag in flags {
                out +=
                    "  \(flag.kind.rawValue) robot \(flag.robot): \(decimal(Double(flag.to - flag.from) / 1e9, 3)) s\n"
            }
        }
        if events, report.result != nil {
            out += "\n"
            out += eventTable(report).render(.table)
        }
        return out
    }

    /// The ranking: a row per team with its score and components.
    static func teamTable(_ report: ScoreReport) -> DataTable {
        var teamRows: [[DataTable.Cell]] = []
        if let result = report.result {
            for t in result.teams.sorted(by: { ($0.runScore, $1.team) > ($1.runScore, $0.team) }) {
                teamRows.append([
                    .text(t.team), .text(decimal(t.runScore, 6)), .text(decimal(t.quality.Q, 4)),
                    .text(decimal(t.coverage.C, 4)), .text(decimal(t.coverage.c, 4)), .text(decimal(t.efficiency.E, 4)),
                    .text(decimal(t.autonomy.A, 4)), .text(decimal(t.safety.S, 4)),
                    .text(decimal(t.penalties.points, 3)),
                    .text(decimal(t.bonuses.points, 3)), .text(t.zeroedByContact ? "contact: 0" : ""),
                ])
            }
        } else if let board = report.board {
            for t in board.teams.sorted(by: { ($0.runScore, $1.team) > ($1.runScore, $0.team) }) {
                teamRows.append([
                    .text(t.team), .text(decimal(t.runScore, 6)), .text(decimal(t.Q, 4)), .text(decimal(t.C, 4)),
                    .text(""), .text(decimal(t.E, 4)), .text(decimal(t.A, 4)), .text(decimal(t.S, 4)),
                    .text(decimal(t.penalties, 3)), .text(decimal(t.bonuses, 3)), .text(""),
                ])
            }
        }
        return DataTable(
            columns: ["team", "score", "Q", "C", "c", "E", "A", "S", "penalties", "bonuses", "note"],
            rows: teamRows
        )
    }

    /// Every score event of the result, in order.
    static func eventTable(_ report: ScoreReport) -> DataTable {
        DataTable(
            columns: ["time_ns", "team", "robot", "criterion", "delta", "total", "score", "evidence"],
            rows: (report.result?.events ?? []).map { e in
                [
                    .text(String(e.time)), .text(e.team), .integer(Int64(e.robot)), .text(e.criterion.rawValue),
                    .text(decimal(e.delta, 6)), .text(decimal(e.total, 6)), .text(decimal(e.score, 6)),
                    .text("\(e.evidence.sender)/\(e.evidence.bootEpoch)/\(e.evidence.sequence)"),
                ]
            }
        )
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a FINAL run: signature, hash chains over the stored frames, recompute.",
        discussion: """
            Exits 1 and names the first robot and sequence number whose stored frame no
            longer matches the signed chain when anything fails.

            Examples:
              fleet verify 1
              fleet verify 1 --key /etc/fleet/service.key
            """
    )

    @OptionGroup var options: CompetitionOptions
    @Argument(help: "Run id.") var id: UInt32
    @Option(help: "Service key file to check the signer against (default: fleet-service.key next to the database).")
    var key: String?
    @Option(
        help:
            "The organizers' published public key (64 hex digits, or a file holding them); default: the key file's .pub, else the key file."
    )
    var publicKey: String?
    @Option(help: "Output: table (a line per check), json or csv (a row per check).")
    var format: OutputFormat = .table

    func run() throws {
        let store = try options.store()
        let report = try Verifier.verify(
            store: store,
            runID: id,
            keyPath: key ?? ServiceKey.defaultPath(forDatabase: options.db),
            publicKey: publicKey
        )
        if format == .table {
            for check in report.checks { print("\(check.ok ? "ok  " : "FAIL") \(check.name): \(check.detail)") }
        } else {
            // The checks as data; the verdict is the exit status (and the message on stderr).
            let table = DataTable(
                columns: ["run", "check", "ok", "detail"],
                rows: report.checks.map {
                    [
                        .integer(Int64(id)), .text($0.name),
                        .json($0.ok ? "true" : "false", text: $0.ok ? "ok" : "FAIL"), .text($0.detail),
                    ]
                }
            )
            print(table.render(format), terminator: "")
        }
        if report.unverified && !report.void {
            throw CompetitionError(
                .integrity,
                "run \(id) is UNVERIFIED: no pinned public key says who must have signed it (give --public-key)"
            )
        }
        guard report.ok else {
            throw CompetitionError(.integrity, "run \(id) fails verification: \(report.firstFailure ?? "?")")
        }
        if format == .table { print("run \(id) verifies") }
    }
}

struct StandingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "standings",
        abstract: "A division's standings: mean of each team's best runs, tie-breaks in rulebook order.",
        discussion: """
            Counts FINISHED and FINAL runs (FINAL: the signed result; FINISHED: the live
            result, or a recompute). Ties are broken by: higher S, fewer interventions,
            higher R_o, earlier last scoring event, lower Wh per m² (as the run's rulebook
            orders them).

            Examples:
              fleet standings --division P
              fleet standings --division P --format json
            """
    )

    @OptionGroup var options: CompetitionOptions
    @Option(help: "Division: P, N, A or H.") var division: String
    @Option(help: "Output: table, json or csv.") var format: OutputFormat = .table
    @Option(
        help:
            "Public key (hex, or a file) FINAL results must be signed with (default: fleet-service.key.pub next to the database)."
    )
    var publicKey: String?

    func run() throws {
        try Self.show(
            store: try options.store(),
            anchor: try options.anchor(publicKey: publicKey),
            division: division,
            format: format
        )
    }

    /// Prints a division's standings from `store` (also after `fleet demo`'s results).
    static func show(store: any CompetitionStore, anchor: TrustAnchor?, division: String, format: OutputFormat) throws {
        let runs = try store.runs(division: division, states: [.finished, .final])
        guard let last = runs.last else {
            throw ValidationError("division \(division) has no FINISHED or FINAL run yet")
        }
        var results: [RunResult] = []
        var void: [UInt32: String] = [:]
        var unverified: Set<UInt32> = []
        for run in runs {
            let report = try ScoreCommand.report(store: store, runID: run.id, recompute: false, anchor: anchor)
            guard let result = report.result else { continue }
            // A run whose data fails integrity is void: it does not count.
            if let integrity = report.integrity {
                switch integrity.verdict {
                case .void:
                    void[run.id] = integrity.detail
                    continue
                case .unverified: unverified.insert(run.id)
                case .verified: break
                }
            }
            results.append(result)
        }
        let rulebook = try RunContext(store: store, runID: last.id).rulebook
        let standings = DivisionStandings(rulebook: rulebook, division: division, runs: results)
        let review = Set(runs.filter(\.review).map(\.id))
        let table = DataTable(
            columns: [
                "rank", "team", "score", "runs", "counted", "S", "interventions", "R_o", "last_scoring_s", "wh_per_m2",
                "note",
            ],
            rows: standings.entries.map { e in
                [
                    .integer(Int64(e.rank)), .text(e.team), .number(e.score),
                    .text(
                        (e.runs.map {
                            "\($0.runID):\(decimal($0.score, 3))\(review.contains($0.runID) ? "*" : "")\(unverified.contains($0.runID) ? "?" : "")"
                        } + (e.unofficialRuns ?? []).map { "\($0):unofficial" })
                        .joined(separator: " ")
                    ),
                    .text(e.counted.map(String.init).joined(separator: " ")), .number(e.S),
                    .integer(Int64(e.interventions)),
                    .number(e.R_o), e.lastScoringEventOffset.map { .number(Double($0) / 1e9) } ?? .null,
                    e.whPerSquareMetre.map { .number($0) } ?? .null,
                    .text(
                        e.disqualified
                            ? "disqualified (\(e.disqualifiedRobots.map(String.init).joined(separator: ",")))"
                            : e.disqualifiedRobots.isEmpty
                                ? ""
                                : "robot \(e.disqualifiedRobots.map(String.init).joined(separator: ",")) disqualified"
                    ),
                ]
            }
        )
        if format == .table {
            print(
                "division \(division), rulebook \(rulebook.id), best \(rulebook.heats.bestOf) runs; tie-breaks: \(rulebook.tieBreaks.map(\.rawValue).joined(separator: ", "))"
            )
        }
        print(table.render(format), terminator: "")
        if format == .table && !review.isEmpty { print("* run flagged for review") }
        if format == .table && !unverified.isEmpty { print("? FINAL result UNVERIFIED: no pinned public key") }
        if format == .table {
            for (id, detail) in void.sorted(by: { $0.key < $1.key }) {
                print("run \(id) VOID (not counted): \(detail)")
            }
        }
    }
}

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "The rulebook.",
        discussion: """
            Examples:
              fleet rules show
              fleet rules show --run 3
            """,
        subcommands: [Show.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a rulebook as readable text (checked: a bad file is refused naming the field).",
            discussion: """
                Examples:
                  fleet rules show
                  fleet rules show --rulebook my-rulebook.json
                  fleet rules show --run 3 --db fleet.db        the rulebook stored with run 3
                """
        )
        @Option(help: "Rulebook file (default: Rulebooks/rulebook-v1.json).") var rulebook: String?
        @Option(name: .customLong("run"), help: "Show the rulebook stored with this run instead.") var runID: UInt32?
        @Option(help: "SQLite database file (with --run).") var db = "fleet.db"

        func run() throws {
            if let run = runID {
                let store = try CompetitionOptions.readingStore(db: db)
                let book = try RunContext(store: store, runID: run).rulebook
                print(book.renderText(), terminator: "")
                print("\nhash \(book.hash)")
                return
            }
            let (book, _, path) = try RulebookFile.load(rulebook)
            print(book.renderText(), terminator: "")
            print("\n\(path), hash \(book.hash)")
        }
    }
}
