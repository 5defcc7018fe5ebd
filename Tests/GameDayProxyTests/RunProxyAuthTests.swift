import Foundation
import Testing
import GameDayTestSupport

/// The control APIs of real `gameday run` and `gameday proxy` processes, as another local user would reach them.
struct RunProxyAuthTests {
    /// A run's in-process proxy API needs the run's token: an unauthenticated DELETE of the run's toxic is 401 and the
    /// toxic stays until the run itself removes it; the journal marks the proxy in-process and holds no token.
    @Test func runProxyAPIRequiresTheRunsToken() async throws {
        let dir = try makeTemporaryDirectory("runtoken")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let upstream = try await TestUpstream(.echo)
        let listen = try freeLoopbackPort()
        let plan = """
        version: 1
        name: token-guard
        proxies:
          - { name: dep, listen: "127.0.0.1:\(listen)", upstream: "\(upstream.address)" }
        timeline: { baseline: 0s, recovery: 0s }
        steps:
          - name: slow
            at: 0s
            duration: 8s
            fault: latency
            proxy: dep
            with: { latency: 20ms }

        """
        try plan.write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try GameDayChild(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs"], directory: dir)
        defer { run.kill() }

        // Wait until the run's own injector has added its toxic.
        var runDirectory = ""
        let injected = await eventually(timeout: .seconds(30)) {
            guard let name = try? FileManager.default.contentsOfDirectory(atPath: dir + "/runs").first(where: { !$0.hasPrefix(".") }) else { return false }
            runDirectory = dir + "/runs/" + name
            return journalEvents(runDirectory).contains { $0["type"] as? String == "inject.end" }
        }
        #expect(injected, "the run never injected; stderr: \(run.stderr.suffix(1500))")
        let runID = (runDirectory as NSString).lastPathComponent
        let toxic = "gameday-\(runID)-0"

        // The API is the run's other listening socket.
        let apiPorts = listeningPorts(pid: run.pid).subtracting([listen])
        #expect(apiPorts.count == 1, "expected one API port besides the proxy's \(listen), found \(apiPorts.sorted()); all: \(listeningPorts(pid: run.pid).sorted()); stderr: \(run.stderr.suffix(3000))")
        let apiPort = try #require(apiPorts.first)
        let deleted = try await blocking { try RawHTTP.request(port: apiPort, "DELETE", "/proxies/dep/toxics/\(toxic)") }
        #expect(deleted.status == 401, "unauthenticated DELETE answered \(deleted.status) \(deleted.body)")
        #expect(deleted.body.contains("\"status\":401"))
        let wrong = try await blocking {
            try RawHTTP.request(port: apiPort, "DELETE", "/proxies/dep/toxics/\(toxic)", headers: ["Authorization": "Bearer 0123456789abcdef0123456789abcdef"])
        }
        #expect(wrong.status == 401)
        let exposed = try await blocking {
            try RawHTTP.request(port: apiPort, "POST", "/proxies", body: #"{"name":"open","listen":"127.0.0.1:0","upstream":"127.0.0.1:1"}"#)
        }
        #expect(exposed.status == 401)

        let status = await run.wait(timeout: .seconds(60))
        #expect(status == 0, "exit \(status): \(run.stderr.suffix(1500))")
        let events = journalEvents(runDirectory)
        let reverted = events.first { $0["type"] as? String == "revert.end" }
        let detail = reverted?["detail"] as? String ?? ""
        #expect(detail.contains("removed from proxy dep"), "the toxic must still be there for the run's own revert: \(String(describing: reverted))")
        let journal = try String(contentsOfFile: runDirectory + "/journal.jsonl", encoding: .utf8)
        #expect(journal.contains("\"inProcess\":true"), "the recipe records that the proxy lived in the run's process")
        #expect(journal.range(of: "[0-9a-f]{32}", options: .regularExpression) == nil, "no token-like value in the journal")
        await upstream.close()
    }

    /// A run SIGKILLed mid-fault on its in-process proxy: `gameday recover` reports that the proxy died with the run
    /// (a successful, explained revert, exit 0) instead of failing on the dead port.
    @Test func recoverAfterKilledRunExplainsTheDeadInProcessProxy() async throws {
        let dir = try makeTemporaryDirectory("recoverinproc")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let upstream = try await TestUpstream(.echo)
        let listen = try freeLoopbackPort()
        let plan = """
        version: 1
        name: killed-with-proxy
        proxies:
          - { name: dep, listen: "127.0.0.1:\(listen)", upstream: "\(upstream.address)" }
        timeline: { baseline: 0s, recovery: 0s }
        steps:
          - name: slow
            at: 0s
            duration: 60s
            fault: latency
            proxy: dep
            with: { latency: 20ms }

        """
        try plan.write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try GameDayChild(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs"], directory: dir)
        defer { run.kill() }
        var runDirectory = ""
        let injected = await eventually(timeout: .seconds(30)) {
            guard let name = try? FileManager.default.contentsOfDirectory(atPath: dir + "/runs").first(where: { !$0.hasPrefix(".") }) else { return false }
            runDirectory = dir + "/runs/" + name
            return journalEvents(runDirectory).contains { $0["type"] as? String == "inject.end" }
        }
        #expect(injected, "the run never injected; stderr: \(run.stderr.suffix(1500))")
        run.kill()

        let recover = try GameDayChild(["recover", "--runs-dir", dir + "/runs"], directory: dir)
        let status = await recover.wait(timeout: .seconds(60))
        #expect(status == 0, "recover exit \(status): \(recover.stdout.suffix(800)) \(recover.stderr.suffix(1500))")
        let reverted = journalEvents(runDirectory).filter { $0["type"] as? String == "revert.end" }
        #expect(reverted.count == 1)
        #expect(reverted.first?["ok"] as? Bool == true, "\(reverted)")
        let detail = reverted.first?["detail"] as? String ?? ""
        #expect(detail.contains("the in-process proxy died with the run; nothing left to revert"), "\(reverted)")
        await upstream.close()
    }

    /// `gameday proxy --token-env VAR` takes the token from VAR: requests without it are 401, with it 200; an unset
    /// VAR stops the daemon with a message naming it.
    @Test func daemonTokenFromEnvironment() async throws {
        let dir = try makeTemporaryDirectory("tokenenv")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let token = "b7c1d2e3f4a5968778695a4b3c2d1e0f"
        let daemon = try GameDayChild(["proxy", "--port", "0", "--token-env", "GD_TEST_PROXY_TOKEN", "--log-level", "error"],
                                      directory: dir, environment: ["GD_TEST_PROXY_TOKEN": token])
        defer { daemon.kill() }
        var port = 0
        let started = await eventually(timeout: .seconds(20)) {
            guard let range = daemon.stdout.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else { return !daemon.process.isRunning }
            port = Int(daemon.stdout[range].split(separator: ":").last ?? "") ?? 0
            return true
        }
        #expect(started && port > 0, "daemon did not start: \(daemon.stderr.suffix(800))")
        let apiPort = port
        guard apiPort > 0 else { return }
        #expect(try await blocking { try RawHTTP.request(port: apiPort, "GET", "/proxies") }.status == 401)
        #expect(try await blocking { try RawHTTP.request(port: apiPort, "GET", "/proxies", headers: ["Authorization": "Bearer \(token)"]) }.status == 200)
        daemon.kill()

        let unset = try GameDayChild(["proxy", "--port", "0", "--token-env", "GD_TEST_UNSET_VARIABLE"], directory: dir)
        defer { unset.kill() }
        let status = await unset.wait(timeout: .seconds(20))
        #expect(status != 0)
        #expect(unset.stderr.contains("GD_TEST_UNSET_VARIABLE"), "stderr: \(unset.stderr.suffix(500))")
    }
}
