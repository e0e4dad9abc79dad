public import FleetProtocol

/// Stored telemetry as an MCAP file Foxglove opens without configuration.
///
/// Every frame becomes a JSON message on `/robot/<id>/<message type>` (JSON Schema from the
/// protocol's layout), logged at the frame's timestamp with its sequence number. Frames that
/// carry a pose (sanitation and humanoid state) are also published on Foxglove's well-known
/// schemas: `foxglove.PoseInFrame` on `/robot/<id>/pose` and `foxglove.FrameTransform` from
/// `arena` to `robot_<id>` on `/robot/<id>/tf`, so the 3D panel shows the fleet moving; the
/// arena itself (`foxglove.SceneUpdate` on `/arena`) is drawn once at the start.
public struct TelemetryMCAPExporter<Sink: MCAPByteSink> {
    /// The frame every pose and the arena are in.
    public static var arenaFrame: String { "arena" }

    private struct ChannelKey: Hashable {
        var robot: UInt32
        var kind: UInt16
    }

    private var writer: MCAPWriter<Sink>
    private var schemaIDs: [String: UInt16] = [:]
    private var channels: [ChannelKey: UInt16] = [:]
    /// Channel id → topic, for reports.
    public private(set) var topics: [UInt16: String] = [:]
    /// Frames left out: no readable header or a message type this version does not know.
    public private(set) var skippedFrames = 0

    public var sink: Sink { writer.sink }

    public init(sink: Sink, library: String, chunkSize: Int = 1 << 20) throws {
        writer = try MCAPWriter(sink: sink, profile: "", library: library, chunkSize: chunkSize)
    }

    /// Draws the arena, stamped `time` (the start of the export, so it shows from the first frame).
    public mutating func addArena(_ scene: ArenaScene, at time: UInt64) throws {
        let channel = try channel(
            ChannelKey(robot: 0, kind: 0x100),
            topic: "/arena",
            schema: FoxgloveSchemas.sceneUpdate,
            data: FoxgloveSchemas.schemas[FoxgloveSchemas.sceneUpdate] ?? "",
            metadata: [:]
        )
        try writer.addMessage(
            channel: channel,
            sequence: 0,
            logTime: time,
            publishTime: time,
            data: Array(scene.json(time).utf8)
        )
    }

    /// Adds one stored frame (its bytes as received); false if it was left out.
    @discardableResult
    public mutating func add(header: FrameHeader?, frame: UnsafeRawBufferPointer) throws -> Bool {
        guard let header, let type = header.knownMessageType,
            let fields = MessageType.fieldValues(of: header, in: frame)
        else {
            skippedFrames += 1
            return false
        }
        let robot = header.robotID
        let time = header.timestampNanoseconds
        let sequence = header.sequence
        let channel = try channel(
            ChannelKey(robot: robot, kind: UInt16(type.rawValue)),
            topic: "/robot/\(robot)/\(type.schemaName)",
            schema: TelemetryJSON.schemaName(type),
            data: TelemetryJSON.schema(type),
            metadata: ["robot_id": String(robot)]
        )
        try writer.addMessage(
            channel: channel,
            sequence: sequence,
            logTime: time,
            publishTime: time,
            data: Array(TelemetryJSON.message(fields).utf8)
        )
        guard let pose = Self.pose(type, fields) else { return true }
        let poseChannel = try self.channel(
            ChannelKey(robot: robot, kind: 0x101),
            topic: "/robot/\(robot)/pose",
            schema: FoxgloveSchemas.poseInFrame,
            data: FoxgloveSchemas.schemas[FoxgloveSchemas.poseInFrame] ?? "",
            metadata: ["robot_id": String(robot)]
        )
        let position = JSONText.vector(pose.x, pose.y, pose.z)
        let poseJSON = """
            {"timestamp": \(JSONText.time(time)), "frame_id": "\(Self.arenaFrame)", \
            "pose": \(JSONText.pose(position, pose.orientation))}
            """
        try writer.addMessage(
            channel: poseChannel,
            sequence: sequence,
            logTime: time,
            publishTime: time,
            data: Array(poseJSON.utf8)
        )
        let tfChannel = try self.channel(
            ChannelKey(robot: robot, kind: 0x102),
            topic: "/robot/\(robot)/tf",
            schema: FoxgloveSchemas.frameTransform,
            data: FoxgloveSchemas.schemas[FoxgloveSchemas.frameTransform] ?? "",
            metadata: ["robot_id": String(robot)]
        )
        let tfJSON = """
            {"timestamp": \(JSONText.time(time)), "parent_frame_id": "\(Self.arenaFrame)", \
            "child_frame_id": "robot_\(robot)", "translation": \(position), "rotation": \(pose.orientation)}
            """
        try writer.addMessage(
            channel: tfChannel,
            sequence: sequence,
            logTime: time,
            publishTime: time,
            data: Array(tfJSON.utf8)
        )
        return true
    }

    /// Closes the file; what it holds.
    public mutating func finish() throws -> MCAPWriter<Sink>.Statistics {
        try writer.finish()
    }

    /// Position and orientation of a state frame: sanitation robots turn about z by their
    /// heading; humanoids carry their base orientation as a quaternion and the base height.
    private static func pose(
        _ type: MessageType,
        _ fields: [(name: String, value: FieldValue)]
    ) -> (x: Double, y: Double, z: Double, orientation: String)? {
        guard type == .sanitationState || type == .humanoidState else { return nil }
        func number(_ name: String) -> Double { fields.first { $0.name == name }?.value.number ?? 0 }
        let x = number("x")
        let y = number("y")
        if type == .humanoidState {
            let orientation = JSONText.quaternion(
                x: number("orientation_x"),
                y: number("orientation_y"),
                z: number("orientation_z"),
                w: number("orientation_w")
            )
            return (x, y, number("base_height"), orientation)
        }
        return (x, y, 0, JSONText.yaw(number("heading")))
    }

    private mutating func channel(
        _ key: ChannelKey,
        topic: @autoclosure () -> String,
        schema: String,
        data: @autoclosure () -> String,
        metadata: @autoclosure () -> [String: String]
    ) throws -> UInt16 {
        if let id = channels[key] { return id }
        let schemaID: UInt16
        if let known = schemaIDs[schema] {
            schemaID = known
        } else {
            schemaID = try writer.addSchema(name: schema, encoding: "jsonschema", data: Array(data().utf8))
            schemaIDs[schema] = schemaID
        }
        let topic = topic()
        let id = try writer.addChannel(topic: topic, messageEncoding: "json", schemaID: schemaID, metadata: metadata())
        channels[key] = id
        topics[id] = topic
        return id
    }
}
