import Testing

@testable import FleetProtocol

/// Holds the codec's hand-written tables to Protocols/schema.json, so the two cannot drift.
struct SchemaConformanceTests {
    let schema = Schema.current

    @Test func versionLimitsAndByteOrderMatchTheSchema() {
        #expect(schema.version.major == Int(FrameHeader.currentVersionMajor))
        #expect(schema.version.minor == Int(FrameHeader.currentVersionMinor))
        #expect(schema.limits.maxFrameBytes == FrameHeader.maximumFrameSize)
        #expect(schema.byteOrder == "little")
        #expect(schema.trailer.size == FrameHeader.trailerSize)
        for type in FieldLayout.ScalarType.allCases {
            #expect(schema.types[type.rawValue] == type.size, "size of \(type)")
        }
        #expect(schema.types.count == FieldLayout.ScalarType.allCases.count)
    }

    @Test func headerLayoutMatchesTheSchema() {
        #expect(schema.header.size == FrameHeader.size)
        #expect(Array(schema.header.magic.utf8) == [UInt8(FrameHeader.magic & 0xFF), UInt8(FrameHeader.magic >> 8)])
        #expect(FrameHeader.layout == schema.header.fields.map(\.layout))
        #expect(FrameHeader.layout.map { $0.offset + $0.size }.max() == FrameHeader.size)
    }

    @Test func everySchemaMessageHasAType() {
        let schemaIDs = schema.messages.map(\.id).sorted()
        #expect(MessageType.allCases.map { Int($0.rawValue) }.sorted() == schemaIDs)
    }

    @Test(arguments: MessageType.allCases)
    func messageLayoutMatchesTheSchema(type: MessageType) {
        let message = schema.message(type)
        #expect(type.schemaName == message.name)
        #expect(MessageType(schemaName: message.name) == type)
        #expect(type.category.rawValue == message.category)
        #expect(type.bodySize == message.size)
        #expect(type.frameSize == FrameHeader.size + message.size + FrameHeader.trailerSize)
        #expect(type.layout == message.fields.map(\.layout))
        // Fields tile the body: each starts where the previous one ends.
        var end = 0
        for field in type.layout {
            #expect(field.offset == end, "\(message.name).\(field.name)")
            end = field.offset + field.size
        }
        #expect(end == type.bodySize)
    }

    @Test(arguments: MessageType.allCases)
    func messagePropertiesAreTheSchemaFieldsInOrder(type: MessageType) {
        var random = SplitMix64(seed: 1)
        let bytes = FrameEncoder.encode(
            header: .random(type, using: &random),
            body: RandomBody(schema.message(type), using: &random).bytes
        )
        let message = try? FrameDecoder.decode(bytes).message
        let properties = message?.properties.map(\.name) ?? []
        #expect(properties == schema.message(type).valueFields.map { Schema.propertyName($0.name) })
    }

    @Test(arguments: MessageType.allCases)
    func encodingWritesExactlyTheBodySize(type: MessageType) throws {
        var random = SplitMix64(seed: 2)
        let frame = FrameEncoder.encode(
            header: .random(type, using: &random),
            body: RandomBody(schema.message(type), using: &random).bytes
        )
        let message = try FrameDecoder.decode(frame).message
        #expect(FrameEncoder.encodeBody(message).count == type.bodySize)
        let encoded = FrameEncoder.encode(message, robotID: 1, bootEpoch: 0, sequence: 0, timestampNanoseconds: 0)
        #expect(encoded.count == type.frameSize)
        #expect(type.frameSize <= MessageType.maximumFrameSize)
    }

    @Test func enumsMatchTheSchema() {
        func check<E: SchemaEnumeration>(_ type: E.Type) {
            let values = Dictionary(uniqueKeysWithValues: E.allCases.map { ($0.schemaName, Int($0.rawValue)) })
            #expect(schema.enums[E.schemaEnumName]?.values == values, "enum \(E.schemaEnumName)")
            for value in E.allCases { #expect(E(schemaName: value.schemaName) == value) }
        }
        check(Mode.self)
        check(SanitationStatus.self)
        check(TaskPhase.self)
        check(AgentClass.self)
        check(ContactClass.self)
        check(Severity.self)
        check(InterventionKind.self)
        check(LitterClass.self)
        check(RunStateValue.self)
        check(Division.self)
        check(ZoneKind.self)
        #expect(schema.enums.count == 11)
    }

    @Test func jointsFollowTheSchemaOrder() {
        #expect(HumanoidJoint.allCases.map(\.schemaName) == schema.joints)
        #expect(HumanoidJoint.count == schema.joints.count)
        #expect(JointArray.count == schema.joints.count)
    }
}
