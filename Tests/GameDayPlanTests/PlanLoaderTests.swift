import Foundation
import GameDayCore
import GameDayFaults
import Testing
@testable import GameDayPlan

/// A minimal valid plan; malformed variants are built by replacing parts of it.
let validPlan = """
version: 1
name: checkout-node-loss
description: Lose one replica.
environment: staging
seed: 42
targets:
  - name: web-1
    address: 127.0.0.1
    tags: { role: web, zone: a }
    process: { pidFile: /run/web-1.pid }
  - name: web-2
    address: 127.0.0.1
    tags: { role: web, zone: b }
    process: { pidFile: /run/web-2.pid }
  - name: web-3
    address: 127.0.0.1
    tags: { role: web, zone: b }
    process: { pidFile: /run/web-3.pid }
proxies:
  - name: payments-db
    listen: 127.0.0.1:16432
    upstream: 127.0.0.1:5432
health:
  - name: storefront
    http: { url: "http://127.0.0.1:8080/health", expectStatus: [200], bodyContains: ok }
    interval: 1s
    timeout: 2s
    failuresToUnhealthy: 3
    successesToHealthy: 2
hypothesis:
  - check: storefront
    availability: 99%
    latencyP99: 300ms
guardrails:
  - { check: storefront, unhealthyFor: 30s }
  - { check: storefront, availabilityBelow: 50%, window: 60s }
timeline: { baseline: 10s, recovery: 30s }
steps:
  - name: lose-one-web
    at: 0s
    duration: 60s
    fault: node-loss
    targets: { tags: { role: web }, count: 1 }
    with: { signal: KILL }
  - name: slow-payments
    at: 20s
    duration: 30s
    fault: latency
    proxy: payments-db
    with: { latency: 400ms, jitter: 50ms, stream: downstream, toxicity: 1.0 }

"""

func load(_ text: String, environment: [String: String] = [:]) -> PlanLoader.Result {
    PlanLoader.load(data: Data(text.utf8), file: "plan.yaml", environment: environment)
}

func replacing(_ old: String, with new: String) -> String {
    precondition(validPlan.contains(old), "fixture does not contain \(old)")
    return validPlan.replacingOccurrences(of: old, with: new)
}

struct PlanLoaderTests {
    /// The design's example plan decodes into the expected typed values.
    @Test func validPlanDecodes() throws {
        let result = load(validPlan)
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        let plan = try #require(result.plan)
        #expect(plan.name == "checkout-node-loss")
        #expect(plan.seed == 42)
        #expect(plan.targets.count == 3)
        #expect(plan.targets[0].process == ProcessSelector(pidFile: "/run/web-1.pid"))
        #expect(plan.health[0].interval == .seconds(1))
        #expect(plan.hypothesis[0].availability == 99)
        #expect(plan.hypothesis[0].latencyP99 == .milliseconds(300))
        #expect(plan.guardrails[1].condition == .availabilityBelow(percent: 50, window: .seconds(60)))
        #expect(plan.timeline == Timeline(baseline: .seconds(10), recovery: .seconds(30)))
        #expect(plan.steps[0].fault == .nodeLoss(NodeLossFault(signal: .KILL)))
        #expect(plan.steps[0].targets?.pick == .count(1))
        guard let proxy = plan.steps[1].fault.options(as: ProxyToxicOptions.self) else { Issue.record("expected a proxy fault"); return }
        #expect(plan.steps[1].fault.kind == ProxyLatency.id)
        #expect(proxy.attributes["latency"] == .number(400))
        #expect(proxy.attributes["jitter"] == .number(50))
    }

