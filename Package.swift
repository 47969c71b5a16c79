// swift-tools-version:6.1
import PackageDescription

// NB: ContribuezCore and ContribuezAnalysis import Foundation at most (DESIGN.md §3);
// the compiler keeps that boundary because they depend on no package.
let package = Package(
    name: "contribuez",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "contribuez", targets: ["contribuez"]),
        .library(name: "ContribuezCore", targets: ["ContribuezCore"]),
        .library(name: "ContribuezAnalysis", targets: ["ContribuezAnalysis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .target(name: "ContribuezCore"),
        // NB: numeric kernels (k-means, SVD, silhouette, MinHash) run 20–50× slower unoptimised; the debug build
        // (tests, CI) optimises this one module so that the real-data tests run in seconds, not minutes.
        .target(name: "ContribuezAnalysis", swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // Test helpers shared by the test targets (never linked into the product).
        .target(name: "ContribuezTestSupport"),
        // Turns other platforms' open data (République numérique, Polis) and the demo into import bundles.
        .target(name: "ContribuezImport", dependencies: ["ContribuezCore", "ContribuezAnalysis"]),
        // Runs analyses over a consultation's stored data and writes results back (synthesis, representativeness).
        .target(name: "ContribuezSynthesis", dependencies: ["ContribuezCore", "ContribuezAnalysis"]),
        .target(
            name: "ContribuezStore",
            dependencies: [
                "ContribuezCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                // AES-GCM sealing of personal data at rest (issue 13).
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The store ports on PostgreSQL (issue 11), and `copy` from SQLite (which is why it reads GRDB too).
        .target(
            name: "ContribuezPostgres",
            dependencies: [
                "ContribuezCore",
                "ContribuezStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Outgoing mail (issue 9): an SMTP client over NIO and the service that drains the outbox.
        .target(
            name: "ContribuezMail",
            dependencies: [
                "ContribuezCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The open-data package (issue 12): streaming ZIP writer and reader, CSV, the Data Package writer.
        .target(
            name: "ContribuezOpenData",
            dependencies: [
                "ContribuezCore",
                "ContribuezAnalysis",
                "ContribuezSynthesis",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "ContribuezWeb",
            dependencies: [
                "ContribuezCore",
                "ContribuezOpenData",
                "ContribuezAnalysis",
                "ContribuezStore",
                "ContribuezSynthesis",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            resources: [.copy("Resources")]
        ),
        .executableTarget(
            name: "contribuez",
            dependencies: [
                "ContribuezCore",
                "ContribuezAnalysis",
                "ContribuezStore",
                "ContribuezWeb",
                "ContribuezImport",
                "ContribuezSynthesis",
                "ContribuezMail",
                "ContribuezPostgres",
                "ContribuezOpenData",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "ContribuezCoreTests", dependencies: ["ContribuezCore", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "ContribuezAnalysisTests", dependencies: ["ContribuezAnalysis", "ContribuezTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ContribuezImportTests", dependencies: ["ContribuezImport", "ContribuezCore", "ContribuezStore", "ContribuezTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ContribuezSynthesisTests", dependencies: ["ContribuezSynthesis", "ContribuezCore", "ContribuezStore", "ContribuezAnalysis", "ContribuezImport", "ContribuezTestSupport"]),
        .testTarget(
            name: "ContribuezOpenDataTests",
            dependencies: [
                "ContribuezOpenData", "ContribuezCore", "ContribuezStore", "ContribuezPostgres", "ContribuezImport", "ContribuezSynthesis",
                "ContribuezTestSupport",
            ]
        ),
        .testTarget(name: "ContribuezStoreTests", dependencies: ["ContribuezStore", "ContribuezCore", "ContribuezPostgres"]),
        .testTarget(
            name: "ContribuezMailTests",
            dependencies: [
                "ContribuezMail", "ContribuezStore", "ContribuezCore", "ContribuezWeb", "ContribuezImport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "ContribuezWebTests",
            dependencies: [
                "ContribuezWeb", "ContribuezStore", "ContribuezCore", "ContribuezImport", "ContribuezSynthesis", "ContribuezAnalysis", "ContribuezTestSupport",
                "ContribuezPostgres", "ContribuezOpenData",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
