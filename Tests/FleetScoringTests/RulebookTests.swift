import FleetScoring
import Foundation
import Testing

struct RulebookTests {
    @Test func loadsEveryConstantOfRulebookV1() {
        let book = Fixture.rulebook
        #expect(book.divisionOrder == ["P", "N", "A", "H"])
        #expect(book.divisions["P"]?.speedLimit == 2.0)
        #expect(book.divisions["N"]?.speedLimit == 1.5)
        #expect(book.divisions["A"]?.speedLimit == 3.0)
        #expect(book.divisions["H"]?.speedLimit == 1.5)
        #expect(book.divisions["H"]?.kind == .humanoid)
        #expect(book.heats.runDuration == 1200)
        #expect(book.heats.runsPerDivision == 3 && book.heats.bestOf == 2)
        let w = book.runScore.weights
        #expect([w.Q, w.C, w.E, w.A, w.S] == [0.40, 0.20, 0.15, 0.15, 0.10])
        let q = book.quality.weights
        #expect([q.dust, q.gravel, q.objects, q.washed] == [0.30, 0.10, 0.40, 0.20])
        #expect(book.coverage.cellSize == 0.25 && book.coverage.edgeDistance == 0.5)
        #expect(book.coverage.weights.c == 0.75 && book.coverage.weights.e == 0.25)
        #expect(book.coverage.repeatThreshold == 0.3 && book.coverage.repeatVisit == .pass)
        #expect(book.efficiency.weights.p == 0.6 && book.efficiency.weights.w == 0.4)
        #expect(book.autonomy.deductions.map(\.value) == [0.20, 0.10, 0.10, 0.05])
        #expect(book.autonomy.countedPerKind == 2)
        let s = book.safety
        #expect(
            [s.staticContact, s.nearMiss, s.geofenceExit, s.overSpeed, s.overSpeedPer] == [0.10, 0.05, 0.10, 0.05, 10]
        )
        #expect(s.nearMissClearance == 0.5 && s.nearMissSpeed == 0.5 && s.disqualifyAfter == 2)
        let p = book.penalties
        #expect([p.noProgressWindow, p.noProgressDistance, p.noProgressPoints] == [60, 0.5, 5])
        #expect(p.overflowPerObject == 1 && p.sprayPerEvent == 2 && p.telemetryGap == 2)
        #expect(book.bonuses.dumpAndDock == 0.10 && book.bonuses.ramp == 5 && book.bonuses.refereeAwardMax == 0.10)
        #expect(book.tieBreaks == Rulebook.TieBreak.allCases)
        let h = book.humanoid
        #expect([h.weights.items, h.weights.bin, h.weights.A] == [0.60, 0.20, 0.20])
        #expect(h.fall == 10 && h.fallUnaided == 5 && h.fallsEndRun == 3)
        #expect(h.fallAngle == 60 && h.fallHeightFraction == 0.5 && h.nominalHeight == 0.9)
    }

    @Test func hashIsTheSHA256OfTheFileBytes() throws {
        // FIPS 180-2 test vector: SHA-256("abc").
        #expect(
            Rulebook.sha256Hex(Data("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
        let book = Fixture.rulebook
        #expect(book.hash == Rulebook.sha256Hex(Fixture.rulebookData))
        // One more byte (a trailing space) is another file: another hash, same rules.
        let edited = try Rulebook.load(Fixture.rulebookData + Data(" ".utf8))
        #expect(edited.hash != book.hash)
        #expect(edited.divisions == book.divisions)
    }

    @Test func rendersTheRulesFromTheData() {
        let text = Fixture.rulebook.renderText()
        for needle in [
            "RunScore = 100 · (0.4·Q + 0.2·C + 0.15·E + 0.15·A + 0.1·S) − penalties + bonuses",
            "C = (0.75·c + 0.25·e) · max(0, 1 − max(0, r − 0.3))",
            "Visit (pass): A cell visit is a pass",
            "| P | park and square |", "2 m/s", "| A | auxiliary road |", "3 m/s",
            "−5, and counts as a rescue_or_reposition deduction",
            "up to +10% (FINAL only)",
            "RunScore = 60 · (items placed in a bin / items) + 20 · (bin delivered to the transfer point) + 20 · A",
            "Fall: −10 each, −5 if the robot gets up unaided; fall number 3 ends the run.",
            "Tie-breaks, in order: higher S; fewer interventions; higher R_o;",
        ] {
            #expect(text.contains(needle), "missing: \(needle)")
        }
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        let path: [String]
        /// nil removes the field.
        let value: (any Sendable)?
        let code: RulebookError.Code
        let field: String
        let quoted: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(
            name: "missing w_ref",
            path: ["divisions", "P", "w_ref"],
            value: nil,
            code: .missingField,
            field: "divisions.P.w_ref",
            quoted: "divisions.P.w_ref"
        ),
        Refusal(
            name: "missing Q weight",
            path: ["run_score", "weights", "Q"],
            value: nil,
            code: .missingField,
            field: "run_score.weights.Q",
            quoted: "run_score.weights.Q"
        ),
        Refusal(
            name: "missing section",
            path: ["safety"],
            value: nil,
            code: .missingField,
            field: "safety",
            quoted: "missing field safety"
        ),
        Refusal(
            name: "negative w_ref",
            path: ["divisions", "P", "w_ref"],
            value: -40,
            code: .negativeValue,
            field: "divisions.P.w_ref",
            quoted: "-40"
        ),
        Refusal(
            name: "negative run weight",
            path: ["run_score", "weights", "S"],
            value: -0.1,
            code: .negativeValue,
            field: "run_score.weights.S",
            quoted: "-0.1"
        ),
        Refusal(
            name: "negative deduction",
            path: ["autonomy", "deductions", "1", "value"],
            value: -0.1,
            code: .negativeValue,
            field: "autonomy.deductions[1].value",
            quoted: "-0.1"
        ),
        // 0.30 + 0.10 + 0.50 + 0.20 = 1.1
        Refusal(
            name: "Q weights sum 1.1",
            path: ["quality", "weights", "R_o"],
            value: 0.5,
            code: .weightsNotSummingToOne,
            field: "quality.weights",
            quoted: "1.1"
        ),
        // 0.70 + 0.25 = 0.95
        Refusal(
            name: "C weights sum 0.95",
            path: ["coverage", "weights", "c"],
            value: 0.7,
            code: .weightsNotSummingToOne,
            field: "coverage.weights",
            quoted: "0.95"
        ),
        Refusal(
            name: "unknown ramp division",
            path: ["bonuses", "ramp_divisions"],
            value: ["X"],
            code: .unknownDivision,
            field: "bonuses.ramp_divisions[0]",
            quoted: "\"X\""
        ),
        Refusal(
            name: "unknown humanoid division",
            path: ["humanoid", "divisions"],
            value: ["Z"],
            code: .unknownDivision,
            field: "humanoid.divisions[0]",
            quoted: "\"Z\""
        ),
        Refusal(
            name: "speed limit is a string",
            path: ["divisions", "P", "speed_limit"],
            value: "fast",
            code: .wrongType,
            field: "divisions.P.speed_limit",
            quoted: "\"fast\""
        ),
        Refusal(
            name: "unknown tie-break",
            path: ["tie_breaks"],
            value: ["coin_flip"],
            code: .invalidValue,
            field: "tie_breaks[0]",
            quoted: "\"coin_flip\""
        ),
        Refusal(
            name: "unknown intervention kind",
            path: ["autonomy", "deductions", "3", "interventions"],
            value: ["shout"],
            code: .invalidValue,
            field: "autonomy.deductions[3].interventions[0]",
            quoted: "\"shout\""
        ),
    ]

    @Test(arguments: refusals)
    func refusesABadRulebookNamingTheField(_ refusal: Refusal) throws {
        var tree: Any = Fixture.rulebookJSON()
        Self.set(&tree, refusal.path[...], refusal.value)
        let data = try JSONSerialization.data(withJSONObject: tree)
        do {
            _ = try Rulebook.load(data)
            Issue.record("loaded a rulebook with \(refusal.name)")
        } catch {
            #expect(error.code == refusal.code)
            #expect(error.field == refusal.field)
            #expect(error.message.contains(refusal.field), "\(error.message)")
            #expect(error.message.contains(refusal.quoted), "\(error.message)")
        }
    }

    @Test func refusesBytesThatAreNotJSON() {
        #expect {
            try Rulebook.load(Data("{ not json".utf8))
        } throws: { error in
            (error as? RulebookError)?.code == .invalidJSON
        }
    }

    /// Sets (or with nil removes) the value at `path` in a JSON tree; numeric components index arrays.
    static func set(_ node: inout Any, _ path: ArraySlice<String>, _ value: (any Sendable)?) {
        guard let key = path.first else { return }
        let rest = path.dropFirst()
        if var array = node as? [Any], let index = Int(key) {
            if rest.isEmpty {
                if let value { array[index] = value } else { array.remove(at: index) }
            } else {
                set(&array[index], rest, value)
            }
            node = array
        } else if var object = node as? [String: Any] {
            if rest.isEmpty {
                object[key] = value
            } else {
                var child = object[key]!
                set(&child, rest, value)
                object[key] = child
            }
            node = object
        }
    }
}
