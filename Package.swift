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
    ],
    targets: [
        // libzmq from the system (Debian: libzmq3-dev).
        .systemLibrary(
            name: "CZeroMQ",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .target(
            name: "ZeroMQ",
            dependencies: ["CZeroMQ"]
        ),
        // The wire protocol codec: pure, no I/O.
        .target(
            name: "FleetProtocol",
            exclude: ["README.md"]
        ),
        // Seeded arenas, robot models and the fleet runner's simulation core.
        .target(
            name: "FleetSimulation",
            dependencies: ["FleetProtocol"],
            path: "Simulators/FleetSimulation"
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
        .testTarget(
            name: "FleetProtocolTests",
            dependencies: ["FleetProtocol", "ZeroMQ", "AllocationCounter"]
        ),
        .testTarget(
            name: "FleetSimulationTests",
            dependencies: ["FleetSimulation"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}
