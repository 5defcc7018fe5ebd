import Foundation
import GameDayCore
import GameDayTestSupport
import Testing
@testable import GameDayPlan
import GameDayYAML

/// Hostile plan and inventory files: generated deterministically from a seed, run in-process through the loader.
struct HostileInputTests {
    /// Each of 1,200 generated hostile inputs yields a plan or a positioned error inside the input, and no crash.
    @Test func hostileCorpusIsAcceptedOrRejectedWithPositions() throws {
        let directory = try temporaryDirectoryURL("plan")
        defer { try? FileManager.default.removeItem(at: directory) }
        var corpus = HostileCorpus(seed: 0x6A3E_D8, scenarios: try scenarioFiles())
        var rejected = 0, accepted = 0
        for index in 0..<HostileCorpus.size {
            let input = corpus.input(index)
            var files: [String: [UInt8]] = ["plan.yaml": input.plan]
            var result: PlanLoader.Result
            if let inventory = input.inventory {
                let path = directory.appendingPathComponent("inventory-\(index).yaml")
                try Data(inventory).write(to: path)
                files[path.path] = inventory
                result = PlanLoader.load(data: Data(input.plan), file: "plan.yaml", baseDirectory: directory)
            } else {
                result = PlanLoader.load(data: Data(input.plan), file: "plan.yaml")
            }
            if result.plan != nil { accepted += 1; continue }
            rejected += 1
            #expect(!result.errors.isEmpty, "\(input.name): rejected without an error")
            for diagnostic in result.errors {
                let prefix = "\(diagnostic.file):\(diagnostic.line):\(diagnostic.column): error: "
                #expect(diagnostic.description.hasPrefix(prefix), "\(input.name): \(diagnostic)")
                guard let bytes = files[diagnostic.file] else {
                    Issue.record("\(input.name): diagnostic names a file that is not an input: \(diagnostic)")
                    continue
                }
                #expect(YAMLLines(bytes).contains(line: diagnostic.line, column: diagnostic.column),
                        "\(input.name): position outside the input: \(diagnostic)")
            }
        }
        #expect(accepted + rejected == HostileCorpus.size)
        #expect(rejected > HostileCorpus.size / 2)
        #expect(accepted > 0)
    }

    /// Nesting 10,000 brackets deep is refused by the pre-scan at the 65th level, with a position.
    @Test(arguments: ["[", "{a: ", "- "])
    func deepNestingIsRefusedAtItsPosition(_ opener: String) {
        let deep = String(repeating: opener, count: 10_000)
        let text = "version: 1\nname: deep\ndescription: \(deep)x\n"
        let result = load(text)
        #expect(result.plan == nil)
        let error = result.errors.first
        #expect(error?.message.hasPrefix("nesting deeper than 64 levels") == true, "\(result.errors)")
        #expect(error?.line == 3)
        let column = "description: ".count + 63 * opener.count + 1
        #expect(error?.column == column, "\(result.errors)")
    }

    /// Deep block nesting by indentation is refused too, at the line that goes one level too deep.
    @Test func deepIndentationIsRefused() {
        var text = "version: 1\nname: deep\n"
        for level in 0..<100 { text += String(repeating: " ", count: level) + "k\(level):\n" }
        let result = load(text)
        #expect(result.errors.first?.message.hasPrefix("nesting deeper than 64 levels") == true, "\(result.errors)")
        #expect(position(result.errors.first) == "\(3 + 64):65")
    }

    /// Brackets and quotes inside strings, comments and block scalars do not count as nesting.
    @Test func bracketsInsideScalarsAreNotNesting() throws {
        let brackets = String(repeating: "[", count: 200)
        let yaml = replacing("description: Lose one replica.", with: """
        description: "\(brackets)"
        # \(brackets)
        risk: it's \(brackets)
        runbook: |
          \(brackets)
          '\(brackets)
        """)
        let result = load(yaml)
        #expect(result.errors.isEmpty, "\(result.errors)")
    }

    /// Control characters, invalid UTF-8 and NUL bytes are reported at their own line and column.
    @Test func encodingProblemsArePositioned() {
        let control = load("version: 1\nname: a\u{7}b\n")
        #expect(control.errors.first?.message.contains("control character U+0007") == true, "\(control.errors)")
        #expect(position(control.errors.first) == "2:8")
        var bytes = Array("version: 1\nname: é\n".utf8)
        bytes.insert(0xFF, at: bytes.count - 1)
        let invalid = PlanLoader.load(data: Data(bytes), file: "plan.yaml")
        #expect(invalid.errors.first?.message.contains("not valid UTF-8") == true, "\(invalid.errors)")
        #expect(position(invalid.errors.first) == "2:8")
    }

    /// A plan with a byte-order mark, CRLF line ends and tabs after values still loads.
    @Test func byteOrderMarkAndCRLFAreAccepted() {
        let text = "\u{FEFF}" + validPlan.replacingOccurrences(of: "\n", with: "\r\n")
            .replacingOccurrences(of: "seed: 42", with: "seed:\t42")
        let result = load(text)
        #expect(result.errors.isEmpty, "\(result.errors)")
    }

    /// A hostile inventory is refused by the same pre-scan, with the inventory's own file name and position.
    @Test func hostileInventoryIsRefusedWithItsPosition() throws {
        let directory = try temporaryDirectoryURL("plan")
        defer { try? FileManager.default.removeItem(at: directory) }
        let inventory = directory.appendingPathComponent("inventory.yaml")
        try Data(("targets:\n  - name: " + String(repeating: "[", count: 10_000) + "\n").utf8).write(to: inventory)
        let plan = "version: 1\nname: inv\ninventory: inventory.yaml\nsteps: []\n"
        let result = PlanLoader.load(data: Data(plan.utf8), file: "plan.yaml", baseDirectory: directory)
        let error = result.errors.first { $0.file == inventory.path }
        #expect(error?.message.hasPrefix("nesting deeper than 64 levels") == true, "\(result.errors)")
        #expect(error?.line == 2)
    }

    /// Thousands of unknown keys are reported briefly (capped), without a suggestion computed for each.
    @Test func manyUnknownKeysAreCapped() {
        var text = "version: 1\nname: keys\nsteps: []\n"
        for index in 0..<5_000 { text += "key\(index): v\n" }
        let result = load(text)
        #expect(result.plan == nil)
        #expect(result.errors.count <= NodeReader.maximumDiagnostics + 1)
    }

    /// `gameday validate` on the 10,000-deep file exits 2 with a positioned diagnostic (a real process).
    @Test func validateRefusesDeepNestingInARealProcess() throws {
        let directory = try temporaryDirectoryURL("plan")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("deep.yaml")
        try Data(("version: 1\nname: deep\ndescription: " + String(repeating: "[", count: 10_000) + "\n").utf8).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try GameDayExecutable.require())
        process.arguments = ["validate", file.path]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 2, "\(output)")
        #expect(output.contains("\(file.path):3:77: error: nesting deeper than 64 levels"), "\(output)")
    }
}

