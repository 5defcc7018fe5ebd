import Foundation
import GameDayCore
import Testing
@testable import GameDayCalendar

@Suite struct ScheduleConfigurationLoaderTests {
    static let example = """
    version: 1
    timeZone: Europe/Berlin
    workdays: [mon, tue, wed, thu, fri]
    hours: { start: "09:00", end: "15:00" }
    holidays: [2026-12-24, 2026-12-25]
    blackouts:
      - { from: 2026-12-20, to: 2027-01-04, reason: year-end freeze }
      - { lastBusinessDaysOfQuarter: 3, reason: quarter close }
    scenarios:
      - { plan: scenarios/web-node-loss.yaml, meanDaysBetweenRuns: 5, minDaysBetweenRuns: 2 }
    maxRunsPerDay: 2
    leashed: false
    killSwitch: /var/lib/gameday/pause
    outageCheck: [storefront]
    notify: { webhook: "http://127.0.0.1:9000/hook" }
    state: gameday-schedule.sqlite
    """

    func parse(_ text: String) throws(ScheduleConfigurationError) -> ScheduleConfiguration {
        try ScheduleConfigurationLoader.parse(data: Data(text.utf8), file: "sched.yaml", baseDirectory: "/etc/gameday")
    }

    func diagnostics(_ text: String) -> [Diagnostic] {
        do { _ = try parse(text); return [] } catch { return error.diagnostics }
    }

    func diagnostics(_ data: Data) -> [Diagnostic] {
        do { _ = try ScheduleConfigurationLoader.parse(data: data, file: "sched.yaml", baseDirectory: "/tmp"); return [] }
        catch { return error.diagnostics }
    }

