// PlanBench: validate the worst plan files of at most 1 MiB, each in a fresh child process.
//
// Goal (issue 8): every input accepted or rejected in under 1 s of wall time and under 200 MB peak RSS (release
// build). Each input is written to a temporary directory; this executable re-runs itself with `--measure FILE` so
// that the peak RSS (getrusage ru_maxrss) covers loading that one file only. Where PyYAML is installed, the same file
// is loaded side by side with `yaml.safe_load` (and libyaml's CSafeLoader) in a child Python, and the ratios printed.
import Foundation
import GameDayCore
import GameDayPlan

let limit = 1 << 20

func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func fixed(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

/// Peak RSS of this process image (VmHWM). Unlike getrusage's ru_maxrss, it is reset by exec, so a child does not
/// inherit its parent's peak.
func peakRSSBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kib = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kib * 1024
}

/// Child mode: load one plan file, print one machine-readable line.
func measure(_ path: String) {
    let start = ContinuousClock.now
    let result = PlanLoader.load(path: path, environment: [:])
    let elapsed = seconds(since: start)
    let verdict = result.plan != nil ? "accepted" : "rejected"
    let first = result.errors.first.map { "\($0.line):\($0.column) \($0.message)" } ?? ""
    print("MEASURED \(elapsed) \(peakRSSBytes()) \(verdict) \(result.errors.count) \(first.prefix(90))")
}

let arguments = CommandLine.arguments
if arguments.count == 3 && arguments[1] == "--measure" {
    measure(arguments[2])
    exit(0)
}

// MARK: - Inputs

/// Repeats `unit` after `head` (and before `tail`) until just under the 1 MiB limit.
func fill(_ head: String, _ unit: String, _ tail: String = "\n") -> String {
    let room = limit - head.utf8.count - tail.utf8.count
    let count = room / unit.utf8.count
    return head + String(repeating: unit, count: count) + tail
}

let header = "version: 1\nname: bench\n"
let step = """
steps:
  - name: slow
    at: 0s
    duration: 10s
    fault: latency
    proxy: db
    with: { latency: 100ms }

"""
let proxies = "proxies:\n  - { name: db, listen: 127.0.0.1:16432, upstream: 127.0.0.1:5432 }\n"

var inputs: [(name: String, text: String)] = []
inputs.append(("deep [ nesting", fill(header + "description: ", "[")))
inputs.append(("deep {a: nesting", fill(header + "description: ", "{a: ")))
inputs.append(("deep - - nesting", fill(header + "steps:\n", "- ")))
do {
    var text = header + "steps:\n"
    var level = 0
    while text.utf8.count + level + 12 < limit { text += String(repeating: " ", count: level + 1) + "k:\n"; level += 1 }
    inputs.append(("deep indentation", text))
}
inputs.append(("1 MiB plain scalar", fill(header + step + proxies + "description: ", "x")))
inputs.append(("1 MiB quoted scalar", fill(header + step + proxies + "description: \"", "x\\\"", "\"\n")))
inputs.append(("1 MiB block scalar", fill(header + step + proxies + "description: |\n", "  " + String(repeating: "y", count: 97) + "\n")))
do {
    var text = header + step + proxies
    var k = 0
    while text.utf8.count < limit - 32 { text += "key\(k): v\n"; k += 1 }
    inputs.append(("1 MiB of unknown keys", text))
}
do {
    var text = header + step + proxies + "targets:\n  - name: web\n    address: 127.0.0.1\n    tags:\n"
    var k = 0
    while text.utf8.count < limit - 40 { text += "      tag\(k): value\(k)\n"; k += 1 }
    inputs.append(("1 MiB of tag keys", text))
}
do {
    var text = header + proxies + "targets:\n"
    var k = 0
    while text.utf8.count < limit - 80 { text += "  - { name: web-\(k), address: 127.0.0.1 }\n"; k += 1 }
    inputs.append(("1 MiB of targets", text))
}
do {
    var text = header + proxies + "steps:\n"
    var k = 0
    while text.utf8.count < limit - 120 {
        text += "  - { name: s\(k), at: \(k)s, duration: 1s, fault: latency, proxy: db, with: { latency: 1ms } }\n"
        k += 1
    }
    inputs.append(("1 MiB of steps", text))
}
do {
    // Every step overlaps every other on the same targets: the conflict check is quadratic in steps.
    var text = header + "targets:\n"
    for k in 0..<2_000 { text += "  - { name: w\(k), address: 127.0.0.1, tags: { role: web } }\n" }
    text += "steps:\n"
    var k = 0
    while text.utf8.count < limit - 140 {
        text += "  - { name: c\(k), at: 0s, duration: 1s, fault: command, targets: { tags: { role: web }, count: 1 }, with: { inject: [/bin/true] } }\n"
        k += 1
    }
    inputs.append(("overlapping steps", text))
}
do {
    var text = header + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for level in 1...30 {
        text += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
    }
    text += "steps: *a30\n"
    inputs.append(("alias bomb (10^31)", text))
}
inputs.append(("1 MiB of aliases", fill(header + "x: &a [1]\nsteps: [", "*a, ", "]\n")))
do {
    let line = String(repeating: "z", count: 65_000)
    var text = header + step + proxies + "tags-of-nothing:\n"
    text = header + step + proxies + "targets:\n  - name: web\n    address: 127.0.0.1\n    tags:\n"
    var k = 0
    while text.utf8.count + line.utf8.count + 20 < limit { text += "      t\(k): \(line)\n"; k += 1 }
    inputs.append(("16 lines of 64 KB", text))
}

