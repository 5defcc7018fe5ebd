import Foundation
import Testing
import GameDayTestSupport

/// The committed plan schema, checked by a real JSON Schema validator (Python's jsonschema, Draft202012Validator,
/// with PyYAML): every example plan passes, and broken plans fail. The validator is a test dependency
/// (python3-jsonschema, python3-yaml in the Makefile's TEST_PACKAGES): when it is missing these tests fail.
@Suite struct SchemaValidationTests {
    static let root = QuickTourTests.root
    static let schema = root + "/scenarios/plan.schema.json"
    static let script = root + "/tests/schema/validate.py"

    /// The validator's result: exit status and stdout (one line per file).
    private func validate(_ files: [String]) throws -> (status: Int32, lines: [String]) {
        // Debian's python3-jsonschema installs for /usr/bin/python3; GAMEDAY_PYTHON picks another interpreter.
        let python = ProcessInfo.processInfo.environment["GAMEDAY_PYTHON"] ?? "/usr/bin/python3"
        let dir = try temporaryDirectory("schema-validate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-I", Self.script, Self.schema] + files
        FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/err"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let out = try String(contentsOfFile: dir + "/out", encoding: .utf8), err = try String(contentsOfFile: dir + "/err", encoding: .utf8)
        #expect(process.terminationStatus != 3, "the schema validator cannot run (\(python)): \(err); install python3-jsonschema and python3-yaml (make deps-test)")
        return (process.terminationStatus, out.split(separator: "\n").map(String.init))
    }

