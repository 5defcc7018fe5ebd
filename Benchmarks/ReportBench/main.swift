// ReportBench: read, analyse and render the postmortem of a journal with 1,000,000 probe samples.
//
// Goal (issue 2): under 10 s and under 1 GB peak memory; with 10,000 alert events as well (issue 9: detection by
// alerts), still under 10 s and 1 GB. The journal is generated with JournalWriter (no fsync) in a
// temporary directory; the measurement runs in a child process (this executable with `--measure`), so its peak RSS
// (getrusage ru_maxrss) covers reading and rendering only.
import Foundation
import GameDayCore
import GameDayFaults
import GameDayJournal
import GameDayReport

let sampleCount = 1_000_000
let checkCount = 50
let alertEventCount = 10_000

func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func fixed(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

func peakRSSBytes() -> Int {
    var usage = rusage()
    #if os(Linux)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    // Linux reports ru_maxrss in KiB.
    return Int(usage.ru_maxrss) * 1024
    #else
    getrusage(RUSAGE_SELF, &usage)
    // macOS reports it in bytes.
    return Int(usage.ru_maxrss)
    #endif
}

/// A run of 50 checks probed every second for 20,000 s, with four faults and the transitions they cause.
func generate(into url: URL) throws {
    let writer = try JournalWriter(url: url)
    defer { writer.close() }
    let checks = (0..<checkCount).map { HealthCheckSpec(name: "check-\($0)", kind: .tcp(host: "127.0.0.1", port: 20_000 + $0)) }
    let target = Target(name: "web-1", address: "127.0.0.1")
    let baselineEnd: Int64 = 2_000_000, chaosEnd: Int64 = 18_000_000
    let steps = (0..<4).map { i in
        ScheduledStep(index: i, name: "step-\(i)", fault: .nodeLoss(NodeLossFault(signal: .STOP)), targets: [target],
                      injectAt: .milliseconds(baselineEnd + Int64(i) * 4_000_000),
                      revertAt: .milliseconds(baselineEnd + Int64(i) * 4_000_000 + 600_000))
    }
    var start = RunStart(runID: "bench", planName: "bench", planFile: "scenarios/bench.yaml", description: nil,
                         environment: .staging, runbook: "../runbooks/bench.md", risk: "R-1", dryRun: false,
                         checks: checks, hypothesis: checks.prefix(10).map { HypothesisSpec(check: $0.name, availability: 99, latencyP99: .milliseconds(300)) },
                         guardrails: [], schedule: Schedule(planName: "bench", seed: 1, baseline: .milliseconds(baselineEnd),
                                                            recovery: .seconds(300), steps: steps),
                         version: GameDayVersion.current)
    start.alerts = AlertsSpec(webhook: "127.0.0.1:9095", matchers: [AlertMatcher(name: "severity", op: .equal, value: "page")])
    var alertEvents = 0
    let wall0: Int64 = 1_795_484_246_000
    var seq = 0
    func emit(_ t: Int64, _ body: EventBody) throws {
        seq += 1
        try writer.append(JournalEvent(seq: seq, t: t, wall: wall0 + t, body: body), sync: false)
    }
    try emit(0, .runStart(start))
    try emit(1, .phase(PhaseChange(phase: .baseline)))
    var unhealthy = [Bool](repeating: false, count: checkCount)
    var streak = [Int](repeating: 0, count: checkCount)
    var probes = 0
    var second: Int64 = 0
    var phase = Phase.baseline
    var generator = SeededGenerator(seed: 7)
    while probes < sampleCount {
        let base = second * 1000
        if phase == .baseline && base >= baselineEnd { phase = .chaos; try emit(base, .phase(PhaseChange(phase: .chaos))) }
        if phase == .chaos && base >= chaosEnd { phase = .recovery; try emit(base, .phase(PhaseChange(phase: .recovery))) }
        for step in steps {
            let id = "\(step.index).web-1"
            if base == step.injectAt.milliseconds {
                try emit(base, .injectBegin(InjectBegin(faultID: id, step: step.name, stepIndex: step.index, fault: "node-loss",
                                                        target: "web-1", description: "SIGSTOP",
                                                        recipe: .signal(SignalRevert(processes: [ProcessRef(pid: 100, startTime: 1)])))))
                try emit(base, .injectEnd(FaultOutcome(faultID: id, ok: true)))
            }
            if base == step.revertAt.milliseconds {
                try emit(base, .revertBegin(RevertBegin(faultID: id, reason: .scheduled)))
                try emit(base, .revertEnd(FaultOutcome(faultID: id, ok: true)))
            }
        }
        // An alert fires every 4 s and resolves 2 s later: 10,000 alert events over the run.
        if alertEvents < alertEventCount && second % 2 == 0 {
            let firing = second % 4 == 0
            let number = firing ? second / 4 : (second - 2) / 4
            try emit(base, .alert(AlertEvent(status: firing ? .firing : .resolved, name: "Bench\(number % 7)",
                                             labels: ["alertname": "Bench\(number % 7)", "severity": "page", "instance": "web-\(number % 3)"],
                                             fingerprint: "fp-\(number)", startsAt: "2026-11-30T12:00:00Z", source: .webhook)))
            alertEvents += 1
        }
        let faulted = steps.contains { base >= $0.injectAt.milliseconds && base < $0.revertAt.milliseconds }
        for c in 0..<checkCount where probes < sampleCount {
            let t = base + Int64(c * 13 % 1000)
            let failing = faulted && c < 5 && !(base % 60_000 < 10_000)
            let ok = !failing && generator.next() % 500 != 0
            let ms = 2 + Double(generator.next() % 40_000) / 1000
            try emit(t, .probe(ok ? ProbeSample(check: checks[c].name, ok: true, ms: ms, status: 200)
                                  : ProbeSample(check: checks[c].name, ok: false, ms: nil, error: "connection refused")))
            probes += 1
            streak[c] = ok ? max(1, streak[c] + 1) : min(-1, streak[c] - 1)
            if !unhealthy[c] && streak[c] <= -3 {
                unhealthy[c] = true
                try emit(t, .health(HealthTransition(check: checks[c].name, from: .healthy, to: .unhealthy, reason: "3 failures")))
            } else if unhealthy[c] && streak[c] >= 2 {
                unhealthy[c] = false
                try emit(t, .health(HealthTransition(check: checks[c].name, from: .unhealthy, to: .healthy, reason: "2 successes")))
            }
        }
        second += 1
    }
    try emit(second * 1000, .runEnd(RunEnd(status: .completed)))
}

/// Child mode: read, analyse, render; print the figures as one machine-readable line.
func measure(_ path: String) throws {
    let start = ContinuousClock.now
    let contents = try JournalReader.read(url: URL(fileURLWithPath: path))
    let readTime = seconds(since: start)
    let renderStart = ContinuousClock.now
    let markdown = Postmortem.render(contents.events, integrity: JournalIntegrity(tornTail: contents.tornTail, skippedLines: contents.skippedLines))
    let renderTime = seconds(since: renderStart)
    let probes = contents.events.reduce(0) { if case .probe = $1.body { return $0 + 1 }; return $0 }
    let alerts = contents.events.reduce(0) { if case .alert = $1.body { return $0 + 1 }; return $0 }
    guard markdown.contains("## Detection by alerts") else { print("MISSING the alerts section"); exit(1) }
    print("MEASURED \(probes) \(alerts) \(readTime) \(renderTime) \(peakRSSBytes()) \(markdown.utf8.count)")
}

/// Child mode for the SVG charts (issue 10): read, then render every check's chart; one machine-readable line.
func measureCharts(_ path: String) throws {
    let contents = try JournalReader.read(url: URL(fileURLWithPath: path))
    let start = ContinuousClock.now
    let charts = CheckChart.render(contents.events)
    let renderTime = seconds(since: start)
    print("CHARTS \(charts.count) \(renderTime) \(peakRSSBytes()) \(charts.reduce(0) { $0 + $1.svg.utf8.count })")
}

let arguments = CommandLine.arguments
if arguments.count == 3 && arguments[1] == "--measure" {
    try measure(arguments[2])
    exit(0)
}
if arguments.count == 3 && arguments[1] == "--charts" {
    try measureCharts(arguments[2])
    exit(0)
}

let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gameday-reportbench-\(getpid())")
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: dir) }
let journal = dir.appendingPathComponent("journal.jsonl")

