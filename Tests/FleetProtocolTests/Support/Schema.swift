import Foundation

@testable import FleetProtocol

/// Protocols/schema.json as the tests read it: independent of the codec's own tables.
struct Schema: Decodable {
    struct Version: Decodable {
        var major: Int
        var minor: Int
    }

    struct Limits: Decodable {
        var maxFrameBytes: Int

        enum CodingKeys: String, CodingKey { case maxFrameBytes = "max_frame_bytes" }
    }

    struct Field: Decodable {
        var name: String
        var type: String
        var count: Int?
        var offset: Int
        var `enum`: String?
        var min: Double?
        var max: Double?
        var nanAllowed: Bool?

        enum CodingKeys: String, CodingKey {
            case name, type, count, offset, `enum`, min, max
            case nanAllowed = "nan_allowed"
        }

        /// The field as a `FieldLayout`, for comparing with the codec's tables.
        var layout: FieldLayout {
            FieldLayout(
                name,
                FieldLayout.ScalarType(rawValue: type)!,
                count: count ?? 1,
                at: offset,
                enum: self.enum,
                min: min,
                max: max,
                nanAllowed: nanAllowed ?? false
            )
        }
    }

    struct Header: Decodable {
        var size: Int
        var magic: String
        var fields: [Field]
    }

    struct Trailer: Decodable {
        var size: Int
    }

    struct Enumeration: Decodable {
        var values: [String: Int]
    }

    struct Message: Decodable {
        var id: Int
        var name: String
        var category: String
        var size: Int
        var fields: [Field]

        var valueFields: [Field] { fields.filter { $0.name != "reserved" } }
    }

    var version: Version
    var byteOrder: String
    var types: [String: Int]
    var limits: Limits
    var header: Header
    var trailer: Trailer
    var enums: [String: Enumeration]
    var joints: [String]
    var messages: [Message]

    enum CodingKeys: String, CodingKey {
        case version, types, limits, header, trailer, enums, joints, messages
        case byteOrder = "byte_order"
    }

    static let current: Schema = {
        do {
            return try JSONDecoder().decode(Schema.self, from: Repository.data("Protocols/schema.json"))
        } catch {
            fatalError("cannot read Protocols/schema.json: \(error)")
        }
    }()

    func message(_ type: MessageType) -> Message {
        guard let message = messages.first(where: { $0.id == Int(type.rawValue) }) else {
            fatalError("schema has no message \(type)")
        }
        return message
    }

    /// Swift property name for a schema field: lowerCamelCase, with the initialisms
    /// `id` and `soc` in capitals (`robot_id` → `robotID`, `battery_soc` → `batterySOC`).
    static func propertyName(_ schemaName: String) -> String {
        let words = schemaName.split(separator: "_").map(String.init)
        let initialisms = ["id": "ID", "soc": "SOC"]
        return words[0]
            + words.dropFirst().map { initialisms[$0] ?? $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
