public import FleetScoring
public import FleetStorage
public import FleetStore

/// What a FINAL result signs: the run, the window the inputs were read from, the result,
/// the referee actions applied, and each sender's hash chain head. Stored as canonical JSON
/// bytes; the Ed25519 signature covers exactly those bytes.
///
/// A run with a stored arena file signs `fleet-final-v5`, whose run names the file's hash;
/// every other run signs `fleet-final-v4` as before.
///
/// `fleet-final-v2` keeps the document compact: the result without its score events, which
/// are stored once in the run's event list and signed through their count and digest
/// (`eventsDigest`), and frame indexes in `HashChain.IndexFormat.v2`. A `fleet-final-v1`
/// document (before migration `v4-compact-results`) holds every event itself and still
/// verifies.
public struct FinalDocument: Sendable, Codable, Equatable {
    public struct Run: Sendable, Codable, Equatable {
        public var id: UInt32
        public var name: String
        public var division: String
        public var seed: UInt64
        public var window: RunWindowSource
        public var rulebookHash: String
        /// `fleet-final-v5`: SHA-256 of the arena file the run was scored in; absent (and the
        /// format v4) when the run has none and is scored in the arena generated from
        /// division and seed.
        public var arenaHash: String?
    }

    /// Event time range the inputs were read from (ends included).
    public struct Window: Sendable, Codable, Equatable {
        public var from: UInt64
        public var to: UInt64

        public init(from: UInt64, to: UInt64) {
            self.from = from
            self.to = to
        }
    }

    public struct Chain: Sendable, Codable, Equatable {
        public var sender: UInt32
        public var frames: Int
        /// Hex SHA-256 chain head.
        public var head: String
        /// Hex SHA-256 of the stored frame index.
        public var indexDigest: String
    }

    public static let formatV1 = "fleet-final-v1"
    public static let formatV2 = "fleet-final-v2"
    /// v2 whose score events include the final adjustments (`ScoreCriterion.settling`).
    public static let formatV3 = "fleet-final-v3"
    /// v3 whose inputs from the infrastructure are only the frames that name the run (a
    /// `run_state` or referee event of it; `RunContext.InputRule`), so the referees of other
    /// runs writing the same database, at the same time, are not in its chains or counts.
    public static let formatV4 = "fleet-final-v4"
    /// v4 of a run scored in an arena file stored with it: `run.arenaHash` signs the file.
    public static let formatV5 = "fleet-final-v5"
    /// Formats signed when every infrastructure frame in the window was an input.
    public static let everyInfrastructureFrameFormats: Set<String> = [formatV1, formatV2, formatV3]

    public var format = FinalDocument.formatV4
    public var run: Run
    public var window: Window?
    /// v2: the result with an empty `events` array; v1: the whole result.
    public var result: RunResult
    /// v2: how many score events the result has, and the hex SHA-256 of their canonical
    /// encoding (`FinalDocument.eventsDigest`); nil in v1.
    public var eventCount: Int?
    public var eventsDigest: String?
    public var actions: [RefereeAction]
    public var chains: [Chain]
    /// Whether the live scorer's result (before FINAL) equalled the recompute; nil without one.
    public var liveAgrees: Bool?
    public var signedAt: UInt64
}