// MARK: - Run

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gameday-planbench-\(getpid())")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }

/// Runs a child and returns its standard output, or nil with the reason on stderr.
func run(_ executable: String, _ args: [String]) -> String? {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: executable)
    child.arguments = args
    let pipe = Pipe()
    child.standardOutput = pipe
    child.standardError = FileHandle.nullDevice
    do { try child.run() } catch { return nil }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    child.waitUntilExit()
    return output
}

let pythonScript = """
import sys, time
try:
    import yaml
except ImportError:
    print("NOYAML"); sys.exit(0)
loader = yaml.SafeLoader if sys.argv[2] == "safe" else yaml.CSafeLoader
data = open(sys.argv[1], "rb").read()
sys.setrecursionlimit(10000)
start = time.perf_counter()
try:
    yaml.load(data, Loader=loader); verdict = "loaded"
except RecursionError:
    verdict = "RecursionError"
except yaml.YAMLError as e:
    verdict = "YAMLError"
except MemoryError:
    verdict = "MemoryError"
elapsed = time.perf_counter() - start
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
print("MEASURED %f %d %s" % (elapsed, int(hwm) * 1024, verdict))
"""
let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
var havePeer = false
if let python, let probe = run(python, ["-c", "import yaml; print('YAML', yaml.__version__, yaml.__with_libyaml__)"]),
   probe.hasPrefix("YAML") {
    havePeer = true
    print("plan: peer: PyYAML \(probe.split(separator: " ").dropFirst().first ?? "?") (safe_load = pure Python SafeLoader; C = CSafeLoader on libyaml), run with \(python)")
} else {
    print("plan: peer: PyYAML not installed; printing gameday's figures only")
}

func measured(_ output: String?) -> [String]? {
    guard let line = output?.split(separator: "\n").first(where: { $0.hasPrefix("MEASURED ") }) else { return nil }
    return line.split(separator: " ", maxSplits: 5).dropFirst().map(String.init)
}

let self_ = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
var allPass = true
print("plan: goal per input: < 1 s wall and < 200 MB peak RSS (release build)")
func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
func padLeft(_ text: String, _ width: Int) -> String { text.count >= width ? text : String(repeating: " ", count: width - text.count) + text }
print(pad("input", 22) + padLeft("bytes", 9) + padLeft("time", 9) + padLeft("RSS", 8) + "  " + pad("gameday says", 44) + "peer")
for (index, input) in inputs.enumerated() {
    precondition(input.text.utf8.count <= limit, "\(input.name) is over 1 MiB")
    let file = directory.appendingPathComponent("input-\(index).yaml")
    try Data(input.text.utf8).write(to: file)
    guard let f = measured(run(self_, ["--measure", file.path])), f.count >= 4 else {
        print("plan: \(input.name): the measuring child crashed or failed")
        allPass = false
        continue
    }
    let time = Double(f[0]) ?? .infinity, rss = Double(Int(f[1]) ?? 0) / 1_048_576
    let said = f[2] == "accepted" ? "accepted" : (f.count > 4 ? f[4] : "rejected")
    let pass = time < 1 && rss < 200
    allPass = allPass && pass
    var peer = ""
    if havePeer, let python {
        for mode in ["safe", "c"] {
            guard let p = measured(run(python, ["-c", pythonScript, file.path, mode])), p.count >= 3 else { continue }
            let pt = Double(p[0]) ?? 0, prss = Double(Int(p[1]) ?? 0) / 1_048_576
            let label = mode == "safe" ? "safe_load" : "C"
            peer += "\(label) \(fixed(pt, 3)) s \(Int(prss)) MB \(p[2]) (x\(fixed(pt / max(time, 1e-3), 1)) time, x\(fixed(prss / max(rss, 1), 1)) RSS); "
        }
    }
    let row = pad(input.name, 22) + padLeft("\(input.text.utf8.count)", 9) + padLeft(fixed(time, 3) + " s", 9)
        + padLeft("\(Int(rss)) MB", 8) + "  " + pad(String(said.prefix(42)), 44) + peer
    print(row + (pass ? "" : "  <- over the goal"))
}
print("plan: \(allPass ? "PASS" : "FAIL") (peer ratios are peer time / gameday time and peer RSS / gameday RSS)")
exit(allPass ? 0 : 1)