    /// Each malformed plan yields the expected message at the expected line and column.
    @Test(arguments: MalformedCase.all)
    func malformedPlanIsReported(_ c: MalformedCase) {
        let result = load(c.yaml)
        #expect(result.plan == nil, "\(c.name): expected the plan to be rejected")
        let match = result.errors.first { $0.message.contains(c.message) }
        #expect(match != nil, "\(c.name): no error containing \"\(c.message)\" in \(result.errors.map(\.description))")
        if let match {
            #expect(match.line == c.line, "\(c.name): \(match)")
            if let column = c.column { #expect(match.column == column, "\(c.name): \(match)") }
            #expect(match.description.hasPrefix("plan.yaml:\(match.line):\(match.column): error: "))
        }
    }

    /// Several independent problems are all reported in one pass, in file order.
    @Test func reportsEveryProblemAtOnce() {
        var yaml = replacing("interval: 1s", with: "interval: fast")
        yaml = yaml.replacingOccurrences(of: "availability: 99%", with: "availability: 120%")
        yaml = yaml.replacingOccurrences(of: "fault: node-loss", with: "fault: node-los")
        let result = load(yaml)
        #expect(result.errors.count >= 3, "\(result.errors)")
        let lines = result.errors.map(\.line)
        #expect(lines == lines.sorted())
    }

    /// `${VAR}` and `${VAR:-default}` expand from the environment; an unset variable without default is an error.
    @Test func expandsEnvironmentVariables() throws {
        let yaml = replacing("pidFile: /run/web-1.pid", with: "pidFile: \"${DIR}/web-1.pid\"")
            .replacingOccurrences(of: "pidFile: /run/web-2.pid", with: "pidFile: \"${OTHER:-/tmp}/web-2.pid\"")
        let plan = try #require(load(yaml, environment: ["DIR": "/srv"]).plan)
        #expect(plan.targets[0].process?.pidFile == "/srv/web-1.pid")
        #expect(plan.targets[1].process?.pidFile == "/tmp/web-2.pid")
        let missing = load(yaml)
        #expect(missing.errors.contains { $0.message.contains("environment variable DIR") && $0.line == 10 })
    }

    /// Every file in scenarios/ is a valid plan (inventory files are loaded through the plans that use them).
    @Test func scenariosAreValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let directory = root.appendingPathComponent("scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".yaml") && !$0.hasPrefix("schedule") }.sorted()
        #expect(files.count >= 3)
        let environment = ["GAMEDAY_DEMO_R1_PIDFILE": "/tmp/r1.pid", "GAMEDAY_DEMO_R2_PIDFILE": "/tmp/r2.pid",
                           "GAMEDAY_DEMO_R3_PIDFILE": "/tmp/r3.pid", "GAMEDAY_DEMO_PROXY_API": "http://127.0.0.1:8474",
                           "GAMEDAY_DEMO_BALANCER": "http://127.0.0.1:8080", "GAMEDAY_DEMO_R1_URL": "http://127.0.0.1:8081",
                           "GAMEDAY_DEMO_R2_URL": "http://127.0.0.1:8082", "GAMEDAY_DEMO_R3_URL": "http://127.0.0.1:8083"]
        for file in files {
            let result = PlanLoader.load(path: directory.appendingPathComponent(file).path, environment: environment)
            #expect(result.errors.isEmpty, "\(file): \(result.errors.map(\.description))")
            #expect(result.plan != nil, "\(file) did not load")
        }
    }
}

/// One malformed plan and what `gameday validate` must say about it.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    let name: String
    let yaml: String
    let message: String
    let line: Int
    let column: Int?

    var testDescription: String { name }

