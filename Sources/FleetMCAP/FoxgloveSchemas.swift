/// JSON Schemas of the Foxglove well-known message types the export uses, under the names
/// Foxglove's 3D panel recognises (`foxglove.PoseInFrame`, `foxglove.FrameTransform`,
/// `foxglove.SceneUpdate`), with the fields the export fills, as Foxglove's JSON encoding
/// spells them (times as `{sec, nsec}`).
enum FoxgloveSchemas {
    static let poseInFrame = "foxglove.PoseInFrame"
    static let frameTransform = "foxglove.FrameTransform"
    static let sceneUpdate = "foxglove.SceneUpdate"

    private static let time = """
        {"type": "object", "properties": {"sec": {"type": "integer", "minimum": 0}, \
        "nsec": {"type": "integer", "minimum": 0, "maximum": 999999999}}}
        """
    private static func object(_ names: [String], _ type: String = #"{"type": "number"}"#) -> String {
        #"{"type": "object", "properties": {"# + names.map { "\"\($0)\": \(type)" }.joined(separator: ", ") + "}}"
    }
    private static let vector3 = object(["x", "y", "z"])
    private static let quaternion = object(["x", "y", "z", "w"])
    private static let color = object(["r", "g", "b", "a"])
    private static let pose =
        #"{"type": "object", "properties": {"position": \#(vector3), "orientation": \#(quaternion)}}"#
    private static func array(_ items: String) -> String { #"{"type": "array", "items": \#(items)}"# }
    private static func properties(_ title: String, _ fields: [(String, String)]) -> String {
        #"{"title": "\#(title)", "type": "object", "properties": {"#
            + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}}"
    }

    static let schemas: [String: String] = [
        poseInFrame: properties(
            poseInFrame,
            [("timestamp", time), ("frame_id", #"{"type": "string"}"#), ("pose", pose)]
        ),
        frameTransform: properties(
            frameTransform,
            [
                ("timestamp", time), ("parent_frame_id", #"{"type": "string"}"#),
                ("child_frame_id", #"{"type": "string"}"#), ("translation", vector3), ("rotation", quaternion),
            ]
        ),
        sceneUpdate: properties(
            sceneUpdate,
            [
                (
                    "deletions",
                    array(
                        properties(
                            "foxglove.SceneEntityDeletion",
                            [("timestamp", time), ("type", #"{"type": "integer"}"#), ("id", #"{"type": "string"}"#)]
                        )
                    )
                ),
                ("entities", array(sceneEntity)),
            ]
        ),
    ]

    private static let sceneEntity = properties(
        "foxglove.SceneEntity",
        [
            ("timestamp", time), ("frame_id", #"{"type": "string"}"#), ("id", #"{"type": "string"}"#),
            ("lifetime", time), ("frame_locked", #"{"type": "boolean"}"#),
            ("metadata", array(object(["key", "value"], #"{"type": "string"}"#))),
            ("arrows", array(#"{"type": "object"}"#)),
            (
                "cubes",
                array(properties("foxglove.CubePrimitive", [("pose", pose), ("size", vector3), ("color", color)]))
            ),
            ("spheres", array(#"{"type": "object"}"#)),
            (
                "cylinders",
                array(
                    properties(
                        "foxglove.CylinderPrimitive",
                        [
                            ("pose", pose), ("size", vector3), ("bottom_scale", #"{"type": "number"}"#),
                            ("top_scale", #"{"type": "number"}"#), ("color", color),
                        ]
                    )
                )
            ),
            (
                "lines",
                array(
                    properties(
                        "foxglove.LinePrimitive",
                        [
                            ("type", #"{"type": "integer", "description": "0 line strip, 1 line loop, 2 line list"}"#),
                            ("pose", pose), ("thickness", #"{"type": "number"}"#),
                            ("scale_invariant", #"{"type": "boolean"}"#), ("points", array(vector3)), ("color", color),
                            ("colors", array(color)), ("indices", array(#"{"type": "integer"}"#)),
                        ]
                    )
                )
            ),
            ("triangles", array(#"{"type": "object"}"#)),
            (
                "texts",
                array(
                    properties(
                        "foxglove.TextPrimitive",
                        [
                            ("pose", pose), ("billboard", #"{"type": "boolean"}"#),
                            ("font_size", #"{"type": "number"}"#),
                            ("scale_invariant", #"{"type": "boolean"}"#), ("color", color),
                            ("text", #"{"type": "string"}"#),
                        ]
                    )
                )
            ),
            ("models", array(#"{"type": "object"}"#)),
        ]
    )
}
