/// Writes the fields of one message body little-endian at their schema offsets.
///
/// The encoder zero-fills the body first, so reserved fields need no code.
struct BodyWriter {
    let bytes: UnsafeMutableRawBufferPointer

    @inline(__always) func write(_ value: UInt8, at offset: Int) { bytes[offset] = value }
    @inline(__always) func write(_ value: Int8, at offset: Int) { bytes[offset] = UInt8(bitPattern: value) }
    @inline(__always) func write(_ value: UInt16, at offset: Int) { store(value, offset) }
    @inline(__always) func write(_ value: Int16, at offset: Int) { store(value, offset) }
    @inline(__always) func write(_ value: UInt32, at offset: Int) { store(value, offset) }
    @inline(__always) func write(_ value: Int32, at offset: Int) { store(value, offset) }
    @inline(__always) func write(_ value: UInt64, at offset: Int) { store(value, offset) }
    @inline(__always) func write(_ value: Int64, at offset: Int) { store(value, offset) }
    @inline(__always) func write(_ value: Float, at offset: Int) { store(value.bitPattern, offset) }
    @inline(__always) func write(_ value: Double, at offset: Int) { store(value.bitPattern, offset) }
    @inline(__always) func write(_ value: Bool, at offset: Int) { bytes[offset] = value ? 1 : 0 }

    @inline(__always)
    func write<E: SchemaEnumeration>(_ value: E, at offset: Int) { bytes[offset] = value.rawValue }

    func write(_ values: JointArray, at offset: Int) {
        for index in 0..<JointArray.count { write(values[index], at: offset + 4 * index) }
    }

    @inline(__always)
    private func store<T: FixedWidthInteger>(_ value: T, _ offset: Int) {
        bytes.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }
}