    static let all: [MalformedCase] = [
        MalformedCase(name: "empty file", yaml: "", message: "file is empty", line: 1, column: 1),
        MalformedCase(name: "only a comment", yaml: "# nothing\n", message: "no YAML document", line: 1, column: 1),
        MalformedCase(name: "binary", yaml: "version: 1\nname: x\u{0}\u{1}\u{2}", message: "binary data", line: 2, column: 8),
        MalformedCase(name: "yaml syntax", yaml: "version: 1\nname: [unclosed\nsteps: []\n", message: "YAML syntax error", line: 3, column: 6),
        MalformedCase(name: "tab indentation", yaml: "version: 1\nsteps:\n\t- name: x\n", message: "YAML syntax error", line: 3, column: nil),
        MalformedCase(name: "top level is a list", yaml: "- version: 1\n", message: "the plan must be a mapping, found a list", line: 1, column: 1),
        MalformedCase(name: "misspelt top-level key", yaml: replacing("guardrails:", with: "gaurdrails:"), message: "unknown key 'gaurdrails' in the plan; did you mean 'guardrails'?", line: 34, column: 1),
        MalformedCase(name: "unsupported version", yaml: replacing("version: 1", with: "version: 2"), message: "unsupported plan version 2", line: 1, column: 10),
        MalformedCase(name: "bad name", yaml: replacing("name: checkout-node-loss", with: "name: Checkout Node Loss"), message: "name must be 1-63 characters", line: 2, column: 7),
        MalformedCase(name: "bad environment", yaml: replacing("environment: staging", with: "environment: prod"), message: "environment must be staging or production, found 'prod'; did you mean 'production'?", line: 4, column: 14),
        MalformedCase(name: "wrong type for targets", yaml: replacing("targets:\n  - name: web-1", with: "targets: web-1\nx:\n  - name: web-1"), message: "targets must be a list, found a string", line: 6, column: 10),
        MalformedCase(name: "duration without unit", yaml: replacing("interval: 1s", with: "interval: 5"), message: "interval must be a duration such as 250ms, 10s, 5m or 1h, found '5' (add a unit", line: 26, column: 15),
        MalformedCase(name: "zero duration", yaml: replacing("duration: 60s", with: "duration: 0s"), message: "duration must be greater than zero", line: 41, column: 15),
        MalformedCase(name: "negative duration", yaml: replacing("at: 20s", with: "at: -5s"), message: "at must not be negative", line: 46, column: 9),
        MalformedCase(name: "percent above 100", yaml: replacing("availability: 99%", with: "availability: 101%"), message: "availability must be between 0% and 100%", line: 32, column: 19),
        MalformedCase(name: "percent without sign", yaml: replacing("availability: 99%", with: "availability: 99"), message: "availability must be a percentage such as 99% or 99.5%", line: 32, column: 19),
        MalformedCase(name: "undefined check in hypothesis", yaml: replacing("  - check: storefront\n    availability", with: "  - check: storefrnt\n    availability"), message: "refers to health check 'storefrnt', which is not defined; did you mean 'storefront'?", line: 31, column: 12),
        MalformedCase(name: "undefined check in guardrail", yaml: replacing("{ check: storefront, unhealthyFor: 30s }", with: "{ check: checkout, unhealthyFor: 30s }"), message: "refers to health check 'checkout', which is not defined", line: 35, column: 14),
        MalformedCase(name: "undefined proxy", yaml: replacing("proxy: payments-db", with: "proxy: payments"), message: "uses proxy 'payments', which is not defined under proxies; did you mean 'payments-db'?", line: 49, column: 12),
        MalformedCase(name: "unknown fault", yaml: replacing("fault: node-loss", with: "fault: node-los"), message: "unknown fault 'node-los' in step 'lose-one-web'; did you mean 'node-loss'?", line: 42, column: 12),
        MalformedCase(name: "unknown with key", yaml: replacing("with: { signal: KILL }", with: "with: { sinal: KILL }"), message: "unknown key 'sinal' in 'with' of step 'lose-one-web' (fault node-loss); did you mean 'signal'?", line: 44, column: 13),
        MalformedCase(name: "bad signal", yaml: replacing("signal: KILL", with: "signal: HUP"), message: "signal must be KILL, TERM or STOP, found 'HUP'", line: 44, column: 21),
        MalformedCase(name: "unknown target name", yaml: replacing("targets: { tags: { role: web }, count: 1 }", with: "targets: { names: [web-9] }"), message: "step 'lose-one-web' targets 'web-9', which is not in the inventory; did you mean 'web-1'?", line: 43, column: 23),
        MalformedCase(name: "tags match nothing", yaml: replacing("targets: { tags: { role: web }, count: 1 }", with: "targets: { tags: { role: db }, count: 1 }"), message: "match no target in the inventory", line: 43, column: 14),
        MalformedCase(name: "blast radius", yaml: replacing("targets: { tags: { role: web }, count: 1 }", with: "targets: { tags: { role: web }, all: true }"), message: "would hit 3 of 3 matching targets, above its blast-radius cap of 50%", line: 43, column: 14),
        MalformedCase(name: "overlapping conflicting steps", yaml: validPlan + """
          - name: lose-again
            at: 10s
            duration: 10s
            fault: node-loss
            targets: { names: [web-2] }
            with: { signal: STOP }

        """, message: "step 'lose-again' overlaps step 'lose-one-web' (line 39) on target 'web-2' with a conflicting fault (node-loss twice)", line: 51, column: 5),
        MalformedCase(name: "proxy fault without proxy", yaml: replacing("    proxy: payments-db\n", with: ""), message: "needs 'targets' (or 'proxy: NAME' to act through a fault proxy)", line: 48, column: 5),
        MalformedCase(name: "duplicate step names", yaml: replacing("name: slow-payments", with: "name: lose-one-web"), message: "duplicate step name 'lose-one-web'", line: 45, column: 11),
        MalformedCase(name: "duplicate keys", yaml: replacing("seed: 42", with: "seed: 42\nseed: 43"), message: "duplicate key 'seed'", line: 5, column: nil),
        MalformedCase(name: "health check with two kinds", yaml: replacing("    interval: 1s\n    timeout: 2s\n", with: "    tcp: \"127.0.0.1:80\"\n    interval: 1s\n    timeout: 2s\n"), message: "needs exactly one of http, tcp, command or prometheus", line: 24, column: 5),
        MalformedCase(name: "URL as proxy address", yaml: replacing("upstream: 127.0.0.1:5432", with: "upstream: http://127.0.0.1:5432"), message: "upstream of proxy 'payments-db' must be HOST:PORT, found 'http://127.0.0.1:5432'", line: 22, column: 15),
        MalformedCase(name: "bad tcp address", yaml: replacing("http: { url: \"http://127.0.0.1:8080/health\", expectStatus: [200], bodyContains: ok }", with: "tcp: \"localhost\""), message: "tcp of health check 'storefront' must be HOST:PORT", line: 25, column: 10),
        MalformedCase(name: "guardrail window without availability", yaml: replacing("{ check: storefront, unhealthyFor: 30s }", with: "{ check: storefront, unhealthyFor: 30s, window: 10s }"), message: "window applies to availabilityBelow, not unhealthyFor", line: 35, column: 45),
        MalformedCase(name: "command fault given a shell string", yaml: replacing("fault: node-loss\n    targets: { tags: { role: web }, count: 1 }\n    with: { signal: KILL }", with: "fault: command\n    with: { inject: \"rm -rf /tmp/x\" }"), message: "inject must be a list: the program and its arguments (it is not run through a shell)", line: 43, column: 21),
        MalformedCase(name: "alias used as key", yaml: "version: 1\nname: &n x\n*n : y\n", message: "aliases cannot be used as mapping keys", line: 3, column: 1),
        MalformedCase(name: "missing steps", yaml: "version: 1\nname: nothing-to-do\n", message: "missing required key 'steps'", line: 1, column: 1),
        MalformedCase(name: "toxicity out of range", yaml: replacing("toxicity: 1.0", with: "toxicity: 1.5"), message: "toxicity must be a probability between 0 and 1", line: 50, column: nil),
        MalformedCase(name: "target without process for node-loss", yaml: replacing("    process: { pidFile: /run/web-3.pid }\n", with: ""), message: "may hit target 'web-3', which has no 'process'", line: 42, column: 14),
    ]
}

