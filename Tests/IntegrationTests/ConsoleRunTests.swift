import Foundation
import Testing
import GameDayTestSupport

/// The console's links as `gameday run --console` printed them on stderr (role -> (host:port, token)).
func consoleLinks(_ stderr: String) -> [String: (address: String, token: String)] {
    var links: [String: (String, String)] = [:]
    for line in stderr.split(separator: "\n") where line.hasPrefix("gameday: console ") {
        let words = line.split(separator: " ")
        guard words.count == 4, let url = words.last, url.hasPrefix("http://"), let hash = url.range(of: "/#k=") else { continue }
        links[String(words[2])] = (String(url[url.index(url.startIndex, offsetBy: 7)..<hash.lowerBound]), String(url[hash.upperBound...]))
    }
    return links
}

/// One request with the curl client: status and body.
func curl(_ arguments: [String], timeout: Int = 10) throws -> (status: Int, body: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["-s", "--max-time", "\(timeout)", "-w", "\n%{http_code}"] + arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    let lastNewline = text.lastIndex(of: "\n") ?? text.startIndex
    return (Int(text[text.index(after: lastNewline)...]) ?? 0, String(text[..<lastNewline]))
}

/// The `data:` lines of a server-sent-event stream that are journal events, as JSON objects.
func sseJournalEvents(_ body: String) -> [[String: Any]] {
    var events: [[String: Any]] = []
    var isJournal = false
    for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
        if line == "event: journal" { isJournal = true } else if line.isEmpty { isJournal = false }
        if isJournal, line.hasPrefix("data: "),
           let object = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any] {
            events.append(object)
        }
    }
    return events
}

@Suite(.serialized)
struct ConsoleRunTests {
    /// A real run's console: three labelled links; the SSE stream replays the whole run to a late joiner and follows it
    /// to run.end; bad or missing tokens, observers and bad bodies are refused with nothing journaled; a participant's
    /// "detected" lands in the journal with name and role; the facilitator's abort reverts everything and exits 3.
    @Test(.timeLimit(.minutes(2)))
    func marksTokensAndAbort() async throws {
        let dir = try temporaryDirectory("console-run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        try stopPlan(pidFile: victim.pidFile).write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try GameDayProcess(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input", "--console", "127.0.0.1:0"])
        defer { if run.process.isRunning { kill(run.pid, SIGKILL) } }
        #expect(await eventually { consoleLinks(run.stderr).count == 3 }, "no console links; stderr: \(run.stderr)")
        let links = consoleLinks(run.stderr)
        #expect(Set(links.keys) == ["facilitator", "participant", "observer"])
        let address = try #require(links["observer"]?.address)
        let facilitator = try #require(links["facilitator"]?.token), participant = try #require(links["participant"]?.token)
        let observer = try #require(links["observer"]?.token)
        #expect(Set([facilitator, participant, observer]).count == 3)
        #expect(await eventually { victim.state == "T" }, "the fault never started; stderr: \(run.stderr)")

        // A late joiner's stream, open until the run ends (the server closes it then).
        let stream = Task.detached { try curl(["-N", "http://\(address)/api/events?k=\(observer)"], timeout: 90) }

