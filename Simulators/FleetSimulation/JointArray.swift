import FleetProtocol

/// The humanoid's 24 joints, in the protocol schema's order.
public enum Joint: Int, CaseIterable, Sendable {
    case headYaw, headPitch, waistYaw, waistPitch
    case leftShoulderPitch, leftShoulderRoll, leftElbow, leftGripper
    case rightShoulderPitch, rightShoulderRoll, rightElbow, rightGripper
    case leftHipYaw, leftHipRoll, leftHipPitch, leftKnee, leftAnklePitch, leftAnkleRoll
    case rightHipYaw, rightHipRoll, rightHipPitch, rightKnee, rightAnklePitch, rightAnkleRoll

    /// The schema's joint name.
    public var name: String {
        let names = [
            "head_yaw", "head_pitch", "waist_yaw", "waist_pitch",
            "left_shoulder_pitch", "left_shoulder_roll", "left_elbow", "left_gripper",
            "right_shoulder_pitch", "right_shoulder_roll", "right_elbow", "right_gripper",
            "left_hip_yaw", "left_hip_roll", "left_hip_pitch", "left_knee", "left_ankle_pitch", "left_ankle_roll",
            "right_hip_yaw", "right_hip_roll", "right_hip_pitch", "right_knee", "right_ankle_pitch", "right_ankle_roll",
        ]
        return names[rawValue]
    }

    /// Position limits (rad; grippers 0 open … 1 closed, as a fraction).
    public var limits: ClosedRange<Float> {
        switch self {
        case .headYaw: -1.4...1.4
        case .headPitch: -0.6...0.8
        case .waistYaw: -1.0...1.0
        case .waistPitch: -0.2...1.2
        case .leftShoulderPitch, .rightShoulderPitch: -2.8...1.0
        case .leftShoulderRoll: -0.3...1.6
        case .rightShoulderRoll: -1.6...0.3
        case .leftElbow, .rightElbow: 0...2.3
        case .leftGripper, .rightGripper: 0...1
        case .leftHipYaw, .rightHipYaw: -0.6...0.6
        case .leftHipRoll: -0.4...0.6
        case .rightHipRoll: -0.6...0.4
        case .leftHipPitch, .rightHipPitch: -1.6...0.8
        case .leftKnee, .rightKnee: 0...2.4
        case .leftAnklePitch, .rightAnklePitch: -0.9...0.6
        case .leftAnkleRoll, .rightAnkleRoll: -0.4...0.4
        }
    }
}

/// 24 floats stored inline, so a humanoid sample is one flat value and building one
/// allocates nothing.
public struct JointArray: Equatable, Sendable, RandomAccessCollection, MutableCollection {
    public typealias Storage = (
        Float, Float, Float, Float, Float, Float, Float, Float, Float, Float, Float, Float,
        Float, Float, Float, Float, Float, Float, Float, Float, Float, Float, Float, Float
    )
    private var storage: Storage = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    public static let count = 24

    public init() {}

    public init(repeating value: Float) {
        for k in 0..<Self.count { self[k] = value }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { Self.count }

    public subscript(index: Int) -> Float {
        get {
            precondition(index >= 0 && index < Self.count)
            return withUnsafeBytes(of: storage) { $0.load(fromByteOffset: index * 4, as: Float.self) }
        }
        set {
            precondition(index >= 0 && index < Self.count)
            withUnsafeMutableBytes(of: &storage) {
                $0.storeBytes(of: newValue, toByteOffset: index * 4, as: Float.self)
            }
        }
    }

    public subscript(joint: Joint) -> Float {
        get { self[joint.rawValue] }
        set { self[joint.rawValue] = newValue }
    }

    public static func == (a: JointArray, b: JointArray) -> Bool {
        for k in 0..<count where a[k] != b[k] { return false }
        return true
    }
}

extension JointArray {
    /// The 24 values as the wire message carries them.
    var wire: FleetProtocol.JointArray { FleetProtocol.JointArray { self[$0] } }
}
