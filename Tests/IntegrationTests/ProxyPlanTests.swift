import Foundation
import Testing
import GameDayTestSupport

/// A loopback HTTP upstream the test starts (python's http.server), with its port.
final class Upstream {
    let process = Process()
    let port: Int

    init(directory: String) throws {
        port = try freeLoopbackPort()
        try "ok\n".write(toFile: directory + "/index.html", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", directory]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func stop() {
        // SIGKILL: children of the test process inherit a signal mask in which SIGTERM may be blocked.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// Whether something accepts TCP connections on 127.0.0.1:port (a blocking connect to loopback returns at once).
func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

struct ProxyPlanTests {
    /// A plan's proxy started by the run itself slows the dependency during the step only; marks typed on stdin land
    /// in the journal.
    @Test func runStartedProxyLatencyStep() async throws {
        let dir = try temporaryDirectory("proxyplan")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let upstream = try Upstream(directory: dir)
        defer { upstream.stop() }
        #expect(await eventually(timeout: .seconds(20)) { canConnect(port: upstream.port) }, "the upstream never listened")
        let listen = try freeLoopbackPort()
        let plan = """
        version: 1
        name: slow-upstream
        proxies:
          - { name: dep, listen: "127.0.0.1:\(listen)", upstream: "127.0.0.1:\(upstream.port)" }
        health:
          - name: via-proxy
            http: { url: "http://127.0.0.1:\(listen)/index.html", bodyContains: ok }
            interval: 200ms
            timeout: 2s
        hypothesis:
          - { check: via-proxy, availability: 100% }
        timeline: { baseline: 1s, recovery: 1s }
        steps:
          - name: slow
            at: 0s
            duration: 2s
            fault: latency
            proxy: dep
            with: { latency: 300ms }

        """
        try plan.write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try GameDayProcess(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--read-marks"], stdin: "n checking the proxy\nd\n")
        let status = await run.wait(timeout: .seconds(60))
        #expect(status == 0, "exit \(status): \(run.stderr)")
        let runDir = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let events = journalLines(runDir)
        let phaseAt: (String) -> Int = { name in events.first { $0["type"] as? String == "phase" && $0["phase"] as? String == name }?["t"] as? Int ?? 0 }
        let injectAt = events.first { $0["type"] as? String == "inject.end" }?["t"] as? Int ?? 0
        let revertAt = events.first { $0["type"] as? String == "revert.end" }?["t"] as? Int ?? 0
        let revertBeginAt = events.first { $0["type"] as? String == "revert.begin" }?["t"] as? Int ?? 0
        let samples = events.filter { $0["type"] as? String == "probe" }
        // Probes wholly under the toxic: begun after the inject settled, and at least one toxic delay (plus margin)
        // before the revert began; a request still in flight when the toxic is removed is released at once, shorter.
        let slow = samples.filter { ($0["t"] as? Int ?? 0) > injectAt + 400 && ($0["t"] as? Int ?? 0) < revertBeginAt - 350 }.compactMap { $0["ms"] as? Double }
        let fast = samples.filter { ($0["t"] as? Int ?? 0) < phaseAt("chaos") || ($0["t"] as? Int ?? 0) > revertAt + 400 }.compactMap { $0["ms"] as? Double }
        #expect(!slow.isEmpty && !fast.isEmpty)
        #expect(slow.allSatisfy { $0 >= 290 }, "during the step every probe waits for the 300 ms toxic: \(slow)")
        #expect(fast.allSatisfy { $0 < 250 }, "outside the step the proxy adds no latency: \(fast)")
        let marks = events.filter { $0["type"] as? String == "mark" }
        #expect(marks.map { $0["kind"] as? String } == ["note", "detected"])
        #expect(marks.first?["text"] as? String == "checking the proxy")
    }
}