        let base = "http://\(address)"
        let mark = #"{"kind":"detected","name":"Ana"}"#
        #expect(try curl([base + "/api/session"]).body.contains(#""role":"observer""#), "token-less reads on loopback are an observer's")
        #expect(try curl([base + "/api/session?k=nope"]).status == 401)
        #expect(try curl(["-X", "POST", "--data-binary", mark, base + "/api/mark"]).status == 401, "no token")
        #expect(try curl(["-X", "POST", "-H", "X-GameDay-Token: wrong", "--data-binary", mark, base + "/api/mark"]).status == 401)
        #expect(try curl(["-X", "POST", "--data-binary", mark, base + "/api/mark?k=\(participant)"]).status == 401,
                "a token in the query never authorizes a POST (a link click must not act)")
        #expect(try curl(["-X", "POST", "-H", "X-GameDay-Token: \(observer)", "--data-binary", mark, base + "/api/mark"]).status == 403)
        #expect(try curl(["-X", "GET", "-H", "X-GameDay-Token: \(participant)", base + "/api/mark"]).status / 100 == 4, "marks are POSTs only")
        #expect(try curl(["-X", "POST", "-H", "X-GameDay-Token: \(participant)", "--data-binary", "{not json", base + "/api/mark"]).status == 400)
        let oversized = "{\"kind\":\"note\",\"name\":\"Ana\",\"text\":\"" + String(repeating: "x", count: 8000) + "\"}"
        #expect(try curl(["-X", "POST", "-H", "X-GameDay-Token: \(participant)", "--data-binary", oversized, base + "/api/mark"]).status == 413)
        #expect(try curl(["-X", "POST", "-H", "X-GameDay-Token: \(participant)", "--data-binary", #"{"name":"Ana"}"#, base + "/api/abort"]).status == 403)
        let runDir = try #require(runDirectories(dir + "/runs").first)
        #expect(!journalLines(runDir).contains { $0["type"] as? String == "mark" }, "a refused request journaled something")

        let accepted = try curl(["-X", "POST", "-H", "X-GameDay-Token: \(participant)", "--data-binary", mark, base + "/api/mark"])
        #expect(accepted.status == 202, "\(accepted)")
        #expect(await eventually {
            journalLines(runDir).contains { $0["type"] as? String == "mark" && $0["kind"] as? String == "detected" && $0["by"] as? String == "Ana" && $0["role"] as? String == "participant" }
        })
        let abort = try curl(["-X", "POST", "-H", "X-GameDay-Token: \(facilitator)", "--data-binary", #"{"name":"Fay"}"#, base + "/api/abort"])
        #expect(abort.status == 202, "\(abort)")

        let status = await run.wait(timeout: .seconds(60))
        #expect(status == 3, "abort must exit 3 like SIGINT; stderr: \(run.stderr.suffix(2000))")
        #expect(victim.state != "T", "the fault is still applied after the abort")
        let events = journalLines(runDir)
        #expect(events.filter { $0["type"] as? String == "mark" }.count == 1)
        #expect(events.contains { $0["type"] as? String == "signal" && ($0["name"] as? String ?? "").contains("Fay, facilitator") })
        #expect(events.first { $0["type"] as? String == "revert.begin" }?["reason"] as? String == "signal")
        #expect(events.first { $0["type"] as? String == "revert.end" }?["ok"] as? Bool == true)
        #expect(events.last?["status"] as? String == "interrupted")
        let postmortem = try String(contentsOfFile: runDir + "/postmortem.md", encoding: .utf8)
        #expect(postmortem.contains("operator: detected (by Ana, participant)"))
        // The chart the postmortem links sits beside it, and `gameday report` re-renders it byte for byte.
        #expect(postmortem.contains("](chart-always-ok.svg)"))
        let chart = try Data(contentsOf: URL(fileURLWithPath: runDir + "/chart-always-ok.svg"))
        #expect(String(decoding: chart, as: UTF8.self).hasPrefix("<svg "))
        try FileManager.default.removeItem(atPath: runDir + "/chart-always-ok.svg")
        let report = try await GameDayProcess.run(["report", runDir])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: runDir + "/chart-always-ok.svg")) == chart)
        #expect(try String(contentsOfFile: runDir + "/postmortem.md", encoding: .utf8) == postmortem)

        // The stream the late joiner held: the whole journal, in order, from run.start to run.end.
        let sse = try await stream.value
        #expect(sse.status == 200)
        let streamed = sseJournalEvents(sse.body)
        #expect(streamed.compactMap { $0["seq"] as? Int } == events.compactMap { $0["seq"] as? Int }, "the stream is not the journal")
        #expect(streamed.first?["type"] as? String == "run.start")
        #expect(streamed.last?["type"] as? String == "run.end")
        #expect(sse.body.contains("event: clock"))
    }

    /// `gameday console RUN_DIR` follows a run started by another process, from its first event to run.end, and is
    /// read-only (marks are refused with 409, nothing journaled); SIGINT stops it with exit 0.
    @Test(.timeLimit(.minutes(2)))
    func followsARunStartedElsewhere() async throws {
        let dir = try temporaryDirectory("console-follow")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        try stopPlan(pidFile: victim.pidFile, duration: "3s").write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try GameDayProcess(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input"])
        defer { if run.process.isRunning { kill(run.pid, SIGKILL) } }
        #expect(await eventually { victim.state == "T" })
        let runDir = try #require(runDirectories(dir + "/runs").first)
        let console = try GameDayProcess(["console", runDir, "--listen", "127.0.0.1:0"])
        defer { if console.process.isRunning { kill(console.pid, SIGKILL) } }
        #expect(await eventually { consoleLinks(console.stderr).count == 3 }, "stderr: \(console.stderr)")
        let links = consoleLinks(console.stderr)
        let address = try #require(links["participant"]?.address), participant = try #require(links["participant"]?.token)

        let refused = try curl(["-X", "POST", "-H", "X-GameDay-Token: \(participant)", "--data-binary", #"{"kind":"detected","name":"Ana"}"#,
                                "http://\(address)/api/mark"])
        #expect(refused.status == 409 && refused.body.contains("read-only"), "\(refused)")
        // Held open while the run goes on; the run ends within seconds, the stream is cut by curl's own limit.
        let sse = try curl(["-N", "http://\(address)/api/events"], timeout: 8)
        #expect(await run.wait(timeout: .seconds(30)) == 0, "stderr: \(run.stderr.suffix(1500))")
        let streamed = sseJournalEvents(sse.body)
        let journal = journalLines(runDir)
        #expect(streamed.first?["type"] as? String == "run.start")
        #expect(streamed.last?["type"] as? String == "run.end", "the follower never saw the run end")
        #expect(streamed.compactMap { $0["seq"] as? Int } == journal.compactMap { $0["seq"] as? Int })
        #expect(!journal.contains { $0["type"] as? String == "mark" })
        kill(console.pid, SIGINT)
        #expect(await console.wait(timeout: .seconds(10)) == 0, "stderr: \(console.stderr)")
    }

    /// A console on a port already in use stops the run before anything is touched (exit 2, no run directory).
    @Test func portInUseStopsTheRun() async throws {
        let dir = try temporaryDirectory("console-busy")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        try stopPlan(pidFile: victim.pidFile).write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        // Something else listens on the port: a console following an (empty) journal.
        try "".write(toFile: dir + "/journal.jsonl", atomically: true, encoding: .utf8)
        let listener = try GameDayProcess(["console", dir, "--listen", "127.0.0.1:0"])
        defer { kill(listener.pid, SIGINT); listener.process.waitUntilExit() }
        #expect(await eventually { consoleLinks(listener.stderr).count == 3 })
        let address = try #require(consoleLinks(listener.stderr)["observer"]?.address)
        let run = try await GameDayProcess.run(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input", "--console", address],
                                               timeout: .seconds(30))
        #expect(run.status == 2, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("the console cannot listen on"), "\(run.stderr)")
        #expect(runDirectories(dir + "/runs").isEmpty)
        #expect(victim.state != "T")
    }
}

