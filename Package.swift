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

        .target(name: "SQLite", dependencies: ["CSQLite"]),
        .target(name: "Orchestration", dependencies: ["SQLite"]),
        .target(name: "Reporting", dependencies: ["Orchestration", "SQLite"]),
        .target(name: "Rendering", dependencies: ["Reporting", "CXLSXWriter"]),
        .target(name: "BatonCLI", dependencies: ["SQLite", "Orchestration", "Reporting", "Rendering"]),
        .executableTarget(name: "baton", dependencies: ["BatonCLI"]),

        .testTarget(name: "SQLiteTests", dependencies: ["SQLite"]),
        .testTarget(name: "OrchestrationTests", dependencies: ["Orchestration", "SQLite"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "Rendering", "Orchestration", "SQLite"]),
        .testTarget(name: "RenderingTests", dependencies: ["Rendering", "Reporting", "Orchestration", "SQLite"]),
        .testTarget(name: "BatonCLITests", dependencies: ["BatonCLI", "Orchestration", "Reporting", "SQLite"]),
    ],
    swiftLanguageModes: [.v6]
)