    /// The issue's example configuration loads, with paths resolved against the file's folder.
    @Test func loadsTheExample() throws {
        let configuration = try parse(Self.example)
        #expect(configuration.timeZone.identifier == "Europe/Berlin")
        #expect(configuration.workdays.count == 5)
        #expect(configuration.hours.start.description == "09:00")
        #expect(configuration.holidays.contains(Fixture.day("2026-12-25")))
        #expect(configuration.blackouts.count == 2)
        #expect(configuration.blackouts[1] == .lastBusinessDaysOfQuarter(count: 3, reason: "quarter close"))
        #expect(configuration.scenarios == [ScenarioConfiguration(name: "web-node-loss", plan: "/etc/gameday/scenarios/web-node-loss.yaml",
                                                                  meanDaysBetweenRuns: 5, minDaysBetweenRuns: 2)])
        #expect(configuration.maxRunsPerDay == 2)
        #expect(configuration.killSwitch == "/var/lib/gameday/pause")
        #expect(configuration.outageCheck == ["storefront"])
        #expect(configuration.notify?.webhook.absoluteString == "http://127.0.0.1:9000/hook")
        #expect(configuration.state == "/etc/gameday/gameday-schedule.sqlite")
    }

    /// A misspelt key is reported at its line and column with a suggestion.
    @Test func misspeltKeyWithSuggestion() {
        let text = Self.example.replacingOccurrences(of: "maxRunsPerDay: 2", with: "maxRunPerDay: 2")
        let found = diagnostics(text)
        #expect(found.map(\.description) == ["sched.yaml:11:1: error: unknown key 'maxRunPerDay' in the configuration; did you mean 'maxRunsPerDay'?"])
    }

    /// Every problem is reported at once, each with its own position.
    @Test func allProblemsAtOnce() {
        let text = """
        version: 1
        timeZone: Europe/Berlni
        workdays: [mon, tuee]
        hours: { start: "09:00", end: "08:00" }
        holidays: [2026-13-01]
        blackouts:
          - { from: 2027-01-04, to: 2026-12-20 }
          - { lastBusinessDaysOfQuarter: 3, from: 2026-01-01 }
        scenarios:
          - { plan: a.yaml, meanDaysBetweenRuns: 0.5, minDayBetweenRuns: 2 }
        metrics: { listen: "0.0.0.0:9464" }
        """
        let found = diagnostics(text).map(\.description)
        #expect(found.contains("sched.yaml:2:11: error: unknown time zone 'Europe/Berlni'; did you mean 'Europe/Berlin'?"))
        #expect(found.contains("sched.yaml:3:17: error: unknown workday 'tuee'; did you mean 'tue'?"))
        #expect(found.contains { $0.hasPrefix("sched.yaml:4:31: error: hours.end (08:00) must be after hours.start (09:00)") })
        #expect(found.contains("sched.yaml:5:12: error: a holiday must be a date written YYYY-MM-DD, not '2026-13-01'"))
        #expect(found.contains("sched.yaml:7:29: error: the blackout ends (2026-12-20) before it begins (2027-01-04)"))
        #expect(found.contains { $0.hasPrefix("sched.yaml:8:5: error: a blackout has either from/to") })
        #expect(found.contains("sched.yaml:10:47: error: unknown key 'minDayBetweenRuns' in a scenario; did you mean 'minDaysBetweenRuns'?"))
        #expect(found.contains { $0.hasPrefix("sched.yaml:10:42: error: meanDaysBetweenRuns must be") })
        #expect(found.contains { $0.hasPrefix("sched.yaml:11:20: error: the metrics endpoint binds loopback only") })
        #expect(found.count == 9)
    }

    /// Missing required keys are named.
    @Test func missingKeys() {
        let found = diagnostics("version: 1\n").map(\.message)
        #expect(found.contains { $0.hasPrefix("missing key 'timeZone'") })
        #expect(found.contains { $0.hasPrefix("missing key 'hours'") })
        #expect(found.contains { $0.hasPrefix("missing key 'scenarios'") })
    }

    /// Empty, binary, NUL-laden and malformed inputs give one clear error, never a crash.
    @Test func hostileInputs() {
        #expect(diagnostics("").first?.message.hasPrefix("the configuration is empty") == true)
        #expect(diagnostics(Data([0xff, 0xfe, 0x00, 0x01, 0x80])).first?.message == "the configuration is not UTF-8 text")
        #expect(diagnostics(Data("version: 1\0\n".utf8)).first?.message.contains("NUL") == true)
        let broken = diagnostics("version: 1\nhours: { start: \"09:00\"\n")
        #expect(broken.count == 1 && broken[0].message.hasPrefix("invalid YAML"))
        #expect(diagnostics("- just\n- a list\n").first?.message.hasPrefix("the configuration must be a mapping") == true)
        #expect(diagnostics("version: *nothing\n").first?.message.hasPrefix("invalid YAML") == true)
    }

    /// An alias bomb is read without blowing up: only the configuration's own shape is walked.
    @Test func aliasBomb() {
        var text = "a: &a [x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for level in 1...12 {
            let name = "l\(level)"
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
            previous = name
        }
        text += "holidays: *\(previous)\nversion: 1\n"
        let found = diagnostics(text)
        #expect(!found.isEmpty)
        #expect(found.count <= 100)
        #expect(found.contains { $0.message.hasPrefix("unknown key 'a'") })
    }

    /// A scenario name derived from an awkward file name must be given explicitly; duplicates are refused.
    @Test func scenarioNames() {
        let base = "version: 1\ntimeZone: UTC\nhours: { start: \"09:00\", end: \"17:00\" }\n"
        let bad = diagnostics(base + "scenarios:\n  - { plan: My_Plan.yaml, meanDaysBetweenRuns: 3 }\n")
        #expect(bad.first?.message.hasPrefix("scenario name 'My_Plan' must match") == true)
        let twice = diagnostics(base + "scenarios:\n  - { plan: a.yaml, meanDaysBetweenRuns: 3 }\n  - { plan: x/a.yaml, meanDaysBetweenRuns: 3 }\n")
        #expect(twice.first?.message.hasPrefix("two scenarios are named 'a'") == true)
        #expect(diagnostics(base + "scenarios:\n  - { plan: My_Plan.yaml, name: mine, meanDaysBetweenRuns: 3 }\n").isEmpty)
    }

    /// A file that does not exist is an error at line 1 naming the path.
    @Test func missingFile() {
        do {
            _ = try ScheduleConfigurationLoader.load(path: "/nonexistent/gameday/sched.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/gameday/sched.yaml:1:1: error: cannot read"))
        }
    }
}

