import FleetProtocol
import Foundation
import Hummingbird
import NIOCore

/// JSON responses: one encoder configuration for every endpoint (sorted keys so output is
/// stable, non-finite numbers as strings rather than a failed encode).
enum JSONBody {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity",
            negativeInfinity: "-Infinity",
            nan: "NaN"
        )
        return encoder
    }

    static func encode(_ value: some Encodable) -> [UInt8] {
        do {
            return Array(try encoder().encode(value))
        } catch {
            return Array(#"{"error":{"code":"internal","message":"the answer could not be encoded"}}"#.utf8)
        }
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let bytes = encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}

/// A JSON value built at run time: decoded frame fields, whose names and types come from the
/// schema rather than from a Swift type.
enum JSONValue: Encodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(_ value: FieldValue) {
        switch value {
        case .unsigned(let v): self = .uint(v)
        case .signed(let v): self = .int(v)
        case .real(let v): self = v.isFinite ? .double(v) : .null
        case .bool(let v): self = .bool(v)
        case .enumeration(let name): self = .string(name)
        case .array(let values): self = .array(values.map { $0.isFinite ? .double($0) : .null })
        }
    }

    /// The fields of a decoded body as an object (NaN, "not measured", becomes null).
    static func fields(_ values: [(name: String, value: FieldValue)]) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for (name, value) in values { object[name] = JSONValue(value) }
        return .object(object)
    }

    /// The fields of a message, generically through the schema.
    static func fields(of message: Message) -> JSONValue {
        let body = FrameEncoder.encodeBody(message)
        return body.withUnsafeBytes { fields(message.type.fieldValues(body: $0)) }
    }

    var number: Double? {
        switch self {
        case .int(let v): Double(v)
        case .uint(let v): Double(v)
        case .double(let v): v
        default: nil
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let v): try container.encode(v)
        case .int(let v): try container.encode(v)
        case .uint(let v): try container.encode(v)
        case .double(let v): try container.encode(v)
        case .string(let v): try container.encode(v)
        case .array(let v): try container.encode(v)
        case .object(let v): try container.encode(v)
        }
    }
}