// MARK: - Corpus

/// A deterministic generator of hostile plans (and a few hostile inventories).
struct HostileCorpus {
    static let size = 1_200
    struct Input { var name: String; var plan: [UInt8]; var inventory: [UInt8]? }

    var generator: SeededGenerator
    let scenarios: [(name: String, bytes: [UInt8])]

    init(seed: UInt64, scenarios: [(name: String, bytes: [UInt8])]) {
        generator = SeededGenerator(seed: seed)
        self.scenarios = scenarios + [("validPlan", Array(validPlan.utf8))]
    }

    mutating func number(_ bound: Int) -> Int { Int(generator.next() % UInt64(max(1, bound))) }
    mutating func pick<T>(_ items: [T]) -> T { items[number(items.count)] }

    static let kinds = ["nesting", "indentation", "dashes", "long-line", "huge-scalar", "many-keys", "alias-bomb",
                        "alias-trick", "invalid-utf8", "control", "truncation", "mutation", "quotes", "inventory"]

    mutating func input(_ index: Int) -> Input {
        let kind = Self.kinds[index % Self.kinds.count]
        let name = "#\(index) \(kind)"
        switch kind {
        case "nesting":
            let depth = pick([1, 2, 10, 63, 64, 65, 100, 1_000, 5_000, 10_000, number(20_000)])
            let (open, close) = pick([("[", "]"), ("{a: ", "}"), ("[{x: ", "}]"), ("{", "}")])
            let closed = number(2) == 0
            let body = String(repeating: open, count: depth) + "x" + (closed ? String(repeating: close, count: depth) : "")
            return Input(name: name, plan: Array(embed(body).utf8))
        case "indentation":
            var text = "version: 1\nname: deep\nsteps:\n"
            let depth = pick([5, 30, 64, 65, 200, number(1_000)])
            for level in 0..<depth { text += String(repeating: " ", count: level + 1) + "k\(level):\n" }
            return Input(name: name, plan: Array(text.utf8))
        case "dashes":
            let depth = pick([3, 64, 65, 1_000, number(50_000)])
            return Input(name: name, plan: Array(("version: 1\nname: dashes\nsteps:\n" + String(repeating: "- ", count: depth) + "x\n").utf8))
        case "long-line":
            let length = pick([1_000, 10_000, 60_000, number(60_000)])
            let value = String(repeating: pick(["a", "é", " ", "#", ":", "x: ", "\\\""]), count: length)
            return Input(name: name, plan: Array(embed(pick(["\"\(value)\"", value, "'\(value)'"])).utf8))
        case "huge-scalar":
            let lines = pick([100, 1_000, number(3_000)])
            let body = "|\n" + String(repeating: "  " + String(repeating: "[{\"' ", count: 10) + "\n", count: lines)
            return Input(name: name, plan: Array(embed(body).utf8))
        case "many-keys":
            let count = pick([10, 100, 1_000, number(1_000)])
            var text = "version: 1\nname: keys\nsteps: []\n"
            let duplicate = number(3) == 0
            for k in 0..<count { text += "\(duplicate ? "k\(k % 7)" : "key-\(k)"): \(k)\n" }
            return Input(name: name, plan: Array(text.utf8))
        case "alias-bomb":
            let levels = pick([3, 8, 12, 20]), fanout = pick([2, 9, 10])
            var text = "version: 1\nname: bomb\nx0: &a0 [lol, lol]\n"
            for level in 1...levels {
                text += "x\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: fanout).joined(separator: ", ") + "]\n"
            }
            text += pick(["steps: *a\(levels)\n", "description: *a\(levels)\n", "targets: *a\(levels)\n"])
            return Input(name: name, plan: Array(text.utf8))
        case "alias-trick":
            let trick = pick(["*undefined", "&a [*a]", "&a x\n*a : y", "&a x\n[*a]: y", "[a]: b", "{a: b}: c",
                              "? complex\n: key", "&a {k: v}\n<<: *a", String(repeating: "*a ", count: 2_000),
                              "&a [1]\nsteps: [*a, *a, *a]", "!!binary aGVsbG8=", "&" + String(repeating: "a", count: 5_000) + " x",
                              String(repeating: "&a ", count: 100) + "x"])
            return Input(name: name, plan: Array(embed(trick).utf8))
        case "invalid-utf8":
            var bytes = pick(scenarios).bytes
            let bad: [[UInt8]] = [[0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
                                  [0xC3], [0xE2, 0x82], [0x80], [0xFE, 0xFF]]
            for _ in 0..<(1 + number(3)) { bytes.insert(contentsOf: pick(bad), at: number(bytes.count + 1)) }
            return Input(name: name, plan: bytes)
        case "control":
            var bytes = pick(scenarios).bytes
            let bad: [[UInt8]] = [[0x00], [0x01], [0x07], [0x1B], [0x7F], [0x09], [0x0D], [0xC2, 0x85], [0xC2, 0x9B],
                                  [0xEF, 0xBB, 0xBF], [0xE2, 0x80, 0xA8], [0xEF, 0xBF, 0xBE], [0x09, 0x09]]
            for _ in 0..<(1 + number(3)) { bytes.insert(contentsOf: pick(bad), at: number(bytes.count + 1)) }
            return Input(name: name, plan: bytes)
        case "truncation":
            let bytes = pick(scenarios).bytes
            return Input(name: name, plan: Array(bytes.prefix(number(bytes.count + 1))))
        case "mutation":
            var bytes = pick(scenarios).bytes
            let alphabet = Array("[]{}:-?&*!|>'\"#,% \n\t\\x0".utf8)
            for _ in 0..<(1 + number(8)) where !bytes.isEmpty {
                let at = number(bytes.count)
                switch number(4) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(pick(alphabet), at: at)
                case 2: bytes[at] = pick(alphabet)
                default:
                    let end = min(bytes.count, at + number(200))
                    bytes.insert(contentsOf: Array(bytes[at..<end]), at: number(bytes.count))
                }
            }
            return Input(name: name, plan: bytes)
        case "quotes":
            let deep = String(repeating: "[", count: pick([10, 100, 1_000]))
            let trick = pick(["it's \(deep)", "\"\(deep)", "'\(deep)", "\"\\\"\(deep)\"", "x\n  '\(deep)",
                              "'a''b' \(deep)", "# \(deep)", "x #\(deep)", "\"a\nb\" \(deep)", "|\n \(deep)\nk: \(deep)"])
            return Input(name: name, plan: Array(embed(trick).utf8))
        default:  // inventory
            let plan = "version: 1\nname: inventory\ninventory: inventory-\(index).yaml\nsteps: []\n"
            let hostile = pick([
                "targets:\n  - name: " + String(repeating: "[", count: pick([10, 65, 10_000])),
                "targets:\n" + String(repeating: "  - {name: a, address: b}\n", count: pick([1, 300])),
                "targets: &t [*t]", "- name: w\n  access: { ssh: { options: [\"ProxyCommand=nc %h %p\"] } }\n  address: h",
                "targets:\n  - name: x\u{1}", "targets: " + String(repeating: "*a ", count: 3_000),
            ])
            var bytes = Array(hostile.utf8)
            if number(4) == 0 { bytes.insert(0xFF, at: number(bytes.count + 1)) }
            return Input(name: name, plan: Array(plan.utf8), inventory: bytes)
        }
    }

    /// Puts `fragment` in one of several places of a valid plan.
    mutating func embed(_ fragment: String) -> String {
        let indented = fragment.replacingOccurrences(of: "\n", with: "\n  ")
        switch number(4) {
        case 0: return validPlan.replacingOccurrences(of: "description: Lose one replica.", with: "description: \(indented)")
        case 1: return validPlan.replacingOccurrences(of: "with: { signal: KILL }", with: "with: \(indented)")
        case 2: return validPlan + "extra: \(fragment)\n"
        default: return "version: 1\nname: x\ndescription: \(fragment)\nsteps: []\n"
        }
    }
}

