import FleetProtocol

extension ChunkCodec {
    /// What the codec makes of some chunks: sizes per numeric sample and per frame, so a
    /// benchmark or a test can hold the format to its target (≤ 2 bytes per numeric sample).
    public struct Measurement: Sendable, Equatable, CustomStringConvertible {
        /// The variant measured ("columns+zstd-3", "gorilla-bits", ...).
        public var variant: String
        public var chunks = 0
        public var frames = 0
        /// Frames stored in columns (the rest are raw).
        public var columnarFrames = 0
        /// Schema fields (array elements counted one by one, reserved fields not) of the
        /// columnar frames: the samples the target is about.
        public var numericSamples = 0
        /// The frames' own bytes (without `FrameChunk`'s length prefixes).
        public var frameBytes = 0
        /// Encoded blob bytes, all-in (headers, sequence, time, types, flags, raw frames).
        public var encodedBytes = 0

        public init(variant: String) { self.variant = variant }

        public var bytesPerSample: Double { numericSamples == 0 ? 0 : Double(encodedBytes) / Double(numericSamples) }
        public var bytesPerFrame: Double { frames == 0 ? 0 : Double(encodedBytes) / Double(frames) }
        public var ratio: Double { encodedBytes == 0 ? 0 : Double(frameBytes) / Double(encodedBytes) }

        public var description: String {
            "\(variant): \(frames) frames in \(chunks) chunks, \(frameBytes) B -> \(encodedBytes) B, "
                + "\(rounded(bytesPerFrame)) B/frame, \(rounded(bytesPerSample)) B/sample, ratio \(rounded(ratio))"
        }

        private func rounded(_ value: Double) -> String {
            let hundredths = (value * 100).rounded()
            return "\(hundredths / 100)"
        }
    }

    /// Encode and decode speed over some chunks.
    public struct Throughput: Sendable, CustomStringConvertible {
        public var frames = 0
        public var encodeSeconds = 0.0
        public var decodeSeconds = 0.0
        /// Sum of bytes the timed loops produced, kept so that no work can be optimized away.
        public var digest = 0

        public var encodeFramesPerSecond: Double { encodeSeconds == 0 ? 0 : Double(frames) / encodeSeconds }
        public var decodeFramesPerSecond: Double { decodeSeconds == 0 ? 0 : Double(frames) / decodeSeconds }

        public var description: String {
            "encode \(Int(encodeFramesPerSecond)) frames/s, decode \(Int(decodeFramesPerSecond)) frames/s "
                + "(\(frames) frames each way)"
        }
    }

    /// Sizes of the shipping format on `chunks` (each a `FrameChunk` blob).
    public static func measure(lengthPrefixed chunks: [[UInt8]]) -> Measurement {
        measure(chunks, variant: "columns+zstd-\(Options.standard.level)", options: .standard)
    }

    /// The shipping format next to the variants it was chosen over: other zstd levels,
    /// untransformed columns, plain zstd of the frames, and Gorilla's bit-packed XOR
    /// encoding of the same columns (estimated exactly from its bit costs, not compressed).
    public static func measureVariants(lengthPrefixed chunks: [[UInt8]]) -> [Measurement] {
        var results: [Measurement] = []
        for level: Int32 in [1, 3, 6, 9, 19] {
            results.append(measure(chunks, variant: "columns+zstd-\(level)", options: Options(level: level)))
        }
        let level = Options.standard.level
        results.append(
            measure(chunks, variant: "untransformed-columns+zstd-\(level)", options: Options(transformsColumns: false))
        )
        var plain = measure(lengthPrefixed: chunks)
        plain.variant = "frames+zstd-\(level)"
        plain.encodedBytes = 0
        for chunk in chunks {
            chunk.withUnsafeBytes { input in
                let bound = Zstd.compressBound(input.count)
                let output = UnsafeMutableRawBufferPointer.allocate(byteCount: bound, alignment: 1)
                defer { output.deallocate() }
                plain.encodedBytes += Zstd.compress(input, into: output, level: level) ?? input.count
            }
        }
        results.append(plain)
        var gorilla = measure(lengthPrefixed: chunks)
        gorilla.variant = "gorilla-bits"
        gorilla.encodedBytes = 0
        for chunk in chunks {
            chunk.withUnsafeBytes { gorilla.encodedBytes += gorillaSize($0) }
        }
        results.append(gorilla)
        return results
    }

    /// Times encoding and decoding every chunk, repeated until each side took at least
    /// `minimumSeconds` by `seconds`, at `zstdLevel` (default: the shipping level) (wall-clock by default; on a shared machine pass the
    /// thread's CPU time); decoding touches every frame's bytes so nothing is optimized away.
    public static func measureThroughput(
        lengthPrefixed chunks: [[UInt8]],
        minimumSeconds: Double = 1,
        zstdLevel: Int32? = nil,
        seconds now: () -> Double = wallClockSeconds
    ) -> Throughput {
        var options = Options.standard
        if let zstdLevel { options.level = zstdLevel }
        let encoded = chunks.map { chunk in chunk.withUnsafeBytes { encode(lengthPrefixed: $0, options: options) } }
        let framesPerPass = encoded.reduce(0) { total, blob in
            total
                + blob.withUnsafeBytes { blob in
                    var count = 0
                    try? forEachFrame(in: blob, encoding: .columnar) { _ in count += 1 }
                    return count
                }
        }
        var result = Throughput()
        var passes = 0
        var bytes = 0
        var start = now()
        repeat {
            for chunk in chunks {
                bytes &+= chunk.withUnsafeBytes { encode(lengthPrefixed: $0, options: options).count }
            }
            passes += 1
        } while now() - start < minimumSeconds
        result.encodeSeconds = (now() - start) / Double(passes)
        passes = 0
        start = now()
        repeat {
            for blob in encoded {
                blob.withUnsafeBytes { blob in
                    try? forEachFrame(in: blob, encoding: .columnar) { frame in bytes &+= Int(frame[frame.count - 1]) }
                }
            }
            passes += 1
        } while now() - start < minimumSeconds
        result.decodeSeconds = (now() - start) / Double(passes)
        result.frames = framesPerPass
        result.digest = bytes
        return result
    }

    /// Seconds on the continuous clock since the first call.
    public static func wallClockSeconds() -> Double {
        let (whole, attoseconds) = clockOrigin.duration(to: .now).components
        return Double(whole) + Double(attoseconds) * 1e-18
    }

    private static let clockOrigin = ContinuousClock.Instant.now

    private static func measure(_ chunks: [[UInt8]], variant: String, options: Options) -> Measurement {
        var result = Measurement(variant: variant)
        for chunk in chunks {
            chunk.withUnsafeBytes { input in
                let inventory = inventory(of: input)
                result.chunks += 1
                result.frames += inventory.frameCount
                result.columnarFrames += inventory.canonicalCount
                result.frameBytes += inventory.lengths.reduce(0, +)
                for typeID in 0..<256 where inventory.typeCounts[typeID] > 0 {
                    result.numericSamples +=
                        inventory.typeCounts[typeID] * ChunkColumnPlan.byTypeID[typeID]!.columns.count
                }
                result.encodedBytes += encode(lengthPrefixed: input, options: options).count
            }
        }
        return result
    }
}
