import FleetProtocol
import FleetSimulation
import FleetStore

/// Random chunks for the round-trip property: frames of every message type with values
/// written field by field from the schema layout (slowly varying, constant, random and
/// extreme, NaN included), irregular sequence numbers and timestamps, and odd frames the
/// codec must keep raw. Seeded: a failing seed reproduces.
struct RandomFrames {
    enum Style: CaseIterable {
        case constant, walk, random, extreme
    }

    var rng: SeededGenerator
    let robotID: UInt32
    let bootEpoch: UInt32
    private var sequence: UInt32
    private var timestamp: UInt64
    /// The last body written per type, so `constant` and `walk` continue from it.
    private var previousBodies: [UInt8: [UInt8]] = [:]
    private var styles: [UInt8: [Style]] = [:]

    init(seed: UInt64) {
        rng = SeededGenerator(seed: seed)
        robotID = UInt32.random(in: 1...0xEFFF_FFFF, using: &rng)
        bootEpoch = UInt32.random(in: 0...UInt32.max, using: &rng)
        sequence = Bool.random(using: &rng) ? 0 : UInt32.random(in: 0...UInt32.max, using: &rng)
        timestamp =
            Bool.random(using: &rng)
            ? 1_780_000_000_000_000_000 : UInt64.random(in: 0...UInt64.max, using: &rng)
    }

    /// The frames of one chunk and the chunk as a `FrameChunk` blob.
    mutating func chunk(frames count: Int) -> (frames: [[UInt8]], blob: [UInt8]) {
        styles = [:]
        var frames: [[UInt8]] = []
        var blob: [UInt8] = []
        for _ in 0..<count {
            let frame = Int.random(in: 0..<100, using: &rng) < 8 ? oddFrame() : validFrame()
            frame.withUnsafeBytes { FrameChunk.append($0, to: &blob) }
            frames.append(frame)
        }
        return (frames, blob)
    }