@Suite(.serialized)
struct BlindDrillRunTests {
    /// A blind run: the participant's every response (session, stream, runbook) and the terminal never name the
    /// fault, step, target or plan; diagnoses are journaled; only the facilitator judges; the postmortem reveals it
    /// all with the time to diagnose and the wrong turns.
    @Test(.timeLimit(.minutes(2)))
    func participantsNeverSeeTheFault() async throws {
        let dir = try temporaryDirectory("console-blind")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        let plan = stopPlan(pidFile: victim.pidFile).replacingOccurrences(of: "environment: staging", with: "environment: staging\nrunbook: frozen-process-runbook.md")
        try plan.write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        try "# When a process is frozen\n1. Send SIGCONT.\n".write(toFile: dir + "/frozen-process-runbook.md", atomically: true, encoding: .utf8)
        let run = try GameDayProcess(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input", "--blind", "--console", "127.0.0.1:0"])
        defer { if run.process.isRunning { kill(run.pid, SIGKILL) } }
        #expect(await eventually { consoleLinks(run.stderr).count == 3 }, "stderr: \(run.stderr)")
        let links = consoleLinks(run.stderr)
        let base = "http://" + (try #require(links["participant"]?.address))
        let participant = try #require(links["participant"]?.token), facilitator = try #require(links["facilitator"]?.token)
        #expect(await eventually { victim.state == "T" })
        let runDir = try #require(runDirectories(dir + "/runs").first)
        #expect(await eventually { journalLines(runDir).contains { $0["type"] as? String == "probe" && ($0["t"] as? Int ?? 0) > 1000 } })

        let participantStream = Task.detached { try curl(["-N", "\(base)/api/events?k=\(participant)"], timeout: 90) }
        let observerStream = Task.detached { try curl(["-N", "\(base)/api/events"], timeout: 90) }
        let session = try curl(["\(base)/api/session?k=\(participant)"])
        #expect(session.body.contains(#""blind":true"#))
        let runbook = try curl(["\(base)/api/runbook?k=\(participant)"])
        #expect(runbook.status == 404)
        #expect(try curl(["\(base)/api/runbook?k=\(facilitator)"]).body.contains("Send SIGCONT"), "the facilitator keeps the runbook")

        func post(_ token: String, _ body: String) throws -> (status: Int, body: String) {
            try curl(["-X", "POST", "-H", "X-GameDay-Token: \(token)", "--data-binary", body, "\(base)/api/mark"])
        }
        #expect(try post(participant, #"{"kind":"diagnosis","text":"the database is slow","name":"Ana"}"#).status == 202)
        #expect(try post(participant, #"{"kind":"diagnosis","text":"a process is frozen","name":"Bo"}"#).status == 202)
        #expect(await eventually { journalLines(runDir).filter { $0["kind"] as? String == "diagnosis" }.count == 2 })
        let right = try #require(journalLines(runDir).first { $0["text"] as? String == "a process is frozen" }?["seq"] as? Int)
        #expect(try post(participant, #"{"kind":"correct","ref":\#(right),"name":"Ana"}"#).status == 403, "participants cannot judge")
        #expect(try post(facilitator, #"{"kind":"correct","ref":\#(right),"name":"Fay"}"#).status == 202)
        #expect(await eventually { journalLines(runDir).contains { $0["kind"] as? String == "correct" && $0["ref"] as? Int == right } })
        let terminal = run.stderr
        #expect(try curl(["-X", "POST", "-H", "X-GameDay-Token: \(facilitator)", "--data-binary", #"{"name":"Fay"}"#, "\(base)/api/abort"]).status == 202)
        #expect(await run.wait(timeout: .seconds(60)) == 3)

        // What must never reach a participant, an observer or the terminal while the drill runs.
        let secrets = ["stop-victim", "victim", "freeze", "node-loss", "SIGSTOP", "frozen-process", "SIGCONT"]
        let streams = [try await participantStream.value.body, try await observerStream.value.body]
        for (name, text) in [("participant stream", streams[0]), ("observer stream", streams[1]), ("session", session.body),
                             ("runbook", runbook.body), ("terminal", terminal)] {
            for secret in secrets { #expect(!text.contains(secret), "\(name) names '\(secret)'") }
        }
        let seen = sseJournalEvents(streams[0])
        #expect(seen.contains { $0["type"] as? String == "health" || $0["type"] as? String == "probe" }, "the participant saw no health")
        #expect(seen.filter { $0["kind"] as? String == "diagnosis" }.count == 2)
        #expect(seen.last?["type"] as? String == "run.end")

        let postmortem = try String(contentsOfFile: runDir + "/postmortem.md", encoding: .utf8)
        #expect(postmortem.contains("## Blind drill: time to diagnose"))
        #expect(postmortem.contains("| freeze |") && postmortem.contains("| Bo | a process is frozen |"), "\(postmortem)")
        #expect(postmortem.contains("Wrong turns (1):") && postmortem.contains("Ana: the database is slow"))
    }
}
