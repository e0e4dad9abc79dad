public import FleetProtocol

/// Which fields of which messages are rolled up into 1 s buckets, and how to read them
/// straight from a frame's body.
///
/// Every numeric scalar field of a state message is a metric (enums, bools, reserved
/// bytes and joint arrays are not), plus, for humanoids, the hottest joint. Derived from
/// the schema layouts, so a field added to the schema becomes a metric without code here.
public struct RollupCatalog: Sendable {
    public struct Metric: Sendable, Equatable {
        /// Schema field name, e.g. `battery_soc`; derived metrics have their own names.
        public let name: String
        public let unit: String
        let field: FieldLayout
        /// Reduce over `field.count` elements with max (for arrays), else read the scalar.
        let isMaxOverArray: Bool
    }

    /// Metrics by message type, in stats-blob order.
    public let metrics: [MessageType: [Metric]]

    public static let shared = RollupCatalog()

    private init() {
        var metrics: [MessageType: [Metric]] = [:]
        for type in MessageType.allCases where type.category == .state {
            var list: [Metric] = []
            for field in type.layout where !field.isReserved && field.enumName == nil && field.type != .bool {
                if field.count == 1 {
                    list.append(Metric(name: field.name, unit: "", field: field, isMaxOverArray: false))
                } else if field.name == "joint_temperature" {
                    list.append(Metric(name: "max_joint_temperature", unit: "degC", field: field, isMaxOverArray: true))
                }
            }
            metrics[type] = list
        }
        self.metrics = metrics
    }

    /// Metrics of `type`; empty for types that are not rolled up.
    public func metrics(of type: MessageType) -> [Metric] {
        metrics[type] ?? []
    }

    /// The message type and index of a metric by name, for a robot that sends `types`.
    public func find(_ name: String, among types: [MessageType]) -> (MessageType, Int)? {
        for type in types {
            if let index = metrics(of: type).firstIndex(where: { $0.name == name }) { return (type, index) }
        }
        return nil
    }

    /// Adds each metric of a body to `stats`. `body` must hold at least the type's body size.
    @inlinable
    public func accumulate(_ type: MessageType, body: UnsafeRawBufferPointer, into stats: inout RollupStats) {
        guard let list = metrics[type] else { return }
        for index in list.indices {
            stats.add(list[index].read(body), metric: index)
        }
    }
}

extension RollupCatalog.Metric {
    /// The metric's value in a body.
    @usableFromInline
    func read(_ body: UnsafeRawBufferPointer) -> Double {
        if isMaxOverArray {
            var best = -Double.infinity
            for i in 0..<field.count {
                best = Swift.max(best, Self.scalar(field.type, body, field.offset + i * field.type.size))
            }
            return best
        }
        return Self.scalar(field.type, body, field.offset)
    }

    static func scalar(_ type: FieldLayout.ScalarType, _ body: UnsafeRawBufferPointer, _ offset: Int) -> Double {
        switch type {
        case .u8, .bool: Double(body.loadUnaligned(fromByteOffset: offset, as: UInt8.self))
        case .i8: Double(body.loadUnaligned(fromByteOffset: offset, as: Int8.self))
        case .u16: Double(UInt16(littleEndian: body.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
        case .i16: Double(Int16(littleEndian: body.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
        case .u32: Double(UInt32(littleEndian: body.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        case .i32: Double(Int32(littleEndian: body.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
        case .u64: Double(UInt64(littleEndian: body.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
        case .i64: Double(Int64(littleEndian: body.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
        case .f32:
            Double(Float(bitPattern: UInt32(littleEndian: body.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
        case .f64:
            Double(bitPattern: UInt64(littleEndian: body.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
        }
    }
}