extension ScheduleConfigurationLoaderTests {
    /// The example configuration shipped in scenarios/ is valid.
    @Test func shippedExampleIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios/schedule-example.yaml").path
        let configuration = try ScheduleConfigurationLoader.load(path: path)
        #expect(configuration.scenarios.map(\.name) == ["web-node-loss", "slow-dependency"])
        #expect(configuration.leashed)
        #expect(configuration.metrics == MetricsConfiguration(host: "127.0.0.1", port: 9464))
    }
}

extension ScheduleConfigurationLoaderTests {
    /// Deep nesting (up to and past libyaml's limit) is an error at a position, never a stack overflow.
    @Test func deepNesting() {
        for depth in [990, 5000] {
            let flow = "version: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
            #expect(!diagnostics(flow).isEmpty)
            let block = "holidays:\n" + String(repeating: "- ", count: depth) + "x\n"
            #expect(!diagnostics(block).isEmpty)
        }
    }

    /// Hundreds of random mutations of the example never crash the loader; every problem has a position.
    @Test func mutationsNeverCrash() {
        var generator = SeededGenerator(seed: 2027)
        let alphabet = Array(":-[]{}#&*!|>'\"\n ,?%@`\t\\x0")
        for _ in 0..<400 {
            var bytes = Array(Self.example)
            for _ in 0..<Int(generator.next() % 6 + 1) {
                let index = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 3 {
                case 0: bytes.remove(at: index)
                case 1: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: index)
                default: bytes[index] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                }
            }
            for diagnostic in diagnostics(String(bytes)) {
                #expect(diagnostic.line >= 1 && diagnostic.column >= 1)
                #expect(!diagnostic.message.isEmpty)
            }
        }
    }
}

extension ScheduleConfigurationLoaderTests {
    static let hookFromEnvironment = Self.example.replacingOccurrences(
        of: "\"http://127.0.0.1:9000/hook\"", with: "\"http://127.0.0.1:${GAMEDAY_TEST_HOOK_PORT:-9000}/hook\"")

    /// `${VAR:-default}` in a configuration is expanded as in plans (the default when the variable is unset).
    @Test func environmentDefaultIsExpanded() throws {
        let configuration = try parse(Self.hookFromEnvironment)
        #expect(configuration.notify?.webhook.absoluteString == "http://127.0.0.1:9000/hook")
    }

    /// `${VAR}` takes the environment given to the loader; an unset variable without a default is an error at its value.
    @Test func environmentVariablesAreExpanded() throws {
        let configuration = try ScheduleConfigurationLoader.parse(data: Data(Self.hookFromEnvironment.utf8), file: "sched.yaml",
                                                                  baseDirectory: "/etc/gameday", environment: ["GAMEDAY_TEST_HOOK_PORT": "9100"])
        #expect(configuration.notify?.webhook.absoluteString == "http://127.0.0.1:9100/hook")
        let unset = diagnostics(Self.example.replacingOccurrences(of: "state: gameday-schedule.sqlite", with: "state: ${GAMEDAY_TEST_STATE}"))
        #expect(unset.map(\.description) == ["sched.yaml:16:8: error: state uses environment variable GAMEDAY_TEST_STATE, which is not set (give a default with ${GAMEDAY_TEST_STATE:-value})"])
    }
}