/// Lines and their lengths as YAML counts them (LF, CRLF, CR, NEL, LS and PS end a line; columns count characters).
struct YAMLLines {
    var lengths: [Int] = [0]

    init(_ bytes: [UInt8]) {
        let scalars = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            if s == "\n" || s == "\u{85}" || s == "\u{2028}" || s == "\u{2029}" { lengths.append(0) }
            else if s == "\r" { if i + 1 < scalars.count && scalars[i + 1] == "\n" { i += 1 }; lengths.append(0) }
            else { lengths[lengths.count - 1] += 1 }
            i += 1
        }
    }

    func contains(line: Int, column: Int) -> Bool {
        line >= 1 && line <= lengths.count && column >= 1 && column <= lengths[line - 1] + 1
    }
}

func scenarioFiles() throws -> [(name: String, bytes: [UInt8])] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let directory = root.appendingPathComponent("scenarios")
    var out: [(String, [UInt8])] = []
    for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where name.hasSuffix(".yaml") {
        out.append((name, Array(try Data(contentsOf: directory.appendingPathComponent(name)))))
    }
    out.append(("inventory/staging.yaml", Array(try Data(contentsOf: directory.appendingPathComponent("inventory/staging.yaml")))))
    return out
}

/// "LINE:COL" of a diagnostic, or "none".
func position(_ diagnostic: Diagnostic?) -> String { diagnostic.map { "\($0.line):\($0.column)" } ?? "none" }
