import FleetProtocol
import FleetStore

/// Frames the benchmarks work on, built once outside any measurement.
enum Fixtures {
    /// A sanitation state frame (132 B) with values that vary like telemetry does.
    static func sanitationFrame(robotID: UInt32, sequence: UInt32) -> [UInt8] {
        let t = Double(sequence) / 10
        let state = SanitationState(
            x: 10 + t,
            y: Double(robotID),
            energyUsed: t * 0.2,
            distance: t * 0.8,
            areaCleaned: t * 0.5,
            heading: 0.5,
            speed: 0.8,
            turnRate: 0.1,
            brushRpm: 120,
            suction: 60,
            waterFlow: 0,
            hopperFill: Float(sequence % 100),
            cleanWater: 90,
            dirtyWater: 5,
            batterySOC: 80,
            batteryVoltage: 48,
            batteryCurrent: 12,
            batteryTemperature: 31,
            mode: .auto,
            status: .cleaning,
            brushDown: true,
            spraying: false
        )
        return FrameEncoder.encode(
            .sanitationState(state),
            robotID: robotID,
            bootEpoch: 0,
            sequence: sequence,
            timestampNanoseconds: 1_800_000_000_000_000_000 + UInt64(sequence) * 100_000_000
        )
    }

    /// A `FrameChunk` (length-prefixed) blob of `frames` consecutive frames of robot 1.
    static func lengthPrefixedChunk(frames: Int) -> [UInt8] {
        var blob: [UInt8] = []
        for sequence in 0..<frames {
            sanitationFrame(robotID: 1, sequence: UInt32(sequence)).withUnsafeBytes {
                FrameChunk.append($0, to: &blob)
            }
        }
        return blob
    }
}
