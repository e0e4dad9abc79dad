import Testing

@testable import FleetProtocol

/// Seeded random and mutated frames never crash the decoder: each is decoded or
/// rejected with a `ProtocolError`, consistently between `decodeHeader` and `decode`.
struct FuzzTests {
    /// 100,000 frames in all, in shards that run in parallel.
    static let shards = 4
    static let iterationsPerShard = 25_000

    /// Valid frames to mutate: the golden vectors and a few random frames of every type.
    static func seeds(using random: inout SplitMix64) -> [[UInt8]] {
        var seeds = GoldenVectorTests.valid.compactMap { try? GoldenVectorTests.bytes(of: $0.entry) }
        for type in MessageType.allCases {
            for _ in 0..<3 {
                let body = RandomBody(Schema.current.message(type), using: &random)
                seeds.append(FrameEncoder.encode(header: .random(type, using: &random), body: body.bytes))
            }
        }
        return seeds
    }

    /// Replaces the trailer with the CRC of everything before it.
    static func resealed(_ frame: [UInt8]) -> [UInt8] {
        guard frame.count >= 4 else { return frame }
        var sealed = Array(frame.dropLast(4))
        let crc = CRC32.checksum(sealed)
        sealed += [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: crc >> $0) }
        return sealed
    }

    static func mutate(_ seed: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var frame = seed
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<8:  // random bytes
            return (0..<Int.random(in: 0...600, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        case 8..<22:  // bit flips
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let bit = Int.random(in: 0..<(frame.count * 8), using: &random)
                frame[bit / 8] ^= 1 << (bit % 8)
            }
        case 22..<30:  // truncation
            frame.removeLast(Int.random(in: 1...frame.count, using: &random))
        case 30..<36:  // extension
            frame += (0..<Int.random(in: 1...16, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        case 36..<56:  // header field edit, checksum recomputed
            let edits: [(offset: Int, values: [UInt8])] = [
                (2, [0, 1, 2, 255]),  // version_major
                (3, [0, 1, 2, 3, 4, 16, 24, 25, 32, 46, 47, 48, 49, 127, 255]),  // message_type
                (4, [0, 1, 2, 255]),  // version_minor
                (5, [0, 1, 2, 255]),  // flags
                (6, [0, 16, 31, 32, 33, 40, 64, 255]),  // header_length (low byte)
                (20, [0, 1, 3, 4, 8, 16, 28, 95, 96, 97, 200, 255]),  // body_length (low byte)
                (0, [0x46, 0x47, 0x00]),  // magic
                (8, [0x00, 0xFF]),  // robot_id (low byte; with the rest below: 0 or 0xFFFFFFFF)
                (31, [0x00, 0x7F, 0x80, 0xFF]),  // timestamp_ns (high byte: 2^63 and above)
            ]
            let edit = edits.randomElement(using: &random)!
            if frame.count > edit.offset { frame[edit.offset] = edit.values.randomElement(using: &random)! }
            if edit.offset == 8, frame.count >= 12 {
                for i in 9..<12 { frame[i] = frame[8] }
            }
            if Bool.random(using: &random), frame.count > 24 {
                // Make the frame as long as the (new) header says, so later checks are reached.
                let headerLength = Int(frame[6]) | Int(frame[7]) << 8
                let bodyLength = Int(frame[20]) | Int(frame[21]) << 8 | Int(frame[22]) << 16 | Int(frame[23]) << 24
                let wanted = headerLength + bodyLength + 4
                if wanted <= 2048 {
                    while frame.count < wanted { frame.append(UInt8.random(in: 0...255, using: &random)) }
                    if frame.count > wanted { frame.removeLast(frame.count - wanted) }
                }
            }
            return resealed(frame)
        case 56..<86:  // body byte edits, checksum recomputed: reaches the field checks
            guard frame.count > 36 else { return frame }
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let offset = Int.random(in: 32..<(frame.count - 4), using: &random)
                let specials: [[UInt8]] = [
                    [0x00, 0x00, 0xC0, 0x7F], [0x00, 0x00, 0x80, 0x7F], [0x00, 0x00, 0x80, 0xFF],
                    [0x00, 0x00, 0x48, 0x43], [0x00, 0x00, 0x80, 0xBF], [0x02], [0xFF], [0x09],
                ]
                let patch =
                    Bool.random(using: &random)
                    ? specials.randomElement(using: &random)! : [UInt8.random(in: 0...255, using: &random)]
                for (index, byte) in patch.enumerated() where offset + index < frame.count - 4 {
                    frame[offset + index] = byte
                }
            }
            return resealed(frame)
        case 86..<99:  // another known type over the same body, resized, checksum recomputed
            let type = MessageType.allCases.randomElement(using: &random)!
            var sized = Array(frame.prefix(32))
            guard sized.count == 32 else { return frame }
            sized[3] = type.rawValue
            sized[4] = 0
            sized[6] = 32
            sized[7] = 0
            let body = (0..<type.bodySize).map { _ in UInt8.random(in: 0...255, using: &random) }
            withUnsafeBytes(of: UInt32(body.count).littleEndian) { sized.replaceSubrange(20..<24, with: $0) }
            return resealed(sized + body + [0, 0, 0, 0])
        default:  // over the size limit
            // The size is checked first, so no checksum is needed.
            return frame + [UInt8](repeating: 0, count: FrameHeader.maximumFrameSize)
        }
        return frame
    }

    @Test(arguments: 0..<shards)
    func mutatedAndRandomFramesAreDecodedOrRejectedNeverCrash(shard: Int) {
        var random = SplitMix64(seed: 0xF022 + UInt64(shard))
        let seeds = Self.seeds(using: &random)
        var outcomes: [String: Int] = [:]
        for _ in 0..<Self.iterationsPerShard {
            let bytes = Self.mutate(seeds.randomElement(using: &random)!, using: &random)
            let headerResult = bytes.withUnsafeBytes { buffer in
                Result { () throws(ProtocolError) in try FrameDecoder.decodeHeader(buffer) }
            }
            do {
                let frame = try FrameDecoder.decode(bytes)
                outcomes["decoded", default: 0] += 1
                #expect((try? headerResult.get()) == frame.header)
                // What was accepted encodes to a frame that decodes to the same message.
                let encoded = FrameEncoder.encode(
                    frame.message,
                    robotID: frame.header.robotID,
                    bootEpoch: frame.header.bootEpoch,
                    sequence: frame.header.sequence,
                    timestampNanoseconds: frame.header.timestampNanoseconds,
                    flags: frame.header.flags
                )
                let again = try FrameDecoder.decode(encoded)
                #expect(FrameEncoder.encodeBody(again.message) == FrameEncoder.encodeBody(frame.message))
            } catch {
                outcomes[error.code.rawValue, default: 0] += 1
                switch headerResult {
                case .success:
                    #expect(error.code == .invalidValue || error.code == .unknownEnumValue, "\(error)")
                    #expect(error.header != nil)
                case .failure(let headerError):
                    #expect(headerError == error)
                }
                #expect(!error.message.isEmpty)
            }
        }
        // The mutations reach every check, field validation included.
        for code in ProtocolError.Code.allCases {
            #expect(outcomes[code.rawValue, default: 0] > 0, "never reached \(code.rawValue): \(outcomes)")
        }
        #expect(outcomes["decoded", default: 0] > 250, "\(outcomes)")
        #expect(outcomes.values.reduce(0, +) == Self.iterationsPerShard)
    }
}
