// swift-tools-version: 6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Blotter",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Blotter", targets: ["Blotter"]),
        .executable(name: "blotter", targets: ["BlotterCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        // Layer 1: OpenSSL's libcrypto, with a shim for its macros.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // Layer 2: hashes, signatures and keys; the only module that imports COpenSSL.
        .target(
            name: "BlotterCrypto",
            dependencies: ["COpenSSL"],
            swiftSettings: swiftSettings
        ),
        // Layers 3-6: format, log, store, domain rules.
        .target(
            name: "Blotter",
            dependencies: [
                "BlotterCrypto",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            resources: [.embedInCode("Resources/Schemas")],
            swiftSettings: swiftSettings
        ),
        // Layer 9: the command line, a thin shell over the library.
        .executableTarget(
            name: "BlotterCLI",
            dependencies: [
                "Blotter",
                "BlotterCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "blotter-bench",
            dependencies: ["Blotter", "BlotterCrypto", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks/BlotterBench",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BlotterTests",
            dependencies: [
                "Blotter", "BlotterCrypto", "BlotterCLI",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
    ]
)
