// swift-tools-version:6.0
import PackageDescription

// Baton targets Linux only: it calls Glibc (write, flock, getpid) and reads /proc (process liveness, the
// binary's own path, the umask, import progress). SwiftPM has no "Linux only" declaration, so no `platforms:`
// is given rather than a macOS one that would not build.
let package = Package(
    name: "Baton",
    products: [
        .executable(name: "baton", targets: ["baton"]),
    ],
    targets: [
        // System libraries: a module map and a shim header each; no C type leaves the module that imports them.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CXLSXWriter", pkgConfig: "xlsxwriter",
                       providers: [.apt(["libxlsxwriter-dev"])]),

        // The small core every module may import: instants, durations, text codecs, "did you mean", the input
        // error, file modes, the publisher of files and process liveness. Foundation only.
        .target(name: "BatonCore"),
        .target(name: "SQLite", dependencies: ["BatonCore", "CSQLite"]),
        .target(name: "Orchestration", dependencies: ["BatonCore", "SQLite"]),
        // Cron, the runner, the lock and the run history, whatever is scheduled (Reporting's definitions).
        .target(name: "Scheduling", dependencies: ["BatonCore", "SQLite"]),
        .target(name: "Reporting", dependencies: ["BatonCore", "Orchestration", "Scheduling", "SQLite"]),
        .target(name: "Rendering", dependencies: ["BatonCore", "Reporting", "CXLSXWriter"]),
        // The static site (`baton site`): pages over the open work, the alerts and the report archive.
        .target(name: "Site", dependencies: ["BatonCore", "SQLite", "Orchestration", "Scheduling", "Reporting", "Rendering"]),
        .target(name: "BatonCLI", dependencies: ["BatonCore", "SQLite", "Orchestration", "Scheduling", "Reporting", "Rendering", "Site"]),
        .executableTarget(name: "baton", dependencies: ["BatonCLI"]),

        // Fixtures the test targets share: temporary folders and stores, the package's paths and the real logs, other
        // programs (the built binary, python3, Chromium, promtool), a tiny disk, waiting for another process's sign.
        .target(name: "BatonTestSupport", dependencies: ["BatonCore", "SQLite", "Orchestration"], path: "Tests/BatonTestSupport"),
        .testTarget(name: "BatonCoreTests", dependencies: ["BatonCore", "BatonTestSupport"]),
        .testTarget(name: "SQLiteTests", dependencies: ["BatonCore", "SQLite", "BatonTestSupport"]),
        .testTarget(name: "OrchestrationTests", dependencies: ["BatonCore", "Orchestration", "SQLite", "BatonTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "SchedulingTests", dependencies: ["BatonCore", "Scheduling", "Reporting", "Orchestration", "SQLite", "BatonTestSupport"]),
        .testTarget(name: "ReportingTests", dependencies: ["BatonCore", "Scheduling", "Reporting", "Rendering", "Orchestration", "SQLite", "BatonTestSupport"]),
        .testTarget(name: "RenderingTests", dependencies: ["BatonCore", "Rendering", "Reporting", "Orchestration", "SQLite", "BatonTestSupport"]),
        .testTarget(name: "SiteTests", dependencies: ["BatonCore", "Site", "Reporting", "Rendering", "Scheduling", "Orchestration", "SQLite", "BatonTestSupport"]),
        .testTarget(name: "BatonCLITests", dependencies: ["BatonCore", "Scheduling", "BatonCLI", "Orchestration", "Reporting", "SQLite", "BatonTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
