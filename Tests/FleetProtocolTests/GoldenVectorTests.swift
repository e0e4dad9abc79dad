import Foundation
import Testing

@testable import FleetProtocol

/// Protocols/vectors (written by the Python reference's make_vectors.py): the Swift
/// codec decodes every valid vector to its values, encodes it back to the same bytes,
/// and rejects every invalid vector with the same code, message type and field.
struct GoldenVectorTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var entry: JSONValue
        var testDescription: String { name }
    }

    static func load(_ file: String) throws -> [Vector] {
        let list = try JSONValue.load("Protocols/vectors/\(file)").array ?? []
        return list.map { Vector(name: $0["name"]?.string ?? "?", entry: $0) }
    }

    // Loaded leniently so a missing file fails `vectorFilesArePresent` instead of
    // crashing the whole test binary at discovery.
    static let valid = (try? load("valid.json")) ?? []
    static let invalid = (try? load("invalid.json")) ?? []

    /// The frame bytes of a vector: its hex, or its "generate" rule (prefix, fill byte
    /// up to length minus the trailer, then the CRC-32 of everything before it).
    static func bytes(of entry: JSONValue) throws -> [UInt8] {
        if let hex = entry["hex"]?.string { return try #require(decodeHex(hex)) }
        let rule = try #require(entry["generate"])
        let length = try #require(rule["length"]?.int)
        var bytes = try #require(decodeHex(rule["prefix_hex"]?.string ?? ""))
        let appendCRC = rule["append_crc"]?.bool ?? false
        let fill = UInt8(try #require(rule["fill_byte"]?.int))
        bytes += [UInt8](repeating: fill, count: length - bytes.count - (appendCRC ? 4 : 0))
        if appendCRC {
            let crc = CRC32.checksum(bytes)
            bytes += [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: crc >> $0) }
        }
        return bytes
    }

    static func decodeHex(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        return bytes
    }

    @Test func vectorFilesArePresent() throws {
        #expect(try Self.load("valid.json").count >= MessageType.allCases.count)
        #expect(try Self.load("invalid.json").count >= ProtocolError.Code.allCases.count)
        // Every message type has at least one valid vector.
        let covered = Set(Self.valid.compactMap { $0.entry["message"]?.string })
        #expect(covered == Set(MessageType.allCases.map(\.schemaName)))
        // Every error code has at least one invalid vector.
        let codes = Set(Self.invalid.compactMap { $0.entry["error"]?["code"]?.string })
        #expect(codes == Set(ProtocolError.Code.allCases.map(\.rawValue)))
    }

    @Test(arguments: valid)
    func validVectorDecodesToItsValuesAndEncodesToItsBytes(_ vector: Vector) throws {
        let entry = vector.entry
        let bytes = try Self.bytes(of: entry)
        let frame = try FrameDecoder.decode(bytes)

        let header = try #require(entry["header"])
        #expect(UInt64(frame.header.robotID) == header["robot_id"]?.uint64)
        #expect(UInt64(frame.header.bootEpoch) == header["boot_epoch"]?.uint64)
        #expect(UInt64(frame.header.sequence) == header["sequence"]?.uint64)
        #expect(frame.header.timestampNanoseconds == header["timestamp_ns"]?.uint64)
        #expect(UInt64(frame.header.flags) == header["flags"]?.uint64)
        #expect(UInt64(frame.header.versionMajor) == header["version_major"]?.uint64)
        #expect(UInt64(frame.header.versionMinor) == header["version_minor"]?.uint64)
        #expect(UInt64(frame.header.messageType) == header["message_type"]?.uint64)
        #expect(UInt64(frame.header.headerLength) == header["header_length"]?.uint64)
        #expect(UInt64(frame.header.bodyLength) == header["body_length"]?.uint64)

        let messageName = try #require(entry["message"]?.string)
        #expect(frame.message.type.schemaName == messageName)
        let schema = Schema.current.message(frame.message.type)
        guard case .object(let body)? = entry["body"] else {
            Issue.record("\(vector.name): body is not an object")
            return
        }
        #expect(Set(body.keys) == Set(schema.valueFields.map(\.name)), "body keys are the non-reserved fields")
        let actual = frame.message.schemaValues
        for field in schema.valueFields {
            let expected = body[field.name].flatMap { SchemaValue(json: $0, field: field) }
            #expect(
                expected != nil,
                "\(vector.name).\(field.name): unreadable JSON value \(String(describing: body[field.name]))"
            )
            #expect(actual[field.name] == expected, "\(vector.name).\(field.name)")
        }

        if entry["decode_only"]?.bool != true {
            let encoded = FrameEncoder.encode(
                frame.message,
                robotID: frame.header.robotID,
                bootEpoch: frame.header.bootEpoch,
                sequence: frame.header.sequence,
                timestampNanoseconds: frame.header.timestampNanoseconds,
                flags: frame.header.flags
            )
            #expect(encoded == bytes, "\(vector.name): re-encoded bytes differ")
        }
    }

    @Test(arguments: invalid)
    func invalidVectorIsRejectedWithItsError(_ vector: Vector) throws {
        let expected = try #require(vector.entry["error"])
        let bytes = try Self.bytes(of: vector.entry)
        let error = #expect(throws: ProtocolError.self) { try FrameDecoder.decode(bytes) }
        #expect(error?.code.rawValue == expected["code"]?.string, "\(vector.name): \(error?.description ?? "accepted")")
        #expect(error?.messageType == expected["message_type"]?.string)
        #expect(error?.field == expected["field"]?.string)
    }
}
