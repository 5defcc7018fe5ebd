import Foundation
import GameDayCore
import GameDayYAML

/// Reads and validates a scheduler configuration file, reporting every problem at once as
/// `FILE:LINE:COL: error: MESSAGE` (with "did you mean" for misspelt keys and values).
///
/// It reads through the plan reader (`YAMLDocument` and `NodeReader`, in the configuration's wording): the byte guard
/// caps the size and nesting depth and refuses non-UTF-8 text, control characters and alias tricks at their position,
/// YAML errors are reported at their position, a node budget bounds the walk whatever aliases expand to, and string
/// values may use `${VAR}` / `${VAR:-default}` from the environment.
public enum ScheduleConfigurationLoader {
    /// Largest configuration file accepted.
    public static let maxBytes = 1 << 20
    static let maxDiagnostics = 100
    static let maxListItems = 10_000

    /// Loads `path`; relative paths inside are resolved against the file's folder, `${VAR}` from `environment`.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ScheduleConfigurationError) -> ScheduleConfiguration {
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
        return try parse(data: data, file: path, baseDirectory: url.deletingLastPathComponent().path, environment: environment)
    }

    /// Parses configuration bytes (`file` names them in diagnostics).
    public static func parse(data: Data, file: String, baseDirectory: String,
                             environment: [String: String] = [:]) throws(ScheduleConfigurationError) -> ScheduleConfiguration {
        var limits = YAMLInputGuard.Limits()
        limits.maximumBytes = maxBytes
        let document: YAMLDocument
        switch YAMLDocument.parse(file: file, data: data, vocabulary: .schedulerConfiguration, limits: limits) {
        case .failure(let diagnostic): throw ScheduleConfigurationError(diagnostics: [diagnostic])
        case .success(let parsed): document = parsed
        }
        let reader = NodeReader(file: file, environment: environment, maximumDiagnostics: maxDiagnostics,
                                vocabulary: .schedulerConfiguration)
        let configuration = ConfigurationDecoder(reader: reader, baseDirectory: baseDirectory).configuration(document.root)
        if let configuration, reader.diagnostics.isEmpty { return configuration }
        var diagnostics = reader.diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
        if diagnostics.isEmpty {
            // Not reachable today (every nil above reports why); an error without a reason is still never silent.
            diagnostics = [Diagnostic(file: file, line: 1, column: 1, message: "the configuration is incomplete; run `gameday validate` on it")]
        }
        throw ScheduleConfigurationError(diagnostics: diagnostics)
    }

    /// Walks the document along the configuration's shape; every problem goes to `reader`.
    struct ConfigurationDecoder {
        let reader: NodeReader
        let baseDirectory: String

        static let topKeys = ["version", "timeZone", "workdays", "hours", "holidays", "blackouts", "scenarios",
                              "maxRunsPerDay", "leashed", "killSwitch", "outageCheck", "notify", "state", "runsDir",
                              "seed", "revertTime", "metrics", "store", "leaseTTL"]

        func error(_ node: YAMLNode?, _ message: String) { reader.error(node, message) }

        /// The value of `key`; nil when absent, and nil after reporting when the key is there with no value (which
        /// would otherwise silently mean the default).
        func given(_ fields: NodeReader.Fields, _ key: String) -> YAMLNode? {
            guard let node = fields[key] else { return nil }
            guard !NodeReader.isNull(node) else { error(node, "'\(key)' has no value; give one or remove the key"); return nil }
            return node
        }

        /// The value of a required `key`; nil after reporting `missing` at `node` when absent (or as `given` when empty).
        func required(_ fields: NodeReader.Fields, _ key: String, at node: YAMLNode, _ missing: String) -> YAMLNode? {
            guard fields[key] != nil else { error(node, missing); return nil }
            return given(fields, key)
        }

        func string(_ node: YAMLNode, _ what: String) -> String? {
            // A null in a list (`- `) is an empty string here, reported by the caller as the wrong value.
            NodeReader.isNull(node) ? "" : reader.string(node, what)
        }

        func list(_ node: YAMLNode, _ what: String) -> [YAMLNode]? {
            reader.list(node, what, maximumCount: ScheduleConfigurationLoader.maxListItems)
        }

        func date(_ node: YAMLNode, _ what: String) -> CivilDate? {
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

        func configuration(_ root: YAMLNode) -> ScheduleConfiguration? {
            guard let top = reader.mapping(root, "the configuration", allowed: Self.topKeys) else { return nil }

            if let node = required(top, "version", at: root, "missing key 'version' (write `version: 1`)"),
               let version = reader.int(node, "version", range: 1...1_000_000), version != 1 {
                error(node, "unsupported version \(version); this gameday reads version 1")
            }

            var timeZone: TimeZone?
            if let node = required(top, "timeZone", at: root, "missing key 'timeZone' (an IANA name such as Europe/Berlin)") {
                if let name = string(node, "timeZone") {
                    if let zone = TimeZone(identifier: name), name.contains("/") || name == "UTC" || name == "GMT" {
                        timeZone = zone
                    } else if let suggestion = Spelling.suggestion(for: name, among: TimeZone.knownTimeZoneIdentifiers) {
                        error(node, "unknown time zone '\(name)'; did you mean '\(suggestion)'?")
                    } else {
                        error(node, "unknown time zone '\(name)'; use an IANA name such as Europe/Berlin or America/New_York")
                    }
                }
            }

            var workdays: Set<Weekday> = [.mon, .tue, .wed, .thu, .fri]
            if let node = given(top, "workdays"), let items = list(node, "workdays") {
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
            if let node = required(top, "hours", at: root, "missing key 'hours' (for example `hours: { start: \"09:00\", end: \"15:00\" }`)") {
                if let keys = reader.mapping(node, "hours", allowed: ["start", "end"]) {
                    var start: TimeOfDay?, end: TimeOfDay?
                    for (name, slot) in [("start", 0), ("end", 1)] {
                        guard let value = required(keys, name, at: node, "hours needs '\(name)' (\"HH:MM\")") else { continue }
                        guard let text = string(value, "hours.\(name)") else { continue }
                        guard let time = TimeOfDay(parsing: text) else {
                            error(value, "hours.\(name) must be a time written HH:MM (24-hour), not '\(text)'")
                            continue
                        }
                        if slot == 0 { start = time } else { end = time }
                    }
                    if let start, let end {
                        if end <= start {
                            error(keys["end"], "hours.end (\(end)) must be after hours.start (\(start)); windows across midnight are not supported")
                        } else {
                            hours = BusinessHours(start: start, end: end)
                        }
                    }
                }
            }

            var holidays: Set<CivilDate> = []
            if let node = given(top, "holidays"), let items = list(node, "holidays") {
                for item in items { if let date = date(item, "a holiday") { holidays.insert(date) } }
            }

            var blackouts: [Blackout] = []
            if let node = given(top, "blackouts"), let items = list(node, "blackouts") {
                for item in items { if let blackout = blackout(item) { blackouts.append(blackout) } }
            }

            var scenarios: [ScenarioConfiguration] = []
            if let node = required(top, "scenarios", at: root, "missing key 'scenarios' (the plans the scheduler may run)"),
               let items = list(node, "scenarios") {
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
            }

            var maxRunsPerDay = 1
            if let node = given(top, "maxRunsPerDay"), let value = reader.int(node, "maxRunsPerDay", range: 1...100) {
                maxRunsPerDay = value
            }
            var leashed = false
            if let node = given(top, "leashed"), let value = reader.bool(node, "leashed") { leashed = value }
            var killSwitch: String?
            if let node = given(top, "killSwitch"), let text = string(node, "killSwitch") {
                if text.isEmpty { error(node, "killSwitch must be a file path") } else { killSwitch = path(text) }
            }
            var outageCheck: [String] = []
            if let node = given(top, "outageCheck"), let items = list(node, "outageCheck") {
                for item in items { if let name = string(item, "an outage check name") { outageCheck.append(name) } }
            }
            var notify: NotifyConfiguration?
            if let node = given(top, "notify") { notify = self.notify(node) }
            var state = path("gameday-schedule.sqlite")
            if let node = given(top, "state"), let text = string(node, "state") {
                if text.isEmpty { error(node, "state must be a file path") } else { state = path(text) }
            }
            var runsDir = path("runs")
            if let node = given(top, "runsDir"), let text = string(node, "runsDir") {
                if text.isEmpty { error(node, "runsDir must be a folder path") } else { runsDir = path(text) }
            }
            var seed: UInt64?
            if let node = given(top, "seed"), let text = string(node, "seed") {
                if let value = UInt64(text) { seed = value } else { error(node, "seed must be a non-negative whole number, not '\(text)'") }
            }
            var revertTime = TimeSpan.minutes(2)
            if let node = given(top, "revertTime"), let text = string(node, "revertTime") {
                if let span = TimeSpan(parsing: text), span >= .zero, span <= .minutes(24 * 60) {
                    revertTime = span
                } else {
                    error(node, "revertTime must be a duration such as 90s or 2m, not '\(text)'")
                }
            }
            var metrics: MetricsConfiguration?
            if let node = given(top, "metrics") { metrics = self.metrics(node) }

            var store: String?
            if let node = given(top, "store"), let text = string(node, "store") {
                if !(text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")) {
                    error(node, "store must be a PostgreSQL URL such as postgres://gameday@db.example:5432/gameday (leave it out for the SQLite `state` file)")
                } else if let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@"),
                          text[scheme.upperBound..<at].contains(":") {
                    error(node, "store must not hold a password: set PGPASSWORD in the daemon's environment or use ~/.pgpass (mode 0600)")
                } else {
                    store = text
                }
            }
            var leaseTTL = TimeSpan.seconds(15)
            if let node = given(top, "leaseTTL"), let text = string(node, "leaseTTL") {
                if let span = TimeSpan(parsing: text), span >= .milliseconds(300), span <= .minutes(10) {
                    leaseTTL = span
                } else {
                    error(node, "leaseTTL must be a duration from 300ms to 10m such as 15s, not '\(text)'")
                }
            }

            guard let timeZone, let hours else { return nil }
            var configuration = ScheduleConfiguration(timeZone: timeZone, workdays: workdays, hours: hours, holidays: holidays,
                                         blackouts: blackouts, scenarios: scenarios, maxRunsPerDay: maxRunsPerDay,
                                         leashed: leashed, killSwitch: killSwitch, outageCheck: outageCheck,
                                         notify: notify, state: state, runsDir: runsDir, seed: seed,
                                         revertTime: revertTime, metrics: metrics)
            configuration.store = store
            configuration.leaseTTL = leaseTTL
            return configuration
        }

        func blackout(_ node: YAMLNode) -> Blackout? {
            guard let keys = reader.mapping(node, "a blackout", allowed: ["from", "to", "reason", "lastBusinessDaysOfQuarter"]) else { return nil }
            var reason: String?
            if let value = given(keys, "reason") { reason = string(value, "reason") }
            if let value = given(keys, "lastBusinessDaysOfQuarter") {
                if keys["from"] != nil || keys["to"] != nil {
                    error(node, "a blackout has either from/to or lastBusinessDaysOfQuarter, not both")
                    return nil
                }
                guard let count = reader.int(value, "lastBusinessDaysOfQuarter", range: 1...60) else { return nil }
                return .lastBusinessDaysOfQuarter(count: count, reason: reason)
            }
            let missing = "a blackout needs from and to (dates, both included), or lastBusinessDaysOfQuarter"
            guard let fromNode = required(keys, "from", at: node, missing), let toNode = required(keys, "to", at: node, missing) else {
                return nil
            }
            guard let from = date(fromNode, "from"), let to = date(toNode, "to") else { return nil }
            if to < from { error(toNode, "the blackout ends (\(to)) before it begins (\(from))"); return nil }
            return .range(from: from, to: to, reason: reason)
        }

        func scenario(_ node: YAMLNode) -> ScenarioConfiguration? {
            guard let keys = reader.mapping(node, "a scenario", allowed: ["plan", "name", "meanDaysBetweenRuns", "minDaysBetweenRuns"]) else { return nil }
            guard let planNode = required(keys, "plan", at: node, "a scenario needs 'plan' (the plan file)") else { return nil }
            guard let plan = string(planNode, "plan"), !plan.isEmpty else { error(planNode, "plan must be a file path"); return nil }
            var name = URL(fileURLWithPath: plan).deletingPathExtension().lastPathComponent
            var nameNode = planNode
            if let value = given(keys, "name"), let text = string(value, "name") { name = text; nameNode = value }
            let valid = !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
            }
            if !valid {
                error(nameNode, "scenario name '\(name)' must match [a-z0-9-]+ (at most 64 characters); set `name:` to one")
                return nil
            }
            var mean: Double?
            if let value = required(keys, "meanDaysBetweenRuns", at: node,
                                    "a scenario needs meanDaysBetweenRuns (business days; it runs on an eligible day with probability 1/mean)"),
               let text = string(value, "meanDaysBetweenRuns") {
                if let number = Double(text), number.isFinite, number >= 1, number <= 10_000 {
                    mean = number
                } else {
                    error(value, "meanDaysBetweenRuns must be a number of business days, at least 1, not '\(text)'")
                }
            }
            var minimum = 0
            if let value = given(keys, "minDaysBetweenRuns"), let number = reader.int(value, "minDaysBetweenRuns", range: 0...3650) {
                minimum = number
            }
            guard let mean else { return nil }
            return ScenarioConfiguration(name: name, plan: path(plan), meanDaysBetweenRuns: mean, minDaysBetweenRuns: minimum)
        }

        func notify(_ node: YAMLNode) -> NotifyConfiguration? {
            guard let keys = reader.mapping(node, "notify", allowed: ["webhook", "timeout", "retries"]) else { return nil }
            guard let hookNode = required(keys, "webhook", at: node, "notify needs 'webhook' (an http or https URL)") else { return nil }
            guard let text = string(hookNode, "webhook") else { return nil }
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  url.host?.isEmpty == false else {
                error(hookNode, "webhook must be an http or https URL, not '\(text)'")
                return nil
            }
            var result = NotifyConfiguration(webhook: url)
            if let value = given(keys, "timeout"), let t = string(value, "timeout") {
                if let span = TimeSpan(parsing: t), span > .zero, span <= .minutes(5) { result.timeout = span }
                else { error(value, "timeout must be a duration from 1ms to 5m, such as 5s, not '\(t)'") }
            }
            if let value = given(keys, "retries"), let n = reader.int(value, "retries", range: 0...10) { result.retries = n }
            return result
        }

        func metrics(_ node: YAMLNode) -> MetricsConfiguration? {
            guard let keys = reader.mapping(node, "metrics", allowed: ["listen"]) else { return nil }
            guard let value = required(keys, "listen", at: node, "metrics needs 'listen' (for example 127.0.0.1:9464)") else { return nil }
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
