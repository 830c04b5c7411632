// swift-tools-version:6.2
import PackageDescription

/// The upcoming features Hummingbird enables for its own code: `any` spelled out on existentials, members visible
/// only from modules the file imports, and imports internal unless they say `package import`.
let swiftSettings: [SwiftSetting] = [
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0335-existential-any.md
    .enableUpcomingFeature("ExistentialAny"),
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0444-member-import-visibility.md
    .enableUpcomingFeature("MemberImportVisibility"),
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0409-access-level-on-imports.md
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "mandrill-live",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hook-ingest", targets: ["hook-ingest"]),
        .executable(name: "ws-gateway", targets: ["ws-gateway"]),
        .executable(name: "mandrill-sim", targets: ["mandrill-sim"]),
        .executable(name: "ws-bench", targets: ["ws-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", exact: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", exact: "1.35.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", exact: "1.6.0"),
        // Already in the graph through Hummingbird (its default ConfigurationSupport trait); no traits of its own, as
        // Hummingbird asks: only the environment provider is used.
        .package(url: "https://github.com/apple/swift-configuration.git", exact: "1.4.0", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", exact: "5.8.0"),
    ],
    targets: [
        // hiredis 0.14 + libevent, as Debian ships them (libhiredis-dev, libevent-dev), in the system include path.
        // No pkgConfig: the shim includes <hiredis/...> and <event2/...> from there, and hiredis.pc adds only an
        // include path the shim does not need and -D_FILE_OFFSET_BITS=64, which SwiftPM drops with a warning.
        .systemLibrary(name: "CHiredis"),
        // The system zlib (zlib1g-dev), for permessage-deflate: one module map and a shim for its init macros.
        // Chosen over compress-nio: the gateway needs one call (raw deflate with a sync flush) on a reused
        // stream, zlib is already on every machine that runs it, and a C library stays behind a system-library
        // target like hiredis, without another package to resolve and build.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // glibc's posix_spawn_file_actions_addclosefrom_np (a GNU extension SwiftGlibc does not declare), for the
        // tests' process launcher: children must not inherit the test process's sockets.
        .systemLibrary(name: "CSpawn"),
        .target(
            name: "Common",
            dependencies: [
                "CHiredis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // What both HTTP servers share: JSON responses, and the health, readiness and metrics routes.
        .target(
            name: "HTTPServing",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hook-ingest",
            dependencies: [
                "Common",
                "HTTPServing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Compiled into the binary, so nothing has to be found on disk or on a CDN at run time.
            resources: [.embedInCode("Documentation/openapi.json"), .embedInCode("Documentation/doc.html")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ws-gateway",
            dependencies: [
                "Common",
                "CZlib",
                "HTTPServing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("Dashboard/dashboard.html")],
            swiftSettings: swiftSettings
        ),
        // Small NIO clients (HTTP/1.1 with keep-alive, WebSocket) for the simulator, the benchmark and the tests.
        .target(
            name: "NetClients",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Realistic, correctly signed Mandrill batches: used by the simulator, the benchmark and the tests.
        .target(
            name: "Simulation",
            dependencies: ["Common", .product(name: "JWTKit", package: "jwt-kit")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mandrill-sim",
            dependencies: [
                "Common",
                "NetClients",
                "Simulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ws-bench",
            dependencies: [
                "Common",
                "NetClients",
                "Simulation",
                // ProcessMemory (`ws-bench abuse` reads peak memory the way the abuse tests do) and Locked.
                "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // libFuzzer targets for the parsers that read untrusted bytes (scripts/fuzz.sh builds it with -sanitize=fuzzer);
        // a plain build is the corpus replayer the tests run.
        .executableTarget(
            name: "mandrill-fuzz",
            dependencies: ["Common", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Starts real redis-server processes and our executables for the tests.
        .target(
            name: "TestSupport",
            dependencies: [
                "Common",
                "CSpawn",
                "CZlib",
                "NetClients",
                "Simulation",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CommonTests",
            dependencies: [
                "Common",
                "Simulation",
                "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Vectors")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HookIngestTests",
            dependencies: [
                "hook-ingest",
                "Common",
                "NetClients",
                "Simulation",
                "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationEssentialsCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WSGatewayTests",
            dependencies: [
                "ws-gateway",
                "Common",
                "NetClients",
                "Simulation",
                "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Common", "NetClients", "Simulation", "TestSupport", .product(name: "NIOHTTP1", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
    ]
)

// Microbenchmarks of the ingest and fan-out hot paths (form decoding, signature, batch validation, envelopes,
// filters): `make microbench`. Added only when MANDRILL_MICROBENCHMARKS is set, so that `swift build`,
// `swift test` and CI never resolve or build the benchmark package and its dependencies (CI has 2 cores and a
// time budget). Only the MallocInterposer trait: it counts allocations without jemalloc (not installed), and it
// leaves out the default RuntimeInterposer trait, whose extra package (swift-runtime-interposer) our machines do
// not have and which serves only retain/release counts, not measured here.
if Context.environment["MANDRILL_MICROBENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"])
    )
    package.targets.append(
        .executableTarget(
            name: "Microbenchmarks",
            dependencies: [
                "Common",
                "Simulation",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Microbenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    )
}