    private mutating func nextType() -> MessageType {
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<45: .sanitationState
        case 45..<60: .humanoidState
        case 60..<70: .heartbeat
        default: MessageType.allCases.randomElement(using: &rng)!
        }
    }

    private mutating func nextSequence() -> UInt32 {
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<85: sequence &+= 1
        case 85..<90: sequence &+= UInt32.random(in: 2...1000, using: &rng)
        case 90..<94: sequence &-= UInt32.random(in: 1...5, using: &rng)
        case 94..<97: break
        default: sequence = UInt32.random(in: 0...UInt32.max, using: &rng)
        }
        return sequence
    }

    private mutating func nextTimestamp() -> UInt64 {
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<60: timestamp &+= 100_000_000
        case 60..<80: timestamp &+= UInt64.random(in: 0...200_000_000, using: &rng)
        case 80..<88: break
        case 88..<94: timestamp &-= UInt64.random(in: 1...1_000_000_000, using: &rng)
        case 94..<97: return [0, UInt64.max, 1 << 63].randomElement(using: &rng)!
        default: timestamp = UInt64.random(in: 0...UInt64.max, using: &rng)
        }
        return timestamp
    }

    /// A frame the codec should store as columns.
    mutating func validFrame(type: MessageType? = nil) -> [UInt8] {
        let type = type ?? nextType()
        let body = nextBody(type)
        let header = FrameHeader(
            messageType: type.rawValue,
            flags: Int.random(in: 0..<10, using: &rng) == 0 ? UInt8.random(in: 0...255, using: &rng) : 1,
            robotID: robotID,
            bootEpoch: bootEpoch,
            sequence: nextSequence(),
            bodyLength: UInt32(type.bodySize),
            timestampNanoseconds: nextTimestamp()
        )
        return FrameEncoder.encode(header: header, body: body)
    }

    private mutating func nextBody(_ type: MessageType) -> [UInt8] {
        let layout = type.layout
        if styles[type.rawValue] == nil {
            styles[type.rawValue] = layout.map { _ in Style.allCases.randomElement(using: &rng)! }
        }
        let fieldStyles = styles[type.rawValue]!
        var body = previousBodies[type.rawValue] ?? [UInt8](repeating: 0, count: type.bodySize)
        for (field, style) in zip(layout, fieldStyles) where !field.isReserved {
            for element in 0..<field.count {
                let offset = field.offset + element * field.type.size
                var value: UInt64 = 0
                for byte in 0..<field.type.size { value |= UInt64(body[offset + byte]) << UInt64(8 * byte) }
                value = nextValue(value, field, style, isFirst: previousBodies[type.rawValue] == nil)
                for byte in 0..<field.type.size {
                    body[offset + byte] = UInt8(truncatingIfNeeded: value >> UInt64(8 * byte))
                }
            }
        }
        previousBodies[type.rawValue] = body
        return body
    }

    /// The next bit pattern of one field element.
    private mutating func nextValue(_ previous: UInt64, _ field: FieldLayout, _ style: Style, isFirst: Bool) -> UInt64 {
        let bits = 8 * field.type.size
        let mask: UInt64 = bits == 64 ? ~0 : (1 << UInt64(bits)) - 1
        let randomBits = UInt64.random(in: 0...UInt64.max, using: &rng) & mask
        switch (style, field.type) {
        case (.constant, _):
            return isFirst ? randomBits : previous
        case (.random, _):
            return randomBits
        case (.extreme, .f64):
            let values: [Double] = [
                .nan, .signalingNaN, -.nan, .infinity, -.infinity, -0.0, 0, .greatestFiniteMagnitude,
                .leastNonzeroMagnitude, -.leastNormalMagnitude, 1e300,
            ]
            return values.randomElement(using: &rng)!.bitPattern
        case (.extreme, .f32):
            let values: [Float] = [
                .nan, .signalingNaN, -.nan, .infinity, -.infinity, -0.0, 0, .greatestFiniteMagnitude,
                .leastNonzeroMagnitude, Float(bitPattern: 0x7FC0_1234), 100,
            ]
            return UInt64(values.randomElement(using: &rng)!.bitPattern)
        case (.extreme, _):
            return [0, mask, mask >> 1, (mask >> 1) + 1, 1].randomElement(using: &rng)!
        case (.walk, .f64):
            let value = isFirst ? Double.random(in: -1000...1000, using: &rng) : Double(bitPattern: previous)
            return (value + Double.random(in: -0.5...0.5, using: &rng)).bitPattern
        case (.walk, .f32):
            let value = isFirst ? Float.random(in: -100...100, using: &rng) : Float(bitPattern: UInt32(previous))
            return UInt64((value + Float.random(in: -0.05...0.05, using: &rng)).bitPattern)
        case (.walk, _):
            let step = UInt64(bitPattern: Int64.random(in: -3...3, using: &rng))
            return ((isFirst ? randomBits : previous) &+ step) & mask
        }
    }

    /// A frame the codec must keep raw (or may store as columns if it happens to be
    /// canonical after all), in one of the ways a sender or a newer version can differ.
    mutating func oddFrame() -> [UInt8] {
        var frame = validFrame()
        func resealed(_ frame: [UInt8]) -> [UInt8] {
            var frame = frame
            let checksum = CRC32.checksum(Array(frame[..<(frame.count - 4)]))
            withUnsafeBytes(of: checksum.littleEndian) { frame.replaceSubrange((frame.count - 4)..., with: $0) }
            return frame
        }
        switch Int.random(in: 0..<13, using: &rng) {
        case 0:  // unknown message type, any body length
            let known = Set(MessageType.allCases.map(\.rawValue))
            var typeID = UInt8.random(in: 0...255, using: &rng)
            while known.contains(typeID) { typeID &+= 1 }
            let body = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var header = FrameHeader(
                messageType: typeID,
                robotID: robotID,
                bootEpoch: bootEpoch,
                sequence: nextSequence(),
                bodyLength: UInt32(body.count),
                timestampNanoseconds: nextTimestamp()
            )
            header.flags = 1
            return FrameEncoder.encode(header: header, body: body)
        case 1:  // a longer header (a future minor version)
            frame[6] = 40
            frame.insert(contentsOf: [UInt8](repeating: 7, count: 8), at: 32)
            return resealed(frame)
        case 2:  // body length field that lies
            frame[20] &+= 1
            return resealed(frame)
        case 3:  // bad CRC
            frame[frame.count - 1] ^= 0x5A
            return frame
        case 4:  // nonzero reserved or uncovered bytes, where the type has any
            let type = MessageType(rawValue: frame[3])!
            if let reserved = type.layout.first(where: \.isReserved) {
                frame[32 + reserved.offset] = UInt8.random(in: 1...255, using: &rng)
            } else {
                frame[frame.count - 1] ^= 1
            }
            return resealed(frame)
        case 5:  // another robot
            frame[8] &+= 1
            return resealed(frame)
        case 6:  // another boot epoch
            frame[12] &+= 1
            return resealed(frame)
        case 7:  // another version
            frame[Bool.random(using: &rng) ? 2 : 4] &+= 1
            return resealed(frame)
        case 8:  // truncated anywhere
            return Array(frame[..<Int.random(in: 0..<frame.count, using: &rng)])
        case 9:  // trailing bytes
            return frame + [UInt8.random(in: 0...255, using: &rng)]
        case 10:  // wrong magic
            frame[0] ^= 0xFF
            return resealed(frame)
        case 11:  // garbage, including empty
            return (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        default:  // header length below 32
            frame[6] = 16
            return resealed(frame)
        }
    }
}
