/// Index into the humanoid joint arrays (`HumanoidState.jointPosition` and friends), in
/// the order of the schema's `joints` list.
public enum HumanoidJoint: Int, CaseIterable, Sendable {
    case headYaw, headPitch, waistYaw, waistPitch
    case leftShoulderPitch, leftShoulderRoll, leftElbow, leftGripper
    case rightShoulderPitch, rightShoulderRoll, rightElbow, rightGripper
    case leftHipYaw, leftHipRoll, leftHipPitch, leftKnee, leftAnklePitch, leftAnkleRoll
    case rightHipYaw, rightHipRoll, rightHipPitch, rightKnee, rightAnklePitch, rightAnkleRoll

    /// Joints in a humanoid joint array.
    public static let count = 24

    /// Schema name (`left_shoulder_pitch`).
    public var schemaName: String {
        switch self {
        case .headYaw: "head_yaw"
        case .headPitch: "head_pitch"
        case .waistYaw: "waist_yaw"
        case .waistPitch: "waist_pitch"
        case .leftShoulderPitch: "left_shoulder_pitch"
        case .leftShoulderRoll: "left_shoulder_roll"
        case .leftElbow: "left_elbow"
        case .leftGripper: "left_gripper"
        case .rightShoulderPitch: "right_shoulder_pitch"
        case .rightShoulderRoll: "right_shoulder_roll"
        case .rightElbow: "right_elbow"
        case .rightGripper: "right_gripper"
        case .leftHipYaw: "left_hip_yaw"
        case .leftHipRoll: "left_hip_roll"
        case .leftHipPitch: "left_hip_pitch"
        case .leftKnee: "left_knee"
        case .leftAnklePitch: "left_ankle_pitch"
        case .leftAnkleRoll: "left_ankle_roll"
        case .rightHipYaw: "right_hip_yaw"
        case .rightHipRoll: "right_hip_roll"
        case .rightHipPitch: "right_hip_pitch"
        case .rightKnee: "right_knee"
        case .rightAnklePitch: "right_ankle_pitch"
        case .rightAnkleRoll: "right_ankle_roll"
        }
    }
}

/// One value per humanoid joint, stored inline (no heap), indexed by
/// `HumanoidJoint.rawValue`.
public typealias JointArray = InlineArray<24, Float>
