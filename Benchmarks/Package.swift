// swift-tools-version: 6.1
import PackageDescription

// Micro-benchmarks of the ingest hot path: allocations and instructions per operation,
// compared with the checked-in thresholds on every run (Benchmarks/Thresholds/), so a
// regression fails `swift package benchmark`. A package of its own so that `swift test` in
// the root package neither builds nor runs it.
//
//   cd Benchmarks && swift package benchmark
//   swift package benchmark --format metricP90AbsoluteThresholds --path Thresholds/  # re-record
let package = Package(
    name: "benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "FleetTelemetry", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "FleetBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "FleetProtocol", package: "FleetTelemetry"),
                .product(name: "FleetIngest", package: "FleetTelemetry"),
                .product(name: "FleetStore", package: "FleetTelemetry"),
            ],
            path: "Benchmarks/FleetBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
