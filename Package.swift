// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// The layers of ../shared/DESIGN.md, each a target that depends only on those below it, so the
// compiler keeps them apart: crypto, format, log (with the store protocol), domain, disclosure,
// import, then one target per store, then the interfaces. GRDB is linked only by BlotterSQLite,
// postgres-nio only by BlotterPostgres: a program that embeds the Blotter product does not link it.
let package = Package(
    name: "Blotter",
    platforms: [.macOS(.v15)],
    products: [
        // Blotter with its embedded SQLite store: everything a program that embeds it needs.
        .library(name: "Blotter", targets: ["Blotter"]),
        // The PostgreSQL store, added to the above by a program that wants it.
        .library(name: "BlotterPostgres", targets: ["BlotterPostgres"]),
        .executable(name: "blotter", targets: ["BlotterCLI"]),
        // The Precinct 120 demo ledger, for the micro-benchmarks' package (Benchmarks/Micro), which
        // builds one to measure real entries.
        .library(name: "BlotterDemo", targets: ["BlotterDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        // The server: Hummingbird without its swift-configuration and full-Foundation traits (fewer
        // packages to build), swift-log, swift-metrics with the Prometheus exposition.
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
    ],
    targets: [
        // Layer 1: OpenSSL's libcrypto, with a shim for its macros.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // zlib, for reading gzip-compressed import files.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Layer 2: hashes, signatures and keys; the only module that imports COpenSSL.
        .target(name: "BlotterCrypto", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
        // Layer 3: canonical JSON, statements, disclosures, entries. Pure values, no I/O.
        .target(name: "BlotterFormat", dependencies: ["BlotterCrypto"], swiftSettings: swiftSettings),
        // Layer 4: the chain, the Merkle tree, checkpoints, the log's own rules, the verifier, the
        // store protocol and the policy interface a domain plugs into. Knows nothing of cases.
        .target(name: "BlotterLog", dependencies: ["BlotterCrypto", "BlotterFormat"], swiftSettings: swiftSettings),
        // Layer 5: the event catalog, schemas, lifecycle rules, projections and views.
        .target(
            name: "BlotterDomain",
            dependencies: ["BlotterCrypto", "BlotterFormat", "BlotterLog", "CZlib"],
            resources: [.embedInCode("Resources/Schemas")],
            swiftSettings: swiftSettings
        ),
        // Layer 6: disclosure policies, export bundles and their verifier.
        .target(
            name: "BlotterDisclosure",
            dependencies: ["BlotterCrypto", "BlotterFormat", "BlotterLog", "BlotterDomain"],
            swiftSettings: swiftSettings
        ),
        // Layer 7: importing records from CSV and JSON Lines through declarative mappings.
        .target(
            name: "BlotterImport",
            dependencies: ["BlotterCrypto", "BlotterFormat", "BlotterLog", "BlotterDomain"],
            swiftSettings: swiftSettings
        ),
        // Layer 8: the stores. The SQL they share: the domain's tables behind the domain's
        // ProjectionWriting interface, in SQLite's dialect (PostgreSQL's store rewrites it).
        .target(
            name: "BlotterSQL",
            dependencies: ["BlotterFormat", "BlotterLog", "BlotterDomain"],
            swiftSettings: swiftSettings
        ),
        // The embedded store. GRDB only here.
        .target(
            name: "BlotterSQLite",
            dependencies: ["BlotterCrypto", "BlotterFormat", "BlotterLog", "BlotterDomain", "BlotterSQL", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "GRDBSQLite", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL store, for agencies that outgrow one file. postgres-nio only here.
        .target(
            name: "BlotterPostgres",
            dependencies: ["BlotterCrypto", "BlotterFormat", "BlotterLog", "BlotterDomain", "BlotterSQL", .product(name: "PostgresNIO", package: "postgres-nio")],
            swiftSettings: swiftSettings
        ),
        // The Precinct 120 demo ledger (command line, tests, benchmarks).
        .target(
            name: "BlotterDemo",
            dependencies: ["BlotterCrypto", "BlotterFormat", "BlotterLog", "BlotterDomain", "BlotterSQLite"],
            swiftSettings: swiftSettings
        ),
        // The library product: every layer with the SQLite store, under one import.
        .target(
            name: "Blotter",
            dependencies: ["BlotterCrypto", "BlotterFormat", "BlotterLog", "BlotterDomain", "BlotterDisclosure", "BlotterImport", "BlotterSQLite"],
            swiftSettings: swiftSettings
        ),
        // Layer 9: the HTTP server (`blotter serve`) over any store. Hummingbird only here.
        .target(
            name: "BlotterServer",
            dependencies: [
                "BlotterCrypto", "BlotterFormat", "BlotterLog", "BlotterDomain",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        // Layer 9: the command line, a thin shell over the library.
        .executableTarget(
            name: "BlotterCLI",
            dependencies: [
                "Blotter", "BlotterDemo", "BlotterCrypto", "BlotterPostgres", "BlotterServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "blotter-bench",
            dependencies: ["Blotter", "BlotterDemo", "BlotterCrypto", "BlotterPostgres", "BlotterSQL", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks/BlotterBench",
            swiftSettings: swiftSettings
        ),
        // libFuzzer harnesses of every decoder of outside input (Tools/fuzz.sh); built plainly, it
        // replays inputs through them (the crash corpus the tests run).
        .executableTarget(
            name: "blotter-fuzz",
            dependencies: ["BlotterFormat", "BlotterLog", "BlotterDomain", "BlotterImport", "BlotterDisclosure"],
            path: "Fuzz/BlotterFuzz",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BlotterTests",
            dependencies: [
                "Blotter", "BlotterDemo", "BlotterCrypto", "BlotterFormat", "BlotterLog", "BlotterDomain", "BlotterDisclosure",
                "BlotterImport", "BlotterSQL", "BlotterSQLite", "BlotterPostgres", "BlotterServer", "BlotterCLI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
    ]
)