let generateStart = ContinuousClock.now
try generate(into: journal)
let size = (try FileManager.default.attributesOfItem(atPath: journal.path)[.size] as? Int) ?? 0
print("report: generated \(sampleCount) samples (\(size / 1_000_000) MB journal) in \(fixed(seconds(since: generateStart), 1)) s")

let child = Process()
child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
child.arguments = ["--measure", journal.path]
let pipe = Pipe()
child.standardOutput = pipe
try child.run()
let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
child.waitUntilExit()
guard child.terminationStatus == 0,
      let line = output.split(separator: "\n").first(where: { $0.hasPrefix("MEASURED ") }) else {
    FileHandle.standardError.write(Data("report: the measuring child failed (status \(child.terminationStatus)): \(output)\n".utf8))
    exit(1)
}
let f = line.split(separator: " ").dropFirst().map(String.init)
let probes = Int(f[0]) ?? 0, readTime = Double(f[2]) ?? 0, renderTime = Double(f[3]) ?? 0
let rssMB = (Int(f[4]) ?? 0) / (1024 * 1024), markdownBytes = Int(f[5]) ?? 0
let total = readTime + renderTime
let grouped = Format.count(probes)
print("report: \(grouped) samples and \(Format.count(Int(f[1]) ?? 0)) alert events: read \(fixed(readTime, 2)) s, render \(fixed(renderTime, 2)) s, total \(fixed(total, 2)) s "
      + "(goal < 10 s), peak RSS \(rssMB) MB (goal < 1 GB); postmortem \(markdownBytes / 1024) KB")
let chartsChild = Process()
chartsChild.executableURL = child.executableURL
chartsChild.arguments = ["--charts", journal.path]
let chartsPipe = Pipe()
chartsChild.standardOutput = chartsPipe
try chartsChild.run()
let chartsOutput = String(decoding: chartsPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
chartsChild.waitUntilExit()
guard chartsChild.terminationStatus == 0,
      let chartsLine = chartsOutput.split(separator: "\n").first(where: { $0.hasPrefix("CHARTS ") }) else {
    FileHandle.standardError.write(Data("report: the charts child failed (status \(chartsChild.terminationStatus)): \(chartsOutput)\n".utf8))
    exit(1)
}
let c = chartsLine.split(separator: " ").dropFirst().map(String.init)
let chartCount = Int(c[0]) ?? 0, chartTime = Double(c[1]) ?? 0, chartRSSMB = (Int(c[2]) ?? 0) / (1024 * 1024)
print("report: SVG charts of \(grouped) samples: \(chartCount) charts (\((Int(c[3]) ?? 0) / 1024) KB) rendered in \(fixed(chartTime, 2)) s "
      + "(goal < 5 s), peak RSS with the journal read \(chartRSSMB) MB (goal < 500 MB)")
let ok = total < 10 && rssMB < 1024 && chartTime < 5 && chartRSSMB < 500
print("report: \(ok ? "PASS" : "FAIL")")
exit(ok ? 0 : 1)
