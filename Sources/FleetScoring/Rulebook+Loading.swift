import Crypto

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension Rulebook {
    /// Parses and checks a rulebook file; `hash` is the SHA-256 of exactly these bytes.
    ///
    /// Refuses, naming the field and the value: a missing field, a value of the wrong type,
    /// a negative weight or coefficient, the weights of one criterion not adding up to 1
    /// (within 1e-9), a reference to a division the file does not define, and names the
    /// scorer does not know (intervention kinds, contact classes, tie-breaks).
    public static func load(_ data: Data) throws(RulebookError) -> Rulebook {
        let tree: JSONValue
        do {
            tree = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw RulebookError(.invalidJSON, field: "", message: "the rulebook is not valid JSON: \(error)")
        }
        var book: Rulebook
        do {
            book = try JSONDecoder().decode(Rulebook.self, from: data)
        } catch let error as DecodingError {
            throw RulebookError(decoding: error, tree: tree)
        } catch {
            throw RulebookError(.invalidJSON, field: "", message: "\(error)")
        }
        try book.validate()
        book.hash = Self.sha256Hex(data)
        return book
    }

    /// Same as `load(_:)` for bytes held in an array.
    public static func load(bytes: [UInt8]) throws(RulebookError) -> Rulebook {
        try load(Data(bytes))
    }

    /// Lowercase hex SHA-256 of `data`: the rulebook hash stored with every run.
    public static func sha256Hex(_ data: Data) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: data) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension RulebookError {
    /// Turns a decoder error into the field path and the value found there.
    init(decoding error: DecodingError, tree: JSONValue) {
        switch error {
        case .keyNotFound(let key, let context):
            let path = context.codingPath + [key]
            self.init(
                .missingField,
                field: Self.path(path),
                message: "missing field \(Self.path(path))",
                cause: error
            )
        case .typeMismatch(let type, let context):
            let found = tree.value(at: context.codingPath)
            self.init(
                .wrongType,
                field: Self.path(context.codingPath),
                message:
                    "\(Self.path(context.codingPath)) is \(found?.text ?? "absent"); expected \(Self.typeName(type))",
                cause: error
            )
        case .valueNotFound(let type, let context):
            self.init(
                .wrongType,
                field: Self.path(context.codingPath),
                message: "\(Self.path(context.codingPath)) is null; expected \(Self.typeName(type))",
                cause: error
            )
        case .dataCorrupted(let context):
            let found = tree.value(at: context.codingPath)
            self.init(
                .invalidValue,
                field: Self.path(context.codingPath),
                message: "\(Self.path(context.codingPath)) is \(found?.text ?? "absent"): \(context.debugDescription)",
                cause: error
            )
        @unknown default:
            self.init(.invalidJSON, field: "", message: "\(error)", cause: error)
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let index = key.intValue, key.stringValue.hasPrefix("Index ") || key.stringValue == "\(index)" {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return out
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Float.Type: "a number"
        case is Int.Type: "an integer"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        default: "\(type)".hasPrefix("Array") ? "an array" : "an object (\(type))"
        }
    }
}

/// Any JSON value; used to quote the value a refused field holds.
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func value(at path: [any CodingKey]) -> JSONValue? {
        var node = self
        for key in path {
            switch node {
            case .object(let members):
                guard let next = members[key.stringValue] else { return nil }
                node = next
            case .array(let elements):
                guard let index = key.intValue, elements.indices.contains(index) else { return nil }
                node = elements[index]
            default:
                return nil
            }
        }
        return node
    }

    /// The value as it would read in the file (short).
    var text: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .number(let value): Rulebook.format(value)
        case .string(let value): "\"\(value)\""
        case .array(let elements): "an array of \(elements.count)"
        case .object: "an object"
        }
    }
}
