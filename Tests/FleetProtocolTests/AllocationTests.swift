import AllocationCounter
import Testing

@testable import FleetProtocol

/// The receive path must not touch the heap: decoding a frame of any (fixed-size) type
/// allocates nothing, counted by a real malloc interposer on this thread.
struct AllocationTests {
    static let decodesPerType = 10_000

    /// One valid frame of every type.
    static func frames() -> [[UInt8]] {
        var random = SplitMix64(seed: 0xA110C)
        return MessageType.allCases.map { type in
            FrameEncoder.encode(
                header: .random(type, using: &random),
                body: RandomBody(Schema.current.message(type), using: &random).bytes
            )
        }
    }

    @Test(.enabled(if: fleet_allocation_counter_available() == 1, "needs Linux with glibc"))
    func theCounterSeesAnAllocation() {
        fleet_allocation_counter_start()
        let array = [UInt64](repeating: 7, count: 64 + Int.random(in: 0..<2))
        let allocations = fleet_allocation_counter_stop()
        #expect(array.count >= 64)
        #expect(allocations >= 1)
    }

    @Test(.enabled(if: fleet_allocation_counter_available() == 1, "needs Linux with glibc"))
    func decodingEveryMessageTypeAllocatesNothing() throws {
        let frames = Self.frames()
        // Warm up: first use of a type may fill runtime caches (metadata, lazy globals).
        for frame in frames { _ = try FrameDecoder.decode(frame) }

        var checksum: UInt64 = 0
        var failures = 0
        var allocationsByType: [Int] = []
        allocationsByType.reserveCapacity(frames.count)
        for frame in frames {
            frame.withUnsafeBytes { buffer in
                fleet_allocation_counter_start()
                for _ in 0..<Self.decodesPerType {
                    do {
                        let decoded = try FrameDecoder.decode(buffer)
                        checksum &+= UInt64(decoded.header.sequence)
                    } catch {
                        failures += 1
                    }
                }
                allocationsByType.append(fleet_allocation_counter_stop())
            }
        }
        #expect(failures == 0)
        #expect(checksum != 0)
        for (type, allocations) in zip(MessageType.allCases, allocationsByType) {
            #expect(
                allocations == 0,
                "decoding \(Self.decodesPerType) \(type.schemaName) frames allocated \(allocations) times"
            )
        }
    }

    @Test(.enabled(if: fleet_allocation_counter_available() == 1, "needs Linux with glibc"))
    func checkingHeadersAndEncodingIntoABufferAllocateNothing() throws {
        let frames = Self.frames()
        let messages = try frames.map { try FrameDecoder.decode($0).message }
        // All frames in one buffer, so the measured loop calls the codec and nothing else
        // (in debug builds a closure per frame may itself allocate its context).
        let joined = frames.flatMap { $0 }
        let bounds = frames.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        var output = [UInt8](repeating: 0, count: MessageType.maximumFrameSize)
        var failures = 0
        var written = 0
        var allocations = -1
        joined.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { output in
                // Round 0 warms up (runtime metadata caches fill on first use), then count.
                for round in 0...1_000 {
                    if round == 1 { fleet_allocation_counter_start() }
                    for index in messages.indices {
                        let frame = UnsafeRawBufferPointer(rebasing: input[bounds[index]..<bounds[index + 1]])
                        do { _ = try FrameDecoder.decodeHeader(frame) } catch { failures += 1 }
                        written &+= FrameEncoder.encode(
                            messages[index],
                            robotID: 7,
                            bootEpoch: 1,
                            sequence: UInt32(round),
                            timestampNanoseconds: 42,
                            into: output
                        )
                    }
                }
                allocations = fleet_allocation_counter_stop()
            }
        }
        #expect(allocations == 0)
        #expect(failures == 0)
        #expect(written == 1_001 * frames.reduce(0) { $0 + $1.count })
    }

    /// Frames a flood of garbage is made of: a bad checksum, a bad magic, a short frame, and
    /// a frame whose checksum holds but whose fields are NaN.
    static func garbage() -> [[UInt8]] {
        var random = SplitMix64(seed: 0xBAD)
        var badChecksum = frames()[0]
        badChecksum[badChecksum.count - 1] ^= 0xFF
        var badMagic = frames()[1]
        badMagic[0] = 0
        let short = Array(frames()[2].prefix(20))
        let nan = FrameEncoder.encode(
            header: .random(.sanitationState, using: &random),
            body: [UInt8](repeating: 0xFF, count: MessageType.sanitationState.bodySize)
        )
        return [badChecksum, badMagic, short, nan]
    }

    /// A bare `throw` of a `ProtocolError`: what the language itself may allocate per throw
    /// (one allocation in this debug build), the most a rejection may cost.
    @inline(never)
    static func bareThrow(_ yes: Bool) throws(ProtocolError) -> Int {
        if yes { throw ProtocolError(code: .badMagic, detail: .robotIDZero) }
        return 0
    }

    /// A flood of garbage builds no message: rejecting a frame costs what throwing the error
    /// costs and nothing more (before messages were written lazily, each rejection also
    /// built its message string).
    @Test(.enabled(if: fleet_allocation_counter_available() == 1, "needs Linux with glibc"))
    func rejectingGarbageBuildsNoMessage() throws {
        let frames = Self.garbage()
        let joined = frames.flatMap { $0 }
        let bounds = frames.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        var codes: [ProtocolError.Code] = []
        var rejected = 0
        var allocations: [Int] = []
        allocations.reserveCapacity(frames.count + 1)
        for round in 0...1_000 {
            if round == 1 { fleet_allocation_counter_start() }
            do throws(ProtocolError) { rejected += try Self.bareThrow(true) } catch { rejected += 1 }
        }
        let baseline = fleet_allocation_counter_stop()
        rejected = 0
        joined.withUnsafeBytes { input in
            for index in frames.indices {
                let frame = UnsafeRawBufferPointer(rebasing: input[bounds[index]..<bounds[index + 1]])
                // Round 0 warms up and keeps the code (appending allocates), then count.
                for round in 0...1_000 {
                    if round == 1 { fleet_allocation_counter_start() }
                    do throws(ProtocolError) {
                        _ = try FrameDecoder.decode(frame)
                    } catch {
                        rejected += 1
                        if round == 0 { codes.append(error.code) }
                    }
                }
                allocations.append(fleet_allocation_counter_stop())
            }
        }
        #expect(baseline <= 1_000)
        #expect(
            allocations == [Int](repeating: baseline, count: frames.count),
            "allocations per 1000 rejections of each kind (\(codes)); a bare throw: \(baseline)"
        )
        #expect(rejected == 1_001 * frames.count)
        #expect(Array(codes.prefix(3)) == [.badChecksum, .badMagic, .truncatedHeader])
        #expect(codes.last == .invalidValue || codes.last == .unknownEnumValue, "\(codes)")
        // The messages are written when read, and read the same as ever.
        let error = try #require(Self.rejection(frames[frames.count - 1]))
        #expect(error.message.hasPrefix("sanitation_state."), "\(error.message)")
        #expect(error.description == "\(error.code.rawValue): \(error.message)")
    }

    /// Why `frame` is rejected; nil if it is not.
    static func rejection(_ frame: [UInt8]) -> ProtocolError? {
        do throws(ProtocolError) {
            _ = try FrameDecoder.decode(frame)
            return nil
        } catch {
            return error
        }
    }
}
