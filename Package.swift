// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "gameday",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gameday", targets: ["gameday"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
    ],
    targets: [
        // Pure model: no I/O, Foundation only.
        .target(name: "GameDayCore", swiftSettings: swiftSettings),
        // The one YAML reader: byte guard, positioned nodes, typed reading with diagnostics (plans and configurations).
        .target(name: "GameDayYAML", dependencies: [
            "GameDayCore", .product(name: "Yams", package: "Yams"),
        ], swiftSettings: swiftSettings),
        // Fault kinds as descriptors: one file per kind under Kinds/, one registry line each; host script building blocks.
        .target(name: "GameDayFaults", dependencies: [
            "GameDayCore", "GameDayYAML", .product(name: "Yams", package: "Yams"),
        ], exclude: ["ADDING_A_FAULT.md"], swiftSettings: swiftSettings),
        // YAML -> Plan, validation with file:line:column diagnostics.
        .target(name: "GameDayPlan", dependencies: [
            "GameDayCore", "GameDayYAML", "GameDayFaults", .product(name: "Yams", package: "Yams"),
        ], swiftSettings: swiftSettings),
        // Schedule (pure), runner, state machines, protocols for the parts that touch the world.
        .target(name: "GameDayEngine", dependencies: [
            "GameDayCore", "GameDayFaults", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swiftSettings),
        // Write-ahead JSONL journal and its tolerant reader.
        .target(name: "GameDayJournal", dependencies: ["GameDayCore"], swiftSettings: swiftSettings),
        // The one posix_spawn setup (process group, signal reset, closefrom, redirections) for every child we start.
        .target(name: "GameDayPOSIX", swiftSettings: swiftSettings),
        // C shim over libcurl (its variadic setopt is not callable from Swift).
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        // HTTP (libcurl multi), TCP and command health probes.
        .target(name: "GameDayProbes", dependencies: [
            "GameDayCore", "GameDayEngine", "CCurl", "GameDayPOSIX", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swiftSettings),
        // Process, command and network injectors; local and SSH executors; leases.
        .target(name: "GameDayInjectors", dependencies: [
            "GameDayCore", "GameDayEngine", "GameDayFaults", "GameDayPOSIX", .product(name: "Logging", package: "swift-log"),
            .product(name: "Subprocess", package: "swift-subprocess"),
        ], exclude: ["README.md"], swiftSettings: swiftSettings),
        // The one way to serve HTTP: a Hummingbird application on host:port that reports its bound port, stopped within a bound.
        .target(name: "GameDayHTTP", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swiftSettings),
        // SwiftNIO fault proxy with a Toxiproxy-compatible control API.
        .target(name: "GameDayProxy", dependencies: [
            "GameDayCore", "GameDayHTTP",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], exclude: ["CREATING_FAULTS.md"], swiftSettings: swiftSettings),
        // Alertmanager webhook receiver and API v2 poller -> alert journal events.
        .target(name: "GameDayAlerts", dependencies: [
            "GameDayCore", "GameDayEngine", "GameDayHTTP",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: swiftSettings),
        // Journal -> postmortem Markdown (pure).
        .target(name: "GameDayReport", dependencies: ["GameDayCore"], swiftSettings: swiftSettings),
        // Business-hours calendar, day planner, scheduler configuration and decision state machine (pure but for reading
        // the configuration file: no clock, processes or sockets).
        .target(name: "GameDayCalendar", dependencies: ["GameDayCore", "GameDayYAML"], swiftSettings: swiftSettings),
        // The scheduler daemon: service, store, process supervision, recovery, metrics, webhooks.
        .target(name: "GameDaySchedule", dependencies: [
            "GameDayCore", "GameDayCalendar", "GameDayEngine", "GameDayJournal", "GameDayHTTP",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Subprocess", package: "swift-subprocess"),
        ], swiftSettings: swiftSettings),
        // The live game-day page: a view of the journal stream (SSE), operator actions as token-carrying POSTs.
        .target(name: "GameDayConsole", dependencies: [
            "GameDayCore", "GameDayReport", "GameDayJournal", "GameDayHTTP",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swiftSettings),
        // The demo fleet: replicas, supervisor, health-routing balancer.
        .target(name: "GameDayDemo", dependencies: [
            "GameDayCore", "GameDayPOSIX", "GameDayHTTP",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], swiftSettings: swiftSettings),
        // `gameday preflight`: can every target be broken and healed? (reachability, tools, rights, leases, proxies,
        // checks; `--rehearse` proves each host's lease fires).
        .target(name: "GameDayPreflight", dependencies: ["GameDayCore", "GameDayFaults", "GameDayInjectors", "GameDayProbes"],
                swiftSettings: swiftSettings),
        // The CLI: the only place that wires concrete parts together.
        .executableTarget(name: "gameday", dependencies: [
            "GameDayCore", "GameDayFaults", "GameDayPlan", "GameDayEngine", "GameDayJournal", "GameDayProbes",
            "GameDayInjectors", "GameDayReport", "GameDayDemo", "GameDayProxy", "GameDayCalendar", "GameDaySchedule",
            "GameDayAlerts", "GameDayHTTP",
            .product(name: "Prometheus", package: "swift-prometheus"),
            "GameDayPreflight",
            "GameDayConsole",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swiftSettings),

        .testTarget(name: "GameDayYAMLTests", dependencies: ["GameDayYAML", "GameDayCore"], swiftSettings: swiftSettings),
        // Helpers the test suites share (bounded waits, temporary directories, the gameday executable, free ports).
        .target(name: "GameDayTestSupport", dependencies: ["GameDayPOSIX", "GameDayCore", "GameDayCalendar"], path: "Tests/GameDayTestSupport",
                swiftSettings: swiftSettings),

        .testTarget(name: "GameDayPreflightTests", dependencies: ["GameDayPreflight", "GameDayCore", "GameDayFaults", "GameDayInjectors"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "GameDayCoreTests", dependencies: ["GameDayCore"], swiftSettings: swiftSettings),
        .testTarget(name: "GameDayPOSIXTests", dependencies: ["GameDayPOSIX"], swiftSettings: swiftSettings),
        .testTarget(name: "GameDayPlanTests", dependencies: ["GameDayTestSupport", "GameDayPlan", "GameDayYAML", "GameDayCore", "GameDayFaults"],
                    resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "GameDayEngineTests", dependencies: ["GameDayEngine", "GameDayCore", "GameDayFaults", .product(name: "Logging", package: "swift-log")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "GameDayJournalTests", dependencies: ["GameDayTestSupport", "GameDayJournal", "GameDayCore", "GameDayFaults"], swiftSettings: swiftSettings),
        .testTarget(name: "GameDayReportTests", dependencies: ["GameDayReport", "GameDayCore", "GameDayJournal", "GameDayFaults"],
                    resources: [.copy("Golden")], swiftSettings: swiftSettings),
        .testTarget(name: "GameDayProbesTests", dependencies: ["GameDayTestSupport", "GameDayProbes", "GameDayCore", "GameDayEngine",
                                                          .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .testTarget(name: "GameDayInjectorsTests", dependencies: ["GameDayTestSupport", "GameDayInjectors", "GameDayCore", "GameDayEngine", "GameDayFaults"], swiftSettings: swiftSettings),
        .testTarget(name: "GameDayProxyTests", dependencies: [
            // Injectors and Engine only for the ProxyInjector tests (ProxyInjector, ProxyToken*), run against a real proxy.
            "GameDayTestSupport",
            "GameDayProxy", "GameDayCore", "GameDayInjectors", "GameDayEngine", "GameDayFaults",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ], swiftSettings: swiftSettings),
        .testTarget(name: "GameDayAlertsTests", dependencies: [
            "GameDayTestSupport", "GameDayAlerts", "GameDayCore", "GameDayEngine", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swiftSettings),
        .testTarget(name: "GameDayHTTPTests", dependencies: [
            "GameDayHTTP", "GameDayTestSupport",
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swiftSettings),
        .testTarget(name: "GameDayCalendarTests", dependencies: ["GameDayCalendar", "GameDayCore", "GameDayTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "GameDayScheduleTests", dependencies: [
            "GameDaySchedule", "GameDayCalendar", "GameDayCore", "GameDayEngine", "GameDayFaults", "GameDayTestSupport",
            .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swiftSettings),
        // The scheduler with real processes: daemons and replicas (PostgreSQL), runs, leases, takeovers (issue 13: long
        // daemon tests out of the unit-test target).
        .testTarget(name: "ScheduleIntegrationTests", dependencies: [
            "GameDaySchedule", "GameDayCalendar", "GameDayCore", "GameDayEngine", "GameDayJournal", "GameDayTestSupport",
            .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swiftSettings),
        .testTarget(name: "GameDayDemoTests", dependencies: [
            "GameDayTestSupport",
            "GameDayDemo",
            .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swiftSettings),
        .testTarget(name: "GameDayConsoleTests", dependencies: [
            "GameDayTestSupport", "GameDayConsole", "GameDayCore",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swiftSettings),
        .testTarget(name: "HostIntegrationTests", dependencies: [
            "GameDayTestSupport",
            "GameDayCore", "GameDayInjectors", "GameDayEngine", "GameDayFaults",
        ], swiftSettings: swiftSettings),
        // Every registered fault kind decodes, validates, resolves, acts, documents itself and round-trips.
        .testTarget(name: "GameDayFaultsTests", dependencies: [
            "GameDayFaults", "GameDayPlan", "GameDayEngine", "GameDayInjectors", "GameDayProxy", "GameDayJournal", "GameDayCore", "GameDayYAML",
            "GameDayTestSupport",
        ], swiftSettings: swiftSettings),
        .testTarget(name: "IntegrationTests", dependencies: [
            "GameDayTestSupport", "GameDayCore",
        ], swiftSettings: swiftSettings),

        // Benchmarks (run by `make bench`; each prints its figures beside its peers').
        .executableTarget(name: "ReportBench", dependencies: ["GameDayReport", "GameDayCore", "GameDayJournal", "GameDayFaults"],
                          path: "Benchmarks/ReportBench", exclude: ["run.sh"], swiftSettings: swiftSettings),
        .executableTarget(name: "ProbeBench", dependencies: ["GameDayProbes", "GameDayCore", "GameDayEngine",
                                                             .product(name: "Logging", package: "swift-log")],
                          path: "Benchmarks/ProbeBench", exclude: ["run.sh"], swiftSettings: swiftSettings),
        .executableTarget(name: "AlertBench", dependencies: ["GameDayAlerts", "GameDayCore", "GameDayEngine",
                                                             .product(name: "Logging", package: "swift-log")],
                          path: "Benchmarks/AlertBench", exclude: ["run.sh"], swiftSettings: swiftSettings),
        .executableTarget(name: "ProxyBench", dependencies: ["GameDayProxy", "GameDayCore",
                          .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
                          path: "Benchmarks/ProxyBench", exclude: ["run.sh"], swiftSettings: swiftSettings),
        .executableTarget(name: "ScheduleBench", dependencies: ["GameDayCalendar", "GameDayCore", "GameDaySchedule", "GameDayTestSupport",
                                                                .product(name: "Logging", package: "swift-log")],
                          path: "Benchmarks/ScheduleBench", exclude: ["run.sh"], swiftSettings: swiftSettings),
        .executableTarget(name: "ReplicaBench", dependencies: ["GameDayCore", "GameDaySchedule", "GameDayTestSupport",
                                                               .product(name: "Logging", package: "swift-log")],
                          path: "Benchmarks/ReplicaBench", exclude: ["run.sh"], swiftSettings: swiftSettings),
        .executableTarget(name: "HostBench", dependencies: ["GameDayInjectors", "GameDayCore", "GameDayEngine", "GameDayFaults"],
                          path: "Benchmarks/HostBench", exclude: ["run.sh"], swiftSettings: swiftSettings),
        .executableTarget(name: "PreflightBench", dependencies: ["GameDayPreflight", "GameDayFaults", "GameDayInjectors", "GameDayCore"],
                          path: "Benchmarks/PreflightBench", exclude: ["run.sh"], swiftSettings: swiftSettings),
        .executableTarget(name: "PlanBench", dependencies: ["GameDayPlan", "GameDayCore"],
                          path: "Benchmarks/PlanBench", exclude: ["run.sh"], swiftSettings: swiftSettings),
    ]
)
