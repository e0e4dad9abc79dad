import Testing

@testable import FleetProtocol

struct CRC32Tests {
    // Check values from the CRC catalogue (CRC-32/ISO-HDLC), also what zlib.crc32 returns.
    @Test(arguments: [
        ("", UInt32(0)),
        ("a", UInt32(0xE8B7_BE43)),
        ("123456789", UInt32(0xCBF4_3926)),
        ("The quick brown fox jumps over the lazy dog", UInt32(0x414F_A339)),
    ])
    func matchesTheCatalogueCheckValues(input: String, expected: UInt32) {
        #expect(CRC32.checksum(Array(input.utf8)) == expected)
    }

    @Test func continuingGivesTheSameAsOneShot() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = CRC32.checksum(bytes)
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let first = bytes[..<split].withUnsafeBytes { CRC32.checksum($0) }
            let both = bytes[split...].withUnsafeBytes { CRC32.checksum($0, continuing: first) }
            #expect(both == whole, "split at \(split)")
        }
    }
}