struct YAMLRobustnessTests {
    /// A "billion laughs" alias bomb is refused in bounded time and memory, with a positioned error.
    @Test func aliasBombIsBounded() {
        var yaml = "version: 1\nname: bomb\na0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for level in 1...12 {
            let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            yaml += "a\(level): &a\(level) [\(refs)]\n"
        }
        yaml += "steps: *a12\n"
        let result = load(yaml)
        #expect(result.plan == nil)
        #expect(!result.errors.isEmpty)
        #expect(result.errors.count < 400)
    }

    /// Random byte strings never crash the loader; they produce diagnostics (or, rarely, a plan).
    @Test func randomBytesNeverCrash() {
        var generator = SeededGenerator(seed: 2026)
        for _ in 0..<300 {
            let length = Int(generator.next() % 200)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let result = PlanLoader.load(data: Data(bytes), file: "fuzz.yaml")
            #expect(result.plan != nil || !result.errors.isEmpty)
        }
    }

    /// Mutations of a valid plan (deleted or swapped lines) never crash and always position their errors in the file.
    @Test func mutatedPlansNeverCrash() {
        let lines = validPlan.split(separator: "\n", omittingEmptySubsequences: false)
        var generator = SeededGenerator(seed: 99)
        for _ in 0..<200 {
            var copy = lines
            let i = Int(generator.next() % UInt64(copy.count)), j = Int(generator.next() % UInt64(copy.count))
            if generator.next() % 2 == 0 { copy.remove(at: i) } else { copy.swapAt(i, j) }
            let result = load(copy.joined(separator: "\n"))
            for error in result.errors {
                #expect(error.line >= 1 && error.line <= lines.count + 1)
                #expect(error.column >= 1)
            }
        }
    }
}
