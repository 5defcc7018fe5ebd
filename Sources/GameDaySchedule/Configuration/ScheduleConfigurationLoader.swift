import Foundation
import GameDayCore
import Yams

/// Reads and validates a scheduler configuration file, reporting every problem at once as
/// `FILE:LINE:COL: error: MESSAGE` (with "did you mean" for misspelt keys and values).
///
/// It never crashes on bad input: `YAMLInputGuard` (shared with plans) caps the size and nesting depth and refuses
/// non-UTF-8 text, control characters and alias tricks at their position, YAML errors are reported at their position,
/// and the walk over the document only follows the configuration's own shape (so alias bombs cost
/// no more than the items listed at the top).
public enum ScheduleConfigurationLoader {
    /// Largest configuration file accepted.
    public static let maxBytes = 1 << 20
    static let maxDiagnostics = 100
    static let maxListItems = 10_000

    /// Loads `path`; relative paths inside are resolved against the file's folder.
    public static func load(path: String) throws(ScheduleConfigurationError) -> ScheduleConfiguration {
        let url = URL(fileURLWithPath: path)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ScheduleConfigurationError(diagnostics: [Diagnostic(file: path, line: 1, column: 1,
                message: "cannot read the configuration file; check the path and its permissions")])
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maxBytes + 1)) ?? Data()
        if data.count > maxBytes {
            throw ScheduleConfigurationError(diagnostics: [Diagnostic(file: path, line: 1, column: 1,
                message: "the configuration file is larger than \(maxBytes) bytes; is this the right file?")])
        }
        return try parse(data: data, file: path, baseDirectory: url.deletingLastPathComponent().path)
    }

    /// Parses configuration bytes (`file` names them in diagnostics).
    public static func parse(data: Data, file: String, baseDirectory: String) throws(ScheduleConfigurationError) -> ScheduleConfiguration {
        // The plan reader's guard: size, encoding, nesting depth and alias tricks, refused before Yams sees the text.
        var limits = YAMLInputGuard.Limits()
        limits.maximumBytes = maxBytes
        let text: String
        switch YAMLInputGuard.check(data, limits: limits) {
        case .success(let checked): text = checked
        case .failure(let problem):
            var diagnostic = problem.diagnostic(file: file)
            switch problem.kind {
            case .invalidUTF8: diagnostic.message = "the configuration is not UTF-8 text"
            case .nulByte: diagnostic.message = "the configuration contains NUL bytes; it is not a YAML text file"
            default: break
            }
            throw ScheduleConfigurationError(diagnostics: [diagnostic])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            var diagnostic = yamlDiagnostic(error, file: file)
            (diagnostic.line, diagnostic.column) = YAMLInputGuard.clamp(line: diagnostic.line, column: diagnostic.column, in: data)
            throw ScheduleConfigurationError(diagnostics: [diagnostic])
        } catch {
            throw ScheduleConfigurationError(diagnostics: [Diagnostic(file: file, line: 1, column: 1, message: "invalid YAML: \(error)")])
        }
        guard let root else {
            throw ScheduleConfigurationError(diagnostics: [Diagnostic(file: file, line: 1, column: 1,
                message: "the configuration is empty; it needs at least version, timeZone, hours and scenarios")])
        }
        var reader = Reader(file: file, baseDirectory: baseDirectory)
        let configuration = reader.configuration(root)
        if let configuration, reader.diagnostics.isEmpty { return configuration }
        throw ScheduleConfigurationError(diagnostics: reader.diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
    }

    static func yamlDiagnostic(_ error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text): " } ?? ""
            return Diagnostic(file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(prefix)\(problem)")
        case .reader(let problem, _, _, _):
            return Diagnostic(file: file, line: 1, column: 1, message: "cannot read the YAML: \(problem)")
        default:
            return Diagnostic(file: file, line: 1, column: 1, message: "invalid YAML: \(error)")
        }
    }

    /// Walks the document along the configuration's shape, collecting diagnostics.
    struct Reader {
        let file: String
        let baseDirectory: String
        var diagnostics: [Diagnostic] = []

        init(file: String, baseDirectory: String) { self.file = file; self.baseDirectory = baseDirectory }

        static let topKeys = ["version", "timeZone", "workdays", "hours", "holidays", "blackouts", "scenarios",
                              "maxRunsPerDay", "leashed", "killSwitch", "outageCheck", "notify", "state", "runsDir",
                              "seed", "revertTime", "metrics"]

        mutating func error(_ node: Node?, _ message: String) {
            guard diagnostics.count < ScheduleConfigurationLoader.maxDiagnostics else { return }
            let mark = node?.mark
            diagnostics.append(Diagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
        }

        /// The mapping's entries by key, reporting unknown and duplicate keys.
        mutating func entries(_ node: Node, allowed: [String], what: String) -> [String: (key: Node, value: Node)]? {
            guard case .mapping(let mapping) = node else {
                error(node, "\(what) must be a mapping with keys \(allowed.joined(separator: ", "))")
                return nil
            }
            var out: [String: (key: Node, value: Node)] = [:]
            for (key, value) in mapping {
                guard case .scalar(let scalar) = key else { error(key, "keys in \(what) must be plain words"); continue }
                let name = scalar.string
                if !allowed.contains(name) {
                    if let suggestion = Spelling.suggestion(for: name, among: allowed) {
                        error(key, "unknown key '\(name)' in \(what); did you mean '\(suggestion)'?")
                    } else {
                        error(key, "unknown key '\(name)' in \(what); expected one of \(allowed.joined(separator: ", "))")
                    }
                    continue
                }
                if out[name] != nil { error(key, "duplicate key '\(name)' in \(what)"); continue }
                out[name] = (key, value)
            }
            return out
        }

        mutating func string(_ node: Node, _ what: String) -> String? {
            guard case .scalar(let scalar) = node else { error(node, "\(what) must be a single value"); return nil }
            return scalar.string
        }

        mutating func integer(_ node: Node, _ what: String, range: ClosedRange<Int>) -> Int? {
            guard let text = string(node, what) else { return nil }
            guard let value = Int(text), range.contains(value) else {
                error(node, "\(what) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
                return nil
            }
            return value
        }

        mutating func bool(_ node: Node, _ what: String) -> Bool? {
            guard let text = string(node, what) else { return nil }
            switch text.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: error(node, "\(what) must be true or false, not '\(text)'"); return nil
            }
        }

        mutating func list(_ node: Node, _ what: String) -> [Node]? {
            guard case .sequence(let sequence) = node else { error(node, "\(what) must be a list"); return nil }
            if sequence.count > ScheduleConfigurationLoader.maxListItems {
                error(node, "\(what) has \(sequence.count) items; at most \(ScheduleConfigurationLoader.maxListItems) are allowed")
                return nil
            }
            return Array(sequence)
        }

        mutating func date(_ node: Node, _ what: String) -> CivilDate? {
            guard let text = string(node, what) else { return nil }
            guard let date = CivilDate(parsing: text) else {
                error(node, "\(what) must be a date written YYYY-MM-DD, not '\(text)'")
                return nil
            }
            return date
        }

        func path(_ text: String) -> String {
            if text.hasPrefix("/") { return text }
            return URL(fileURLWithPath: baseDirectory).appendingPathComponent(text).standardizedFileURL.path
        }

        mutating func configuration(_ root: Node) -> ScheduleConfiguration? {
            guard let top = entries(root, allowed: Self.topKeys, what: "the configuration") else { return nil }

            if let node = top["version"]?.value {
                if let version = integer(node, "version", range: 1...1_000_000), version != 1 {
                    error(node, "unsupported version \(version); this gameday reads version 1")
                }
            } else {
                error(root, "missing key 'version' (write `version: 1`)")
            }

            var timeZone: TimeZone?
            if let node = top["timeZone"]?.value {
                if let name = string(node, "timeZone") {
                    if let zone = TimeZone(identifier: name), name.contains("/") || name == "UTC" || name == "GMT" {
                        timeZone = zone
                    } else if let suggestion = Spelling.suggestion(for: name, among: TimeZone.knownTimeZoneIdentifiers) {
                        error(node, "unknown time zone '\(name)'; did you mean '\(suggestion)'?")
                    } else {
                        error(node, "unknown time zone '\(name)'; use an IANA name such as Europe/Berlin or America/New_York")
                    }
                }
            } else {
                error(root, "missing key 'timeZone' (an IANA name such as Europe/Berlin)")
            }

            var workdays: Set<Weekday> = [.mon, .tue, .wed, .thu, .fri]
            if let node = top["workdays"]?.value, let items = list(node, "workdays") {
                workdays = []
                for item in items {
                    guard let text = string(item, "a workday") else { continue }
                    guard let day = Weekday(rawValue: text.lowercased()) else {
                        let names = Weekday.allCases.map(\.rawValue)
                        let hint = Spelling.suggestion(for: text, among: names).map { "; did you mean '\($0)'?" } ?? " (use mon, tue, wed, thu, fri, sat, sun)"
                        error(item, "unknown workday '\(text)'\(hint)")
                        continue
                    }
                    if workdays.contains(day) { error(item, "workday '\(text)' is listed twice") }
                    workdays.insert(day)
                }
                if items.isEmpty { error(node, "workdays is empty, so nothing would ever run") }
            }

            var hours: BusinessHours?
            if let node = top["hours"]?.value {
                if let keys = entries(node, allowed: ["start", "end"], what: "hours") {
                    var start: TimeOfDay?, end: TimeOfDay?
                    for (name, slot) in [("start", 0), ("end", 1)] {
                        guard let value = keys[name]?.value else { error(node, "hours needs '\(name)' (\"HH:MM\")"); continue }
                        guard let text = string(value, "hours.\(name)") else { continue }
                        guard let time = TimeOfDay(parsing: text) else {
                            error(value, "hours.\(name) must be a time written HH:MM (24-hour), not '\(text)'")
                            continue
                        }
                        if slot == 0 { start = time } else { end = time }
                    }
                    if let start, let end {
                        if end <= start {
                            error(keys["end"]?.value, "hours.end (\(end)) must be after hours.start (\(start)); windows across midnight are not supported")
                        } else {
                            hours = BusinessHours(start: start, end: end)
                        }
                    }
                }
            } else {
                error(root, "missing key 'hours' (for example `hours: { start: \"09:00\", end: \"15:00\" }`)")
            }

            var holidays: Set<CivilDate> = []
            if let node = top["holidays"]?.value, let items = list(node, "holidays") {
                for item in items { if let date = date(item, "a holiday") { holidays.insert(date) } }
            }

            var blackouts: [Blackout] = []
            if let node = top["blackouts"]?.value, let items = list(node, "blackouts") {
                for item in items { if let blackout = blackout(item) { blackouts.append(blackout) } }
            }

            var scenarios: [ScenarioConfiguration] = []
            if let node = top["scenarios"]?.value, let items = list(node, "scenarios") {
                var names: Set<String> = []
                for item in items {
                    guard let scenario = scenario(item) else { continue }
                    if names.contains(scenario.name) {
                        error(item, "two scenarios are named '\(scenario.name)'; give one a different `name:`")
                        continue
                    }
                    names.insert(scenario.name)
                    scenarios.append(scenario)
                }
                if items.isEmpty { error(node, "scenarios is empty; list at least one plan") }
            } else if top["scenarios"] == nil {
                error(root, "missing key 'scenarios' (the plans the scheduler may run)")
            }

            var maxRunsPerDay = 1
            if let node = top["maxRunsPerDay"]?.value, let value = integer(node, "maxRunsPerDay", range: 1...100) {
                maxRunsPerDay = value
            }
            var leashed = false
            if let node = top["leashed"]?.value, let value = bool(node, "leashed") { leashed = value }
            var killSwitch: String?
            if let node = top["killSwitch"]?.value, let text = string(node, "killSwitch") {
                if text.isEmpty { error(node, "killSwitch must be a file path") } else { killSwitch = path(text) }
            }
            var outageCheck: [String] = []
            if let node = top["outageCheck"]?.value, let items = list(node, "outageCheck") {
                for item in items { if let name = string(item, "an outage check name") { outageCheck.append(name) } }
            }
            var notify: NotifyConfiguration?
            if let node = top["notify"]?.value { notify = self.notify(node) }
            var state = path("gameday-schedule.sqlite")
            if let node = top["state"]?.value, let text = string(node, "state") {
                if text.isEmpty { error(node, "state must be a file path") } else { state = path(text) }
            }
            var runsDir = path("runs")
            if let node = top["runsDir"]?.value, let text = string(node, "runsDir") {
                if text.isEmpty { error(node, "runsDir must be a folder path") } else { runsDir = path(text) }
            }
            var seed: UInt64?
            if let node = top["seed"]?.value, let text = string(node, "seed") {
                if let value = UInt64(text) { seed = value } else { error(node, "seed must be a non-negative whole number, not '\(text)'") }
            }
            var revertTime = TimeSpan.minutes(2)
            if let node = top["revertTime"]?.value, let text = string(node, "revertTime") {
                if let span = TimeSpan(parsing: text), span >= .zero, span <= .minutes(24 * 60) {
                    revertTime = span
                } else {
                    error(node, "revertTime must be a duration such as 90s or 2m, not '\(text)'")
                }
            }
            var metrics: MetricsConfiguration?
            if let node = top["metrics"]?.value { metrics = self.metrics(node) }

            guard let timeZone, let hours else { return nil }
            return ScheduleConfiguration(timeZone: timeZone, workdays: workdays, hours: hours, holidays: holidays,
                                         blackouts: blackouts, scenarios: scenarios, maxRunsPerDay: maxRunsPerDay,
                                         leashed: leashed, killSwitch: killSwitch, outageCheck: outageCheck,
                                         notify: notify, state: state, runsDir: runsDir, seed: seed,
                                         revertTime: revertTime, metrics: metrics)
        }

        mutating func blackout(_ node: Node) -> Blackout? {
            guard let keys = entries(node, allowed: ["from", "to", "reason", "lastBusinessDaysOfQuarter"], what: "a blackout") else { return nil }
            var reason: String?
            if let value = keys["reason"]?.value { reason = string(value, "reason") }
            if let value = keys["lastBusinessDaysOfQuarter"]?.value {
                if keys["from"] != nil || keys["to"] != nil {
                    error(node, "a blackout has either from/to or lastBusinessDaysOfQuarter, not both")
                    return nil
                }
                guard let count = integer(value, "lastBusinessDaysOfQuarter", range: 1...60) else { return nil }
                return .lastBusinessDaysOfQuarter(count: count, reason: reason)
            }
            guard let fromNode = keys["from"]?.value, let toNode = keys["to"]?.value else {
                error(node, "a blackout needs from and to (dates, both included), or lastBusinessDaysOfQuarter")
                return nil
            }
            guard let from = date(fromNode, "from"), let to = date(toNode, "to") else { return nil }
            if to < from { error(toNode, "the blackout ends (\(to)) before it begins (\(from))"); return nil }
            return .range(from: from, to: to, reason: reason)
        }

        mutating func scenario(_ node: Node) -> ScenarioConfiguration? {
            guard let keys = entries(node, allowed: ["plan", "name", "meanDaysBetweenRuns", "minDaysBetweenRuns"], what: "a scenario") else { return nil }
            guard let planNode = keys["plan"]?.value else { error(node, "a scenario needs 'plan' (the plan file)"); return nil }
            guard let plan = string(planNode, "plan"), !plan.isEmpty else { error(planNode, "plan must be a file path"); return nil }
            var name = URL(fileURLWithPath: plan).deletingPathExtension().lastPathComponent
            var nameNode = planNode
            if let value = keys["name"]?.value, let text = string(value, "name") { name = text; nameNode = value }
            let valid = !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
            }
            if !valid {
                error(nameNode, "scenario name '\(name)' must match [a-z0-9-]+ (at most 64 characters); set `name:` to one")
                return nil
            }
            var mean: Double?
            if let value = keys["meanDaysBetweenRuns"]?.value, let text = string(value, "meanDaysBetweenRuns") {
                if let number = Double(text), number.isFinite, number >= 1, number <= 10_000 {
                    mean = number
                } else {
                    error(value, "meanDaysBetweenRuns must be a number of business days, at least 1, not '\(text)'")
                }
            } else if keys["meanDaysBetweenRuns"] == nil {
                error(node, "a scenario needs meanDaysBetweenRuns (business days; it runs on an eligible day with probability 1/mean)")
            }
            var minimum = 0
            if let value = keys["minDaysBetweenRuns"]?.value, let number = integer(value, "minDaysBetweenRuns", range: 0...3650) {
                minimum = number
            }
            guard let mean else { return nil }
            return ScenarioConfiguration(name: name, plan: path(plan), meanDaysBetweenRuns: mean, minDaysBetweenRuns: minimum)
        }

        mutating func notify(_ node: Node) -> NotifyConfiguration? {
            guard let keys = entries(node, allowed: ["webhook", "timeout", "retries"], what: "notify") else { return nil }
            guard let hookNode = keys["webhook"]?.value else { error(node, "notify needs 'webhook' (an http or https URL)"); return nil }
            guard let text = string(hookNode, "webhook") else { return nil }
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  url.host?.isEmpty == false else {
                error(hookNode, "webhook must be an http or https URL, not '\(text)'")
                return nil
            }
            var result = NotifyConfiguration(webhook: url)
            if let value = keys["timeout"]?.value, let t = string(value, "timeout") {
                if let span = TimeSpan(parsing: t), span > .zero, span <= .minutes(5) { result.timeout = span }
                else { error(value, "timeout must be a duration from 1ms to 5m, such as 5s, not '\(t)'") }
            }
            if let value = keys["retries"]?.value, let n = integer(value, "retries", range: 0...10) { result.retries = n }
            return result
        }

        mutating func metrics(_ node: Node) -> MetricsConfiguration? {
            guard let keys = entries(node, allowed: ["listen"], what: "metrics") else { return nil }
            guard let value = keys["listen"]?.value else { error(node, "metrics needs 'listen' (for example 127.0.0.1:9464)"); return nil }
            guard let text = string(value, "listen") else { return nil }
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
                error(value, "listen must be HOST:PORT, such as 127.0.0.1:9464, not '\(text)'")
                return nil
            }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard host == "localhost" || host == "::1" || host.hasPrefix("127.") else {
                error(value, "the metrics endpoint binds loopback only (127.0.0.1, ::1 or localhost), not '\(host)'; put a reverse proxy in front to expose it")
                return nil
            }
            return MetricsConfiguration(host: host, port: port)
        }
    }
}

/// The configuration is invalid: every problem found, each as `FILE:LINE:COL: error: MESSAGE`.
public struct ScheduleConfigurationError: Error, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
