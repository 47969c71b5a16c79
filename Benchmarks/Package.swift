// swift-tools-version:6.1
import PackageDescription

// Benchmarks live in their own package so that the product's clean build in CI stays lean.
// Each executable measures one algorithm of ContribuezAnalysis; the scripts in scripts/
// run it side by side with its Python peer on the same data and write BENCHMARKS.md rows.
let package = Package(
    name: "contribuez-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        // bench-templates only: the product's template engine, and Plot to compare with (issue 10, point 2).
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/JohnSundell/Plot.git", from: "0.14.0"),
    ],
    targets: [
        // NB: a symlink to ../Sources/ContribuezAnalysis, not a path dependency on the root package:
        // a path dependency's identity is the folder name of the clone, which differs from machine to machine.
        .target(name: "ContribuezAnalysis"),
        .executableTarget(name: "bench-groups", dependencies: ["ContribuezAnalysis"]),
        .executableTarget(name: "bench-duplicates", dependencies: ["ContribuezAnalysis"]),
        .executableTarget(name: "bench-raking", dependencies: ["ContribuezAnalysis"]),
        .executableTarget(name: "bench-themes", dependencies: ["ContribuezAnalysis"]),
        // Symlinks too (../Sources/ContribuezCore, ../Sources/ContribuezImport), for bench-templates' data.
        .target(name: "ContribuezCore"),
        .target(name: "ContribuezImport", dependencies: ["ContribuezCore", "ContribuezAnalysis"]),
        // HTMLWriter.swift and SafeMarkdown.swift in it are symlinks to the product's files (ContribuezWeb).
        .executableTarget(
            name: "bench-templates",
            dependencies: [
                "ContribuezCore", "ContribuezImport", "ContribuezAnalysis",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Plot", package: "Plot"),
            ],
            exclude: ["all-mustache"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
