import Foundation
import Testing
import GameDayTestSupport

/// `gameday preflight` against a real `gameday proxy` API and real health checks on loopback.
struct PreflightProxyTests {
    /// A proxy API without the plan's proxy and a check nobody answers are each reported (exit 1); once the proxy
    /// exists and the dead check is gone, the plan is ready (exit 0).
    @Test func proxyAPIAndChecks() async throws {
        let dir = try temporaryDirectory("preflight-proxy")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let upstream = try Upstream(directory: dir)
        defer { upstream.stop() }
        let apiPort = try freeLoopbackPort()
        let daemon = try GameDayProcess(["proxy", "--port", String(apiPort)])
        defer { kill(daemon.pid, SIGKILL) }
        #expect(await eventually(timeout: .seconds(20)) { canConnect(port: apiPort) && canConnect(port: upstream.port) })
        let dead = try freeLoopbackPort()
        func plan(deadCheck: Bool) -> String {
            """
            version: 1
            name: preflight-proxy
            proxies:
              - { name: dep, api: "http://127.0.0.1:\(apiPort)" }
            health:
              - name: upstream
                http: { url: "http://127.0.0.1:\(upstream.port)/index.html" }
            \(deadCheck ? "  - name: nobody\n    tcp: \"127.0.0.1:\(dead)\"\n" : "")timeline: { baseline: 1s, recovery: 1s }
            steps:
              - { name: slow, at: 0s, duration: 2s, fault: latency, proxy: dep, with: { latency: 100ms } }

            """
        }
        try plan(deadCheck: true).write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let first = try await GameDayProcess.run(["preflight", dir + "/plan.yaml", "--runs-dir", dir + "/runs"])
        #expect(first.status == 1, "\(first.stdout) \(first.stderr)")
        #expect(first.stdout.contains("✗ proxy dep"), "\(first.stdout)")
        #expect(first.stdout.contains("has no proxy named dep"), "\(first.stdout)")
        #expect(first.stdout.contains("✗ check nobody"), "\(first.stdout)")
        #expect(first.stdout.contains("✔ check upstream"), "\(first.stdout)")

        // Create the proxy through the API, as toxiproxy-cli would.
        let listen = try freeLoopbackPort()
        let created = try await GameDayProcess.runTool(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json",
            "-d", #"{"name":"dep","listen":"127.0.0.1:\#(listen)","upstream":"127.0.0.1:\#(upstream.port)"}"#,
            "http://127.0.0.1:\(apiPort)/proxies"])
        #expect(created == "201")

        try plan(deadCheck: false).write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let second = try await GameDayProcess.run(["preflight", dir + "/plan.yaml", "--runs-dir", dir + "/runs"])
        #expect(second.status == 0, "\(second.stdout) \(second.stderr)")
        #expect(second.stdout.contains("✔ proxy dep"), "\(second.stdout)")
        #expect(second.stdout.split(separator: "\n").last?.hasPrefix("ready: ") == true, "\(second.stdout)")
    }
}

extension GameDayProcess {
    /// Runs a tool (not gameday) to its end and returns its standard output.
    static func runTool(_ argv: [String]) async throws -> String {
        let process = Process()
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
