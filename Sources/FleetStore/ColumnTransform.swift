/// How a column's values are turned into small numbers before their bytes are split into
/// planes: all of them lossless on the bit pattern, so NaN payloads and -0 survive.
///
/// The loops are generic over the column's width and specialized per width, so the inner
/// loop of a 4-byte column is four byte loads or stores and one XOR or add per value.
enum ColumnTransform: UInt8 {
    /// Gorilla's XOR with the previous value: equal values give 0, nearby floats share
    /// sign, exponent and high mantissa bits.
    case xor = 0
    /// Zigzag of the wrapping difference from the previous value in the column's width:
    /// counters and slowly moving integers (and same-exponent floats) give small numbers.
    case delta = 1
    /// The value as it is (for measuring what the transforms buy).
    case identity = 2

    /// The transform's arithmetic, as a type so every loop is specialized for it.
    /// Transforms one column (the values at `source + body` for every body offset) into
    /// byte planes at `planes` with XOR or delta, whichever leaves fewer significant bytes,
    /// and returns the transform used.
    @inline(__always)
    static func encode<T: FixedWidthInteger & UnsignedInteger>(
        _: T.Type,
        _ source: UnsafeRawPointer,
        _ bodies: UnsafeBufferPointer<Int>,
        _ options: ChunkCodec.Options,
        _ column: ChunkColumnPlan.Column,
        into planes: UnsafeMutableRawPointer
    ) -> ColumnTransform {
        var transform = ColumnTransform.identity
        if options.transformsColumns {
            var previous: T = 0
            var xorBytes = 0
            var deltaBytes = 0
            for body in bodies {
                let value = T(littleEndian: (source + body).loadUnaligned(as: T.self))
                xorBytes &+= significantBytes(XorOp.forward(value, previous))
                deltaBytes &+= significantBytes(DeltaOp.forward(value, previous))
                previous = value
            }
            if xorBytes == deltaBytes {
                transform = column.isFloatingPoint ? .xor : .delta
            } else {
                transform = xorBytes < deltaBytes ? .xor : .delta
            }
        }
        switch transform {
        case .xor: encodePlanes(T.self, XorOp.self, source, bodies, into: planes)
        case .delta: encodePlanes(T.self, DeltaOp.self, source, bodies, into: planes)
        case .identity: encodePlanes(T.self, IdentityOp.self, source, bodies, into: planes)
        }
        return transform
    }

    @inline(__always)
    private static func encodePlanes<T: FixedWidthInteger & UnsignedInteger, Op: ColumnOp>(
        _: T.Type,
        _: Op.Type,
        _ source: UnsafeRawPointer,
        _ bodies: UnsafeBufferPointer<Int>,
        into planes: UnsafeMutableRawPointer
    ) {
        let count = bodies.count
        var previous: T = 0
        for k in 0..<count {
            let value = T(littleEndian: (source + bodies[k]).loadUnaligned(as: T.self))
            let stored = Op.forward(value, previous)
            previous = value
            for plane in 0..<MemoryLayout<T>.size {
                planes.storeBytes(
                    of: UInt8(truncatingIfNeeded: stored &>> (8 * plane)),
                    toByteOffset: plane &* count &+ k,
                    as: UInt8.self
                )
            }
        }
    }

    /// Rebuilds `count` values of a column from its byte planes, storing value k at
    /// `target + k * stride`.
    @inline(__always)
    func decode<T: FixedWidthInteger & UnsignedInteger>(
        _: T.Type,
        count: Int,
        planes: UnsafeRawPointer,
        into target: UnsafeMutableRawPointer,
        stride: Int
    ) {
        switch self {
        case .xor: Self.decodePlanes(T.self, XorOp.self, count: count, planes: planes, into: target, stride: stride)
        case .delta: Self.decodePlanes(T.self, DeltaOp.self, count: count, planes: planes, into: target, stride: stride)
        case .identity:
            Self.decodePlanes(T.self, IdentityOp.self, count: count, planes: planes, into: target, stride: stride)
        }
    }

    @inline(__always)
    private static func decodePlanes<T: FixedWidthInteger & UnsignedInteger, Op: ColumnOp>(
        _: T.Type,
        _: Op.Type,
        count: Int,
        planes: UnsafeRawPointer,
        into target: UnsafeMutableRawPointer,
        stride: Int
    ) {
        var previous: T = 0
        var target = target
        for k in 0..<count {
            var stored: T = 0
            for plane in 0..<MemoryLayout<T>.size {
                let byte = planes.load(fromByteOffset: plane &* count &+ k, as: UInt8.self)
                stored |= T(truncatingIfNeeded: byte) &<< (8 * plane)
            }
            let value = Op.inverse(stored, previous)
            previous = value
            target.storeBytes(of: value.littleEndian, as: T.self)
            target += stride
        }
    }

    @inline(__always)
    private static func significantBytes<T: FixedWidthInteger>(_ value: T) -> Int {
        (T.bitWidth - value.leadingZeroBitCount + 7) >> 3
    }
}

/// One transform's arithmetic on a value and the previous value of its column.
protocol ColumnOp {
    static func forward<T: FixedWidthInteger & UnsignedInteger>(_ value: T, _ previous: T) -> T
    static func inverse<T: FixedWidthInteger & UnsignedInteger>(_ stored: T, _ previous: T) -> T
}

enum XorOp: ColumnOp {
    @inline(__always)
    static func forward<T: FixedWidthInteger & UnsignedInteger>(_ value: T, _ previous: T) -> T { value ^ previous }
    @inline(__always)
    static func inverse<T: FixedWidthInteger & UnsignedInteger>(_ stored: T, _ previous: T) -> T { stored ^ previous }
}

/// Zigzag of the wrapping difference, in the column's own width.
enum DeltaOp: ColumnOp {
    @inline(__always)
    static func forward<T: FixedWidthInteger & UnsignedInteger>(_ value: T, _ previous: T) -> T {
        let difference = value &- previous
        return (difference &<< 1) ^ (0 &- (difference &>> (T.bitWidth - 1)))
    }
    @inline(__always)
    static func inverse<T: FixedWidthInteger & UnsignedInteger>(_ stored: T, _ previous: T) -> T {
        previous &+ ((stored &>> 1) ^ (0 &- (stored & 1)))
    }
}

enum IdentityOp: ColumnOp {
    @inline(__always)
    static func forward<T: FixedWidthInteger & UnsignedInteger>(_ value: T, _ previous: T) -> T { value }
    @inline(__always)
    static func inverse<T: FixedWidthInteger & UnsignedInteger>(_ stored: T, _ previous: T) -> T { stored }
}