    /// Every plan in scenarios/ validates against scenarios/plan.schema.json (the scheduler configuration is not a
    /// plan and is recognised as such).
    @Test func everyExamplePlanValidates() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root + "/scenarios").filter { $0.hasSuffix(".yaml") }.sorted()
        let result = try validate(files.map { Self.root + "/scenarios/" + $0 })
        #expect(result.status == 0, "\(result.lines.filter { !$0.hasSuffix(": ok") }.joined(separator: "\n"))")
        let ok = result.lines.filter { $0.hasSuffix(": ok") }
        #expect(ok.count == files.count - 1 && ok.count >= 6, "\(result.lines)")
        #expect(result.lines.contains(Self.root + "/scenarios/schedule-example.yaml: skipped: scheduler configuration"))
    }

    /// Each plan starts with the editor line that points yaml-language-server at the schema.
    @Test func everyExamplePlanNamesTheSchema() throws {
        for file in try FileManager.default.contentsOfDirectory(atPath: Self.root + "/scenarios") where file.hasSuffix(".yaml") && file != "schedule-example.yaml" {
            let text = try String(contentsOfFile: Self.root + "/scenarios/" + file, encoding: .utf8)
            #expect(text.hasPrefix("# yaml-language-server: $schema=./plan.schema.json\n"), "\(file) lacks the schema line")
        }
    }

    static let valid = """
    version: 1
    name: sample
    targets: [{ name: web-1, tags: { role: web }, process: { pidFile: /run/web.pid } }]
    proxies: [{ name: db, listen: "127.0.0.1:16432", upstream: "127.0.0.1:5432" }]
    health: [{ name: site, http: "http://127.0.0.1:8080/", slowerThan: 200ms }]
    steps:
      - { name: kill, at: 0s, duration: 30s, fault: node-loss, targets: [web-1], with: { signal: KILL } }
      - { name: slow, at: 0s, duration: 30s, fault: latency, proxy: db, with: { latency: 300ms } }

    """

    /// A host latency step after the sample's steps (no overlap with the node loss), with these `with:` options.
    static func hostLatency(_ options: String) -> String {
        "  - { name: wan, at: 40s, duration: 10s, fault: latency, targets: [web-1], with: { \(options) } }\n"
    }

    /// Broken plans fail the schema as they fail `gameday validate`: an unknown fault, a wrong `with:` key, a proxy
    /// fault without `proxy:`, a bare number as a duration, host latency without its delay; the same plan unbroken,
    /// `${VAR}` in typed scalars, and the decoder's other spellings (`node_loss`, host latency's `latency:`) pass both.
    @Test func brokenPlansFailValidation() async throws {
        let dir = try temporaryDirectory("schema-samples")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let samples: [(name: String, text: String, valid: Bool, mentions: String)] = [
            ("valid", Self.valid, true, "valid.yaml: ok"),
            ("variables", Self.valid.replacingOccurrences(of: "duration: 30s, fault: node-loss", with: "duration: \"${D:-30s}\", fault: node-loss")
                .replacingOccurrences(of: "signal: KILL", with: "signal: \"${SIGNAL:-KILL}\"")
                .replacingOccurrences(of: "version: 1", with: "version: ${V:-1}"), true, "variables.yaml: ok"),
            ("unknown-fault", Self.valid.replacingOccurrences(of: "fault: node-loss", with: "fault: explode"), false, "'explode'"),
            ("wrong-with-key", Self.valid.replacingOccurrences(of: "signal: KILL", with: "sginal: KILL"), false, "'sginal' was unexpected"),
            ("proxy-fault-without-proxy", Self.valid.replacingOccurrences(of: "fault: latency, proxy: db, with: { latency: 300ms }", with: "fault: reset, with: { timeout: 1s }"), false, "'proxy' is a required property"),
            ("bare-duration", Self.valid.replacingOccurrences(of: "slowerThan: 200ms", with: "slowerThan: 200"), false, "health/0/slowerThan"),
            // The decoder's other spellings: `node_loss` for `node-loss`, and host latency's `latency:` for `delay:`.
            ("underscore-spelling", Self.valid.replacingOccurrences(of: "fault: node-loss", with: "fault: node_loss"), true, "underscore-spelling.yaml: ok"),
            ("host-latency-spelled-latency", Self.valid + Self.hostLatency("latency: 100ms"), true, "host-latency-spelled-latency.yaml: ok"),
            ("host-latency-delay", Self.valid + Self.hostLatency("delay: 100ms, jitter: 10ms"), true, "host-latency-delay.yaml: ok"),
            ("host-latency-without-delay", Self.valid + Self.hostLatency("jitter: 10ms"), false, "steps/2/with"),
        ]
        for sample in samples {
            let path = dir + "/\(sample.name).yaml"
            try sample.text.write(toFile: path, atomically: true, encoding: .utf8)
            let result = try validate([path])
            #expect((result.status == 0) == sample.valid, "\(sample.name): \(result.lines)")
            #expect(result.lines.contains { $0.contains(sample.mentions) }, "\(sample.name): \(result.lines)")
            let decoder = try await GameDayProcess.run(["validate", path])
            #expect((decoder.status == 0) == sample.valid, "gameday validate disagrees on \(sample.name): \(decoder.stderr)")
        }
    }

    /// Every example in the generated fault reference (scenarios/README.md) is a step the schema accepts.
    @Test func everyReferenceExampleValidates() throws {
        let readme = try String(contentsOfFile: Self.root + "/scenarios/README.md", encoding: .utf8)
        let generated = try #require(readme.components(separatedBy: "<!-- BEGIN GENERATED: faults -->").last?
            .components(separatedBy: "<!-- END GENERATED: faults -->").first)
        let examples = generated.components(separatedBy: "```yaml\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
        #expect(examples.count >= 20, "found \(examples.count) examples in the fault reference")
        let dir = try temporaryDirectory("schema-examples")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var files: [String] = []
        for (index, example) in examples.enumerated() {
            let step = example.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
            let plan = "version: 1\nname: example\nproxies: [{ name: payments, api: \"http://127.0.0.1:8474\" }]\nsteps:\n  - name: s\n    at: 0s\n    duration: 10s\n    targets: [web-1]\n\(step)\n"
            files.append(dir + "/example-\(index).yaml")
            try plan.write(toFile: files[index], atomically: true, encoding: .utf8)
        }
        let result = try validate(files)
        #expect(result.status == 0 && result.lines.count == examples.count, "\(result.lines.filter { !$0.hasSuffix(": ok") })")
    }

    /// `gameday schema` prints the committed schema, and `--markdown` the reference committed in scenarios/README.md.
    @Test func schemaCommandPrintsTheCommittedFiles() async throws {
        let schema = try await GameDayProcess.run(["schema"])
        #expect(schema.status == 0)
        #expect(schema.stdout == (try String(contentsOfFile: Self.schema, encoding: .utf8)))
        let markdown = try await GameDayProcess.run(["schema", "--markdown"])
        #expect(markdown.status == 0)
        #expect(try String(contentsOfFile: Self.root + "/scenarios/README.md", encoding: .utf8).contains(markdown.stdout))
    }
}
