/// Everything a site's database holds about one run, row for row, for `fleet forward` to put
/// in the central database as it is: the run and its entries, the rulebook it is scored
/// by and its arena file (when one is stored), the referee actions (with the site's ids, which a signed result names), the board,
/// the results and their score event pages, and once FINAL the signed record and chains.
public struct RunCopy: Sendable, Equatable {
    /// A stored result row (`run_result`) as it is.
    public struct ResultRow: Sendable, Equatable {
        public var source: RunResultWrite.Source
        public var summary: String?
        public var shared: Int64
        public var ownFirst: Int64
        public var ownCount: Int64
        public var storedNanos: UInt64

        public init(
            source: RunResultWrite.Source,
            summary: String?,
            shared: Int64,
            ownFirst: Int64,
            ownCount: Int64,
            storedNanos: UInt64
        ) {
            self.source = source
            self.summary = summary
            self.shared = shared
            self.ownFirst = ownFirst
            self.ownCount = ownCount
            self.storedNanos = storedNanos
        }
    }

    /// A page of the run's score event list (`score_event`) as it is.
    public struct EventPage: Sendable, Equatable {
        public var firstOrdinal: Int64
        public var count: Int64
        public var page: [UInt8]

        public init(firstOrdinal: Int64, count: Int64, page: [UInt8]) {
            self.firstOrdinal = firstOrdinal
            self.count = count
            self.page = page
        }
    }

    public var run: RunRecord
    /// What changed when this differs (`SQLiteCompetitionStore.runVersions`): the run is copied
    /// again only then.
    public var version: String
    public var entries: [RegisteredRobot]
    public var rulebookID: String
    public var rulebookBytes: [UInt8]
    /// The arena file stored under `run.arenaHash`; nil when the run has none.
    public var arenaBytes: [UInt8]?
    public var actions: [RefereeAction]
    public var provisional: ProvisionalScoreRecord?
    public var provisionalSnapshots: Int64
    public var results: [ResultRow]
    public var eventPages: [EventPage]
    public var final: FinalRecord?
    public var chains: [ChainRecord]

    public init(run: RunRecord, version: String) {
        self.run = run
        self.version = version
        entries = []
        rulebookID = ""
        rulebookBytes = []
        arenaBytes = nil
        actions = []
        provisional = nil
        provisionalSnapshots = 0
        results = []
        eventPages = []
        final = nil
        chains = []
    }
}
