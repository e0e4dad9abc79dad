import FleetStore
import Testing

struct RollupStatsTests {
    /// Stats with empty, constant, f32 and wide (f64-only) metrics.
    private func sample() -> RollupStats {
        var stats = RollupStats(metricCount: 5)
        // 0: never observed.
        for _ in 0..<10 { stats.add(0.25, metric: 1) }  // constant, f32-exact
        for v in [1.5, -2.25, 3.0] { stats.add(v, metric: 2) }  // general, f32-exact
        for v in [4_000_000_001.0, 4_000_000_003.0] { stats.add(v, metric: 3) }  // u32 past f32: wide
        stats.add(0.1, metric: 4)  // 0.1 is not an f32: wide constant
        return stats
    }

    @Test func theCompactLayoutReadsBackExactly() throws {
        let stats = sample()
        let back = try stats.bytes.withUnsafeBytes { try RollupStats(bytes: $0) }
        for m in 0..<stats.metricCount {
            #expect(back.min(m) == stats.min(m) && back.max(m) == stats.max(m), "metric \(m)")
            #expect(back.sum(m) == stats.sum(m), "metric \(m)")
            #expect(back.last(m) == stats.last(m) || (back.last(m).isNaN && stats.last(m).isNaN), "metric \(m)")
        }
    }

    @Test func theCompactLayoutIsLessThanHalfTheLegacyOne() {
        // A typical sanitation second: 17 metrics, 9 constant within the second, 8 moving.
        var stats = RollupStats(metricCount: 17)
        for step in 0..<20 {
            for m in 0..<17 { stats.add(m < 9 ? Double(m) : Double(Float(m) + Float(step) * 0.37), metric: m) }
        }
        #expect(stats.bytes.count * 2 < 17 * RollupStats.bytesPerMetric, "\(stats.bytes.count) bytes")
    }

    @Test func aLegacyBlobIsStillRead() throws {
        let stats = sample()
        var legacy: [UInt8] = []
        for v in stats.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { legacy.append(contentsOf: $0) } }
        let back = try legacy.withUnsafeBytes { try RollupStats(bytes: $0) }
        #expect(back.values.count == stats.values.count)
        #expect(back.sum(3) == stats.sum(3) && back.max(3) == stats.max(3))
    }

    @Test(arguments: [[0xC5, 0x01, 2, 0, 9], [0xC5, 0x01, 1, 0, 1, 0, 0], [1, 2, 3]])
    func aDamagedBlobIsACorruptRowNotACrash(_ blob: [UInt8]) {
        #expect(throws: StorageError.self) { try blob.withUnsafeBytes { try RollupStats(bytes: $0) } }
    }
}
