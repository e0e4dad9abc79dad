// swift-tools-version: 6.1
import PackageDescription

/// Settings every target gets, in one place, so the whole package moves to a
/// new language feature together.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "FleetTelemetry",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
        .library(name: "FleetProtocol", targets: ["FleetProtocol"]),
        // For the micro-benchmarks in Benchmarks/ (a package of their own).
        .library(name: "FleetStore", targets: ["FleetStore"]),
        .library(name: "FleetIngest", targets: ["FleetIngest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // `swift package generate-documentation`: the DocC catalogs (scripts/docs.sh).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // libzmq from the system (Debian: libzmq3-dev).
        .systemLibrary(
            name: "CZeroMQ",
            providers: [.apt(["libzmq3-dev"])]
        ),
        // libzstd from the system (Debian: libzstd-dev): the chunk codec's entropy stage.
        .systemLibrary(
            name: "CZstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .target(
            name: "ZeroMQ",
            dependencies: ["CZeroMQ"],
            exclude: ["README.md"]
        ),
        // The wire protocol codec: pure, no I/O.
        .target(
            name: "FleetProtocol",
            exclude: ["README.md"]
        ),
        // The arena as data: zones, kerbs, obstacles, the rulebook grid and the swept-segment
        // rule, the arena file. Pure, no I/O; the simulator and the scorer share it.
        .target(
            name: "FleetArena",
            exclude: ["README.md"]
        ),
        // The simulator's seeded arena generator: division and seed in, a layout (and its
        // FleetArena) out. Scoring uses it for runs without a stored arena.
        .target(
            name: "FleetArenaGenerator",
            dependencies: ["FleetArena", "FleetProtocol"],
            path: "Simulators/FleetArenaGenerator",
            exclude: ["README.md"]
        ),
        // Robot models and the fleet runner's simulation core, on generated arenas.
        .target(
            name: "FleetSimulation",
            dependencies: ["FleetArena", "FleetArenaGenerator", "FleetProtocol"],
            path: "Simulators/FleetSimulation",
            exclude: ["README.md"]
        ),
        // Runs a simulated fleet over ZeroMQ: a socket per robot, faults, truth, recordings.
        .target(
            name: "FleetRunner",
            dependencies: [
                "FleetSimulation", "FleetProtocol", "FleetKeys", "FleetRobotClient", "ZeroMQ",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Simulators/FleetRunner",
            exclude: ["README.md"]
        ),
        // Receiver, ring buffer, pipeline: the hot path from socket to writer.
        .target(
            name: "FleetIngest",
            dependencies: [
                "FleetBlocking", "FleetKeys", "FleetProtocol", "FleetStorage", "FleetStore", "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            exclude: ["README.md"]
        ),
        // One pool of threads for blocking work called from async code (SQLite reads, joins),
        // so it never runs on the cooperative pool.
        .target(
            name: "FleetBlocking",
            dependencies: [
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"]
        ),
        // CURVE keys by sender id and their file format: shared by the ingester (its allowlist),
        // the robot side and the command line, so FleetIngest need not import the robot client.
        .target(
            name: "FleetKeys",
            dependencies: ["ZeroMQ"],
            exclude: ["README.md"]
        ),
        // The robot side of the transport: pub-mode publisher and reliable-mode client.
        .target(
            name: "FleetRobotClient",
            dependencies: ["FleetProtocol", "ZeroMQ"],
            exclude: ["README.md"]
        ),
        // The storage boundary: records, write batches, the chunk codec and the store
        // protocols. Pure: no database, no I/O; the backends implement it.
        .target(
            name: "FleetStore",
            dependencies: ["FleetProtocol", "CZstd"],
            exclude: ["README.md"]
        ),
        // The SQLite backend (GRDB): schema and migrations, the batch writer, queries.
        .target(
            name: "FleetStorage",
            dependencies: ["FleetProtocol", "FleetStore", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["README.md"]
        ),
        // The PostgreSQL backend (postgres-nio): the same storage boundary on a database
        // server, for several ingesters and sites writing one central database.
        .target(
            name: "FleetPostgres",
            dependencies: [
                "FleetProtocol", "FleetStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"]
        ),
        // Store-and-forward: a site's SQLite file copied to the central PostgreSQL.
        .target(
            name: "FleetForward",
            dependencies: [
                "FleetPostgres", "FleetProtocol", "FleetStorage", "FleetStore", "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"]
        ),
        // MCAP files (Foxglove): the writer and the telemetry mapping; pure, writes to a byte sink.
        .target(
            name: "FleetMCAP",
            dependencies: ["FleetProtocol", "FleetArena", "FleetArenaGenerator", "CZstd"],
            exclude: ["README.md"]
        ),
        // The rulebook as data and the run scorer: pure, no I/O.
        .target(
            name: "FleetScoring",
            dependencies: ["FleetArena", "FleetProtocol", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["README.md"]
        ),
        // Runs, teams, live scoring, recompute, signing and verification: scoring over storage.
        .target(
            name: "FleetCompetition",
            dependencies: [
                "FleetArena", "FleetArenaGenerator", "FleetScoring", "FleetStorage", "FleetStore", "FleetIngest",
                "FleetProtocol",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"]
        ),
        // HTTP API, live feed (SSE and ZeroMQ PUB), web scoreboard, /metrics.
        .target(
            name: "FleetServer",
            dependencies: [
                "FleetIngest", "FleetStorage", "FleetStore", "FleetProtocol", "FleetScoring", "FleetCompetition",
                "FleetForward", "FleetArena", "ZeroMQ", "FleetBlocking",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            exclude: ["README.md"],
            // The web scoreboard's files, compiled into the binary.
            resources: [
                .embedInCode("Board/board.html"), .embedInCode("Board/board.css"), .embedInCode("Board/board.js"),
            ]
        ),
        // What the command line prints: tables in every output format; pure, no I/O.
        .target(name: "FleetConsole", exclude: ["README.md"]),
        // `fleet demo`'s engine: the ingester, the board and a simulated fleet in one process,
        // with its live progress and its summary; the command only parses options.
        .target(
            name: "FleetDemo",
            dependencies: [
                "FleetCompetition", "FleetConsole", "FleetIngest", "FleetKeys", "FleetProtocol", "FleetRobotClient",
                "FleetRunner",
                "FleetScoring", "FleetServer", "FleetSimulation", "FleetStorage", "FleetStore", "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"]
        ),
        // `fleet bench`'s measurements: end to end against raw ZeroMQ, sustained load, the read
        // side, the peers. In the main package (it runs the `fleet` binary's own subcommands);
        // Benchmarks/Package.swift, beside it, is the separate micro-benchmark package.
        .target(
            name: "FleetBench",
            dependencies: [
                "FleetConsole", "FleetForward", "FleetIngest", "FleetKeys", "FleetPostgres", "FleetProtocol",
                "FleetRobotClient",
                "FleetRunner", "FleetStorage", "FleetStore", "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Benchmarks/FleetBench",
            exclude: ["README.md"]
        ),
        // libFuzzer target for the frame decoder and the recording reader (README, development).
        .executableTarget(
            name: "FleetFuzz",
            dependencies: ["FleetProtocol"],
            swiftSettings: swiftSettings
        ),
        // Tells ThreadSanitizer about Synchronization.Mutex's contended path (in a library built
        // without TSan); active only in a --sanitize=thread build (FleetRaceCheck, the tests).
        .target(name: "CTSanMutex"),
        // ThreadSanitizer check of the ring, the queues and a whole ingest service (README,
        // development; scripts/tsan.sh).
        .executableTarget(
            name: "FleetRaceCheck",
            dependencies: [
                "CTSanMutex", "FleetIngest", "FleetProtocol", "FleetRobotClient", "FleetStorage", "FleetStore",
                "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The command-line tool: parses arguments and wires the modules together.
        .executableTarget(
            name: "fleet",
            dependencies: [
                "FleetIngest", "FleetStorage", "FleetStore", "FleetPostgres", "FleetForward", "FleetProtocol", "ZeroMQ",
                "FleetKeys", "FleetRunner", "FleetConsole", "FleetDemo", "FleetBench",
                "FleetSimulation", "FleetArena",
                "FleetCompetition", "FleetScoring", "FleetServer", "FleetMCAP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .testTarget(
            name: "ZeroMQTests",
            dependencies: ["ZeroMQ"]
        ),
        // Test support: counts heap allocations per thread (interposes malloc).
        .target(
            name: "AllocationCounter",
            path: "Tests/AllocationCounter"
        ),
        // Test support shared by test targets: headless Chromium for the board. CTSanMutex
        // makes Mutex visible to ThreadSanitizer when the tests run under it (inert otherwise).
        .target(
            name: "FleetTestSupport",
            dependencies: [
                "CTSanMutex", "FleetBlocking", "FleetProtocol", "FleetStore", "FleetIngest", "FleetPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/FleetTestSupport"
        ),
        .testTarget(
            name: "FleetProtocolTests",
            dependencies: ["FleetProtocol", "ZeroMQ", "AllocationCounter"]
        ),
        .testTarget(
            name: "FleetIngestTests",
            dependencies: ["FleetIngest", "FleetStore", "FleetStorage", "FleetTestSupport", "AllocationCounter"]
        ),
        .testTarget(
            name: "FleetRobotClientTests",
            dependencies: [
                "FleetKeys", "FleetRobotClient", "FleetIngest", "FleetStorage", "FleetStore", "FleetTestSupport",
            ]
        ),
        .testTarget(
            name: "FleetStoreTests",
            dependencies: ["FleetStore", "FleetProtocol", "FleetSimulation", "FleetRunner", "AllocationCounter"]
        ),
        .testTarget(
            name: "FleetPostgresTests",
            dependencies: [
                "FleetPostgres", "FleetStorage", "FleetStore", "FleetProtocol", "FleetIngest", "FleetRobotClient",
                "ZeroMQ", "FleetTestSupport", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "FleetStorageTests",
            dependencies: ["FleetStorage", "FleetStore", "FleetTestSupport"],
            // Databases written by earlier versions, read through #filePath.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "FleetCLITests",
            dependencies: [
                "fleet", "FleetStorage", "FleetStore", "FleetPostgres", "FleetProtocol", "FleetRunner",
                "FleetCompetition",
                "FleetScoring",
                "FleetSimulation", "FleetTestSupport", "ZeroMQ", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "FleetScoringTests",
            dependencies: ["FleetScoring", "FleetProtocol", "FleetSimulation", "FleetRunner"]
        ),
        .testTarget(
            name: "FleetCompetitionTests",
            dependencies: [
                "FleetArena", "FleetCompetition", "FleetScoring", "FleetStorage", "FleetStore", "FleetIngest",
                "FleetProtocol", "FleetSimulation", "FleetTestSupport", "ZeroMQ", "FleetPostgres",
                "FleetRunner", .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "FleetServerTests",
            dependencies: [
                "FleetServer", "FleetIngest", "FleetStorage", "FleetStore", "FleetProtocol", "FleetScoring",
                "FleetCompetition", "FleetArena",
                "FleetTestSupport", "ZeroMQ",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .testTarget(
            name: "FleetArenaTests",
            dependencies: ["FleetArena", "FleetArenaGenerator"]
        ),
        .testTarget(
            name: "FleetMCAPTests",
            dependencies: ["FleetMCAP", "FleetProtocol"]
        ),
        .testTarget(
            name: "FleetSimulationTests",
            // The scorer and the fleet runner's framing: plausibility tests score simulated heats.
            dependencies: ["FleetSimulation", "FleetScoring", "FleetProtocol", "FleetRunner"]
        ),
        .testTarget(
            name: "FleetRunnerTests",
            dependencies: [
                "FleetRunner", "FleetSimulation", "FleetProtocol", "FleetIngest", "FleetStorage", "FleetStore",
                "ZeroMQ",
                "FleetTestSupport",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}
