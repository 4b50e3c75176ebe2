// swift-tools-version: 6.1
import PackageDescription

// Micro-benchmarks of Blotter's hot paths in ordo-one/package-benchmark, which counts allocations
// (its malloc interposer) as well as time. A package of its own so that the main package, and CI,
// never build the benchmark harness. Run from this directory:
//
//   swift package --disable-sandbox benchmark
//
// (docs/PERFORMANCE.md, "Micro-benchmarks", says what each one measures.)
let package = Package(
    name: "BlotterMicroBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Blotter", path: "../.."),
        // The malloc interposer only: the Swift 6.3 runtime interposer (the package's other default
        // trait) is not in this machine's package mirror.
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                .product(name: "Blotter", package: "Blotter"),
                .product(name: "BlotterDemo", package: "Blotter"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
