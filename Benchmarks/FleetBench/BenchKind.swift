import FleetProtocol
import Foundation

/// The frames a benchmark sends: sanitation state (10 Hz) or humanoid state (50 Hz).
public enum BenchKind: CustomStringConvertible, Sendable {
    case sanitation
    case humanoid

    public var description: String { self == .sanitation ? "sanitation" : "humanoid" }

    /// `sanitation` or `humanoid`, as `--kinds` lists them.
    public init?(name: String) {
        switch name {
        case "sanitation": self = .sanitation
        case "humanoid": self = .humanoid
        default: return nil
        }
    }
    /// Bytes of one frame on the wire.
    public var frameSize: Int {
        self == .sanitation ? MessageType.sanitationState.frameSize : MessageType.humanoidState.frameSize
    }

    /// A recording of robots sending state at their usual rates (10 Hz / 50 Hz of event
    /// time), values varying like telemetry does.
    public func writeRecording(to path: String, frames: Int) throws {
        let robots = self == .sanitation ? 200 : 50
        let period: UInt64 = self == .sanitation ? 100_000_000 : 20_000_000
        var file = Recording.header(startUnixNanos: 0)
        file.reserveCapacity(16 + frames * (frameSize + 12))
        var buffer = [UInt8](repeating: 0, count: MessageType.maximumFrameSize)
        let start: UInt64 = 1_800_000_000_000_000_000
        for index in 0..<frames {
            let robot = UInt32(index % robots) + 1
            let step = UInt64(index / robots)
            let t = Double(step) * Double(period) / 1e9
            let message =
                self == .sanitation
                ? Self.sanitation(robot: robot, step: step, t: t) : Self.humanoid(robot: robot, t: t)
            let length = buffer.withUnsafeMutableBytes {
                FrameEncoder.encode(
                    message,
                    robotID: robot,
                    bootEpoch: 0,
                    sequence: UInt32(step),
                    timestampNanoseconds: start + step * period,
                    flags: FrameHeader.simulatedTimeFlag,
                    into: $0
                )
            }
            buffer.withUnsafeBytes {
                Recording.appendRecord(
                    UnsafeRawBufferPointer(rebasing: $0[..<length]),
                    offsetNanos: step * period,
                    to: &file
                )
            }
        }
        try Data(file).write(to: URL(fileURLWithPath: path))
    }

    /// A sanitation robot's state at `t` s into the recording, varying like telemetry does.
    private static func sanitation(robot: UInt32, step: UInt64, t: Double) -> FleetProtocol.Message {
        .sanitationState(
            SanitationState(
                x: 10 + 5 * cos(t / 30),
                y: Double(robot),
                energyUsed: t * 0.2,
                distance: t * 0.8,
                areaCleaned: t * 0.5,
                heading: Float(t.truncatingRemainder(dividingBy: 6.28)) - 3.14,
                speed: 0.8,
                turnRate: 0.1,
                brushRpm: 120,
                suction: 60,
                waterFlow: 0,
                hopperFill: Float(step % 100),
                cleanWater: 90,
                dirtyWater: 5,
                batterySOC: 100 - Float(step % 1000) / 20,
                batteryVoltage: 48,
                batteryCurrent: 12,
                batteryTemperature: 31,
                mode: .auto,
                status: .cleaning,
                brushDown: true,
                spraying: false
            )
        )
    }

    /// A humanoid's state at `t` s into the recording.
    private static func humanoid(robot: UInt32, t: Double) -> FleetProtocol.Message {
        var joints = JointArray(repeating: 0)
        for j in 0..<24 { joints[j] = Float(sin(t + Double(j))) * 0.5 }
        return .humanoidState(
            HumanoidState(
                x: 3,
                y: Double(robot),
                energyUsed: t * 0.3,
                baseHeight: 0.9,
                heading: 0.5,
                speed: 0.6,
                orientationW: 1,
                orientationX: 0,
                orientationY: 0,
                orientationZ: 0,
                gyroX: 0,
                gyroY: 0,
                gyroZ: 0.1,
                accelX: 0,
                accelY: 0,
                accelZ: 9.81,
                batterySOC: 80,
                batteryVoltage: 52,
                batteryCurrent: 8,
                batteryTemperature: 33,
                jointPosition: joints,
                jointVelocity: joints,
                jointEffort: joints,
                jointTemperature: joints,
                taskPhase: .walking,
                mode: .auto,
                itemsPicked: 1,
                itemsPlaced: 1,
                falls: 0,
                getUps: 0
            )
        )
    }
}
