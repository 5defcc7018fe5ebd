import Foundation
import GameDayCore
import GameDayFaults
import GameDayPlan
import Testing

/// disk-fill's decoding and scripts, without touching a disk (the real fill is in HostIntegrationTests).
@Suite struct DiskFillTests {
    static func decode(_ with: String) -> PlanLoader.Result {
        let yaml = [
            "version: 1", "name: fill", "environment: staging",
            "targets:", "  - { name: web-1, tags: { role: web } }",
            "health:", "  - { name: ok, command: [\"true\"], interval: 1s }",
            "timeline: { baseline: 1s, recovery: 1s }",
            "steps:", "  - name: fill", "    at: 0s", "    duration: 10s", "    fault: disk-fill", "    targets: [web-1]",
            "    with: \(with)",
        ].joined(separator: "\n") + "\n"
        return PlanLoader.load(data: Data(yaml.utf8), file: "fill.yaml")
    }

    /// Percent and size decode into the typed amount; K/M/G/T are powers of 1024.
    @Test func decodesPercentOrSize() throws {
        let percent = try #require(Self.decode("{ path: /var/tmp, percent: 90% }").plan?.steps[0].fault.options(as: DiskFill.Options.self))
        #expect(percent == DiskFill.Options(path: "/var/tmp", amount: .percent(90)))
        let size = try #require(Self.decode("{ path: /var/tmp, size: 2G }").plan?.steps[0].fault.options(as: DiskFill.Options.self))
        #expect(size.amount == .bytes(2 << 30))
        let full = try #require(Self.decode("{ path: /data, percent: 100%, allowFull: true }").plan?.steps[0].fault.options(as: DiskFill.Options.self))
        #expect(full.allowFull && full.amount == .percent(100))
    }

    /// Mistakes are reported at their place, with what to write instead.
    @Test(arguments: [
        ("{ percent: 90% }", "missing required key 'path'"),
        ("{ path: var/tmp, percent: 90% }", "path must be an absolute directory"),
        ("{ path: /var/tmp }", "needs exactly one of percent or size"),
        ("{ path: /var/tmp, percent: 50%, size: 1G }", "needs exactly one of percent or size"),
        ("{ path: /var/tmp, percent: 100% }", "set allowFull: true to fill further"),
        ("{ path: /var/tmp, size: lots }", "size must be a positive size such as 512M or 2G"),
        ("{ path: /var/tmp, precent: 5% }", "did you mean 'percent'?"),
    ])
    func reportsMistakes(with: String, message: String) {
        let result = Self.decode(with)
        #expect(result.plan == nil)
        #expect(result.errors.contains { $0.message.contains(message) }, "\(result.errors.map(\.message))")
    }

    /// The inject is valid sh that refuses non-directories and caps at 99 % unless allowed; the revert deletes
    /// exactly the file named after the lease, quoted.
    @Test func scriptsNameOneQuotedFile() async throws {
        let options = DiskFill.Options(path: "/mnt/it's here", amount: .percent(80))
        let commands = DiskFill.commands(options, name: "gameday-r-0-fill-web-1-0123abcd")
        #expect(commands.revert == "rm -f -- '/mnt/it'\\''s here/.gameday-fill-gameday-r-0-fill-web-1-0123abcd'")
        #expect(commands.inject.contains("exit \(DiskFill.notADirectory)"))
        #expect(commands.inject.contains("cap=$(( total * 99 / 100 - used ))"))
        #expect(commands.inject.contains("want=$(( total * 8000 / 10000 - used ))"))
        #expect(commands.summary == "disk-fill: /mnt/it's here to 80%")
        let full = DiskFill.commands(DiskFill.Options(path: "/data", amount: .bytes(512 << 20), allowFull: true), name: "n")
        #expect(full.inject.contains("cap=$(( avail ))") && full.inject.contains("want=524288"))
        #expect(full.summary == "disk-fill: 512M in /data")
        for script in [commands.inject, commands.revert ?? "", full.inject] {
            let status = try await shellParses(script)
            #expect(status == 0, "\(script)")
        }
    }

    /// `sh -n`: syntax only, nothing runs.
    func shellParses(_ script: String) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-n", "-c", script]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
