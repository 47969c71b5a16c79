// swift-tools-version:6.1
import PackageDescription

// Benchmarks live in their own package so that the product's clean build in CI stays lean.
// Each executable measures one algorithm of ContribuezAnalysis; the scripts in scripts/
// run it side by side with its Python peer on the same data and write BENCHMARKS.md rows.
let package = Package(
    name: "contribuez-benchmarks",
    platforms: [.macOS(.v14)],
    targets: [
        // NB: a symlink to ../Sources/ContribuezAnalysis, not a path dependency on the root package:
        // a path dependency's identity is the folder name of the clone, which differs from machine to machine.
        .target(name: "ContribuezAnalysis"),
        .executableTarget(name: "bench-groups", dependencies: ["ContribuezAnalysis"]),
        .executableTarget(name: "bench-duplicates", dependencies: ["ContribuezAnalysis"]),
        .executableTarget(name: "bench-raking", dependencies: ["ContribuezAnalysis"]),
    ],
    swiftLanguageModes: [.v6]
)
