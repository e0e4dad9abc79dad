/// A schema enum carried in one `u8` field; the raw value is the wire value.
///
/// `schemaName` gives the schema's spelling of a value (`carrying_bin`), the one the
/// golden vectors, the Python reference and JSON output use.
/// Codable as its raw value, as the simulator's arena files and truth store it.
public protocol SchemaEnumeration: RawRepresentable<UInt8>, CaseIterable, Sendable, Hashable, Codable {
    /// Schema name of the enum (`task_phase`).
    static var schemaEnumName: String { get }
    /// Schema name of this value (`carrying_bin`).
    var schemaName: String { get }
}

extension SchemaEnumeration {
    /// The value the schema spells `schemaName`, or nil.
    public init?(schemaName: String) {
        guard let value = Self.allCases.first(where: { $0.schemaName == schemaName }) else { return nil }
        self = value
    }
}

/// Who is driving the robot.
public enum Mode: UInt8, SchemaEnumeration {
    case auto = 0
    case teleop = 1
    case estop = 2

    public static var schemaEnumName: String { "mode" }
    public var schemaName: String {
        switch self {
        case .auto: "auto"
        case .teleop: "teleop"
        case .estop: "estop"
        }
    }
}

/// What a sanitation robot is doing.
public enum SanitationStatus: UInt8, SchemaEnumeration {
    case idle = 0
    case cleaning = 1
    case transit = 2
    case dumping = 3
    case charging = 4
    case fault = 5
    case docked = 6
    case stuck = 7

    public static var schemaEnumName: String { "sanitation_status" }
    public var schemaName: String {
        switch self {
        case .idle: "idle"
        case .cleaning: "cleaning"
        case .transit: "transit"
        case .dumping: "dumping"
        case .charging: "charging"
        case .fault: "fault"
        case .docked: "docked"
        case .stuck: "stuck"
        }
    }
}

/// Phase of a humanoid's litter task.
public enum TaskPhase: UInt8, SchemaEnumeration {
    case idle = 0
    case walking = 1
    case searching = 2
    case picking = 3
    case placing = 4
    case carryingBin = 5
    case delivering = 6
    case fallen = 7
    case gettingUp = 8
    case done = 9

    public static var schemaEnumName: String { "task_phase" }
    public var schemaName: String {
        switch self {
        case .idle: "idle"
        case .walking: "walking"
        case .searching: "searching"
        case .picking: "picking"
        case .placing: "placing"
        case .carryingBin: "carrying_bin"
        case .delivering: "delivering"
        case .fallen: "fallen"
        case .gettingUp: "getting_up"
        case .done: "done"
        }
    }
}

/// What a robot met, as the robot classifies it.
public enum AgentClass: UInt8, SchemaEnumeration {
    case unknown = 0
    case `static` = 1
    case pedestrian = 2
    case cyclist = 3
    case vehicle = 4
    case robot = 5

    public static var schemaEnumName: String { "agent_class" }
    public var schemaName: String {
        switch self {
        case .unknown: "unknown"
        case .static: "static"
        case .pedestrian: "pedestrian"
        case .cyclist: "cyclist"
        case .vehicle: "vehicle"
        case .robot: "robot"
        }
    }
}

/// What a robot touched, as the rulebook classes it (no 0: the referee always knows).
public enum ContactClass: UInt8, SchemaEnumeration {
    case `static` = 1
    case pedestrian = 2
    case cyclist = 3
    case vehicle = 4

    public static var schemaEnumName: String { "contact_class" }
    public var schemaName: String {
        switch self {
        case .static: "static"
        case .pedestrian: "pedestrian"
        case .cyclist: "cyclist"
        case .vehicle: "vehicle"
        }
    }
}

/// Fault severity.
public enum Severity: UInt8, SchemaEnumeration {
    case info = 0
    case warning = 1
    case error = 2
    case critical = 3

    public static var schemaEnumName: String { "severity" }
    public var schemaName: String {
        switch self {
        case .info: "info"
        case .warning: "warning"
        case .error: "error"
        case .critical: "critical"
        }
    }
}

/// Kind of human intervention (rulebook A criterion).
public enum InterventionKind: UInt8, SchemaEnumeration {
    case teleopSegment = 0
    case rescue = 1
    case reposition = 2
    case remoteRestart = 3
    case operatorHint = 4

    public static var schemaEnumName: String { "intervention_kind" }
    public var schemaName: String {
        switch self {
        case .teleopSegment: "teleop_segment"
        case .rescue: "rescue"
        case .reposition: "reposition"
        case .remoteRestart: "remote_restart"
        case .operatorHint: "operator_hint"
        }
    }
}

/// Kind of litter.
public enum LitterClass: UInt8, SchemaEnumeration {
    case dust = 0
    case gravel = 1
    case object = 2

    public static var schemaEnumName: String { "litter_class" }
    public var schemaName: String {
        switch self {
        case .dust: "dust"
        case .gravel: "gravel"
        case .object: "object"
        }
    }
}

/// Run lifecycle state (the schema's `run_state` enum; `RunState` is the message).
public enum RunStateValue: UInt8, SchemaEnumeration {
    case prepare = 0
    case running = 1
    case finished = 2
    case final = 3

    public static var schemaEnumName: String { "run_state" }
    public var schemaName: String {
        switch self {
        case .prepare: "prepare"
        case .running: "running"
        case .finished: "finished"
        case .final: "final"
        }
    }
}

/// Competition division. Cases keep the rulebook's one-letter names ("division P").
public enum Division: UInt8, SchemaEnumeration {
    case P = 0
    case N = 1
    case A = 2
    case H = 3

    public static var schemaEnumName: String { "division" }
    public var schemaName: String {
        switch self {
        case .P: "P"
        case .N: "N"
        case .A: "A"
        case .H: "H"
        }
    }
}

/// Protected zone kind.
public enum ZoneKind: UInt8, SchemaEnumeration {
    case pedestrian = 1
    case bench = 2

    public static var schemaEnumName: String { "zone_kind" }
    public var schemaName: String {
        switch self {
        case .pedestrian: "pedestrian"
        case .bench: "bench"
        }
    }
}
