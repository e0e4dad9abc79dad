import FleetProtocol
import FleetScoring
import Foundation

/// Shared fixtures: the repository's rulebook, small arenas and frame builders.
enum Fixture {
    static let rulebookURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Rulebooks/rulebook-v1.json")

    static let rulebookData: Data = try! Data(contentsOf: rulebookURL)

    static let rulebook: Rulebook = try! Rulebook.load(rulebookData)

    /// The rulebook file as a mutable JSON tree, for refusal tests.
    static func rulebookJSON() -> [String: Any] {
        try! JSONSerialization.jsonObject(with: rulebookData) as! [String: Any]
    }

    static let referee: UInt32 = 0xF000_0001
    static let second: UInt64 = 1_000_000_000
    /// RUNNING starts here (ns) in every scorer test.
    static let start: UInt64 = 1000 * second
    static let end: UInt64 = start + 1200 * second

    /// `columns` × `rows` cells of 0.25 m, all target; row `edgeRow` (if any) are edge cells.
    static func mask(columns: Int, rows: Int, edgeRows: Set<Int> = []) -> CoverageMask {
        var flags = [UInt8](repeating: CoverageMask.targetBit, count: columns * rows)
        for j in edgeRows {
            for i in 0..<columns { flags[j * columns + i] |= CoverageMask.edgeBit }
        }
        return CoverageMask(cellSize: 0.25, columns: columns, rows: rows, flags: flags)
    }

    static let totals = ArenaTotals(dustMass: 10, gravelMass: 4, ratingSum: 20, stainArea: 8, items: 10)

    static func scorer(
        division: Division = .P,
        robots: [RunScorer.Robot] = [RunScorer.Robot(id: 1, team: "alpha", kind: "sweeper")],
        mask: CoverageMask = Fixture.mask(columns: 40, rows: 40),
        totals: ArenaTotals = Fixture.totals,
        window: Bool = true
    ) -> RunScorer {
        try! RunScorer(
            rulebook: rulebook,
            run: RunScorer.Run(
                id: 7,
                division: division,
                runningStart: window ? start : nil,
                runningEnd: window ? end : nil
            ),
            arena: RunScorer.Arena(mask: mask, totals: totals),
            robots: robots
        )
    }

    static func header(_ type: MessageType, sender: UInt32, seq: UInt32, t: UInt64, boot: UInt32 = 1) -> FrameHeader {
        FrameHeader(
            messageType: type.rawValue,
            robotID: sender,
            bootEpoch: boot,
            sequence: seq,
            bodyLength: UInt32(type.bodySize),
            timestampNanoseconds: t
        )
    }

    /// A sanitation state sample at `t` seconds after RUNNING start.
    static func pose(
        _ robot: UInt32,
        _ seconds: Double,
        x: Double,
        y: Double,
        brush: Bool = true,
        speed: Float = 1,
        energy: Double = 0,
        distance: Double = 0,
        status: SanitationStatus = .cleaning,
        seq: UInt32 = 0,
        boot: UInt32 = 1
    ) -> Frame {
        let state = SanitationState(
            x: x,
            y: y,
            energyUsed: energy,
            distance: distance,
            areaCleaned: 0,
            heading: 0,
            speed: speed,
            turnRate: 0,
            brushRpm: brush ? 120 : 0,
            suction: 0,
            waterFlow: 0,
            hopperFill: 0,
            cleanWater: 0,
            dirtyWater: 0,
            batterySOC: 90,
            batteryVoltage: 48,
            batteryCurrent: 10,
            batteryTemperature: .nan,
            mode: .auto,
            status: status,
            brushDown: brush,
            spraying: false
        )
        return Frame(
            header: header(.sanitationState, sender: robot, seq: seq, t: at(seconds), boot: boot),
            message: .sanitationState(state)
        )
    }

    /// A humanoid sample with roll `rollDegrees` (about x) and base height `height`.
    static func humanoid(
        _ robot: UInt32,
        _ seconds: Double,
        rollDegrees: Double = 0,
        pitchDegrees: Double = 0,
        height: Float = 0.9,
        x: Double = 0,
        seq: UInt32 = 0
    ) -> Frame {
        let r = rollDegrees * .pi / 360
        let p = pitchDegrees * .pi / 360
        // Roll then pitch, no yaw: q = q_pitch · q_roll.
        let w = cos(r) * cos(p)
        let qx = sin(r) * cos(p)
        let qy = cos(r) * sin(p)
        let qz = -sin(r) * sin(p)
        let state = HumanoidState(
            x: x,
            y: 0,
            energyUsed: 0,
            baseHeight: height,
            heading: 0,
            speed: 0.5,
            orientationW: Float(w),
            orientationX: Float(qx),
            orientationY: Float(qy),
            orientationZ: Float(qz),
            gyroX: 0,
            gyroY: 0,
            gyroZ: 0,
            accelX: 0,
            accelY: 0,
            accelZ: 9.81,
            batterySOC: 80,
            batteryVoltage: 48,
            batteryCurrent: 5,
            batteryTemperature: 30,
            jointPosition: JointArray(repeating: 0),
            jointVelocity: JointArray(repeating: 0),
            jointEffort: JointArray(repeating: 0),
            jointTemperature: JointArray(repeating: 30),
            taskPhase: .walking,
            mode: .auto,
            itemsPicked: 0,
            itemsPlaced: 0,
            falls: 0,
            getUps: 0
        )
        return Frame(
            header: header(.humanoidState, sender: robot, seq: seq, t: at(seconds)),
            message: .humanoidState(state)
        )
    }

    /// A referee event at `t` seconds after RUNNING start.
    static func referee(_ message: Message, _ seconds: Double, seq: UInt32 = 0, sender: UInt32 = referee) -> Frame {
        Frame(header: header(message.type, sender: sender, seq: seq, t: at(seconds)), message: message)
    }

    static func at(_ seconds: Double) -> UInt64 {
        seconds >= 0
            ? start + UInt64((seconds * 1e9).rounded())
            : start - UInt64((-seconds * 1e9).rounded())
    }

    static func intervention(_ robot: UInt32, _ kind: InterventionKind) -> Message {
        .intervention(Intervention(runID: 7, robotID: robot, kind: kind, duration: 0))
    }

    static func contact(_ robot: UInt32, _ kind: ContactClass) -> Message {
        .contact(Contact(runID: 7, robotID: robot, x: 0, y: 0, speed: 1, agentID: 0, contact: kind))
    }

    static func collected(
        _ robot: UInt32,
        item: UInt32,
        _ litter: LitterClass,
        mass: Float,
        rating: UInt8 = 0
    )
        -> Message
    {
        .litterCollected(
            LitterCollected(
                runID: 7,
                robotID: robot,
                itemID: item,
                mass: mass,
                x: 0,
                y: 0,
                litter: litter,
                rating: rating
            )
        )
    }

    static func spilled(
        _ robot: UInt32,
        item: UInt32,
        _ litter: LitterClass,
        mass: Float,
        rating: UInt8 = 0,
        overflow: Bool = false
    ) -> Message {
        .litterSpilled(
            LitterSpilled(
                runID: 7,
                robotID: robot,
                itemID: item,
                mass: mass,
                litter: litter,
                rating: rating,
                overflow: overflow
            )
        )
    }

    /// Feeds `frames` and returns the result.
    static func score(_ scorer: RunScorer, _ frames: [Frame]) -> RunResult {
        var s = scorer
        for f in frames { s.consume(f) }
        return s.finish()
    }
}
