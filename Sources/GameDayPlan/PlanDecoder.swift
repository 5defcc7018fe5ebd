import Foundation
import GameDayCore
import GameDayFaults
import GameDayYAML
import Yams

/// Decodes the plan's sections and checks everything that crosses them (references, overlaps, blast radius).
final class PlanDecoder {
    let reader: NodeReader
    let baseDirectory: URL?
    let environment: [String: String]
    /// The fault kinds steps may use.
    let faults = FaultRegistry.standard
    var warnings: [Diagnostic] = []
    var inventoryDiagnostics: [Diagnostic] = []

    /// Target names and group sizes per selector, for `checkSelector` (steps are all checked against one target list).
    private var knownNames: Set<String> = []
    private var knownNamesOf = -1
    private var groupSizes: [String: Int] = [:]

    /// Where each named thing was defined, for cross-reference messages.
    private var stepNodes: [(step: Step, node: Node, fields: NodeReader.Fields)] = []

    init(reader: NodeReader, baseDirectory: URL?, environment: [String: String]) {
        self.reader = reader; self.baseDirectory = baseDirectory; self.environment = environment
    }

    func decode(_ root: Node) -> Plan? {
        guard let top = reader.mapping(root, "the plan", allowed: PlanKeys.topLevel) else { return nil }

        var version = 1
        if let node = reader.require(top, "version", "the plan"), let v = reader.int(node, "version") {
            if v != 1 { reader.error(node, "unsupported plan version \(v); this gameday reads version 1") }
            version = v
        }
        var name = "unnamed"
        if let node = reader.require(top, "name", "the plan"), let n = reader.string(node, "name") {
            if n.isEmpty || n.count > 63 || !n.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }) {
                reader.error(node, "name must be 1-63 characters of a-z, 0-9 and '-', found '\(n)'")
            }
            name = n
        }
        let description = reader.string(top["description"], "description")
        var environmentValue = Plan.Environment.staging
        if let node = top["environment"], let text = reader.string(node, "environment") {
            if let env = Plan.Environment(rawValue: text) { environmentValue = env }
            else { reader.error(node, "environment must be staging or production, found '\(text)'" + suggestion(text, Plan.Environment.allCases.map(\.rawValue))) }
        }
        let runbook = reader.string(top["runbook"], "runbook")
        if let runbook, let node = top["runbook"], let base = baseDirectory, !runbook.contains("://") {
            let path = runbook.hasPrefix("/") ? runbook : base.appendingPathComponent(runbook).path
            if !FileManager.default.fileExists(atPath: path) {
                warn(node, "runbook '\(runbook)' does not exist (resolved to \(path))")
            }
        }
        let risk = reader.string(top["risk"], "risk")
        var seed: UInt64?
        if let node = top["seed"], let text = reader.string(node, "seed") {
            if let s = UInt64(text) { seed = s } else { reader.error(node, "seed must be a non-negative whole number, found '\(text)'") }
        }

        var targets: [Target] = []
        let inventoryPath = reader.string(top["inventory"], "inventory")
        if let inventoryPath, let node = top["inventory"] {
            targets += loadInventory(inventoryPath, node: node)
        }
        // Name sets, not scans of the lists so far: a 1 MiB plan holds tens of thousands of entries.
        var targetNames = Set(targets.map(\.name))
        for node in reader.sequence(top["targets"], "targets") {
            if let target = decodeTarget(node) {
                if !targetNames.insert(target.name).inserted { reader.error(node, "duplicate target name '\(target.name)'") }
                targets.append(target)
            }
        }

        var proxies: [ProxySpec] = []
        var proxyNames: Set<String> = []
        for node in reader.sequence(top["proxies"], "proxies") {
            if let proxy = decodeProxy(node) {
                if !proxyNames.insert(proxy.name).inserted { reader.error(node, "duplicate proxy name '\(proxy.name)'") }
                proxies.append(proxy)
            }
        }

        var checks: [HealthCheckSpec] = []
        var checkNameSet: Set<String> = []
        for node in reader.sequence(top["health"], "health") {
            if let check = decodeHealthCheck(node) {
                if !checkNameSet.insert(check.name).inserted { reader.error(node, "duplicate health check name '\(check.name)'") }
                checks.append(check)
            }
        }
        let checkNames = checks.map(\.name)

        var hypothesis: [HypothesisSpec] = []
        for node in reader.sequence(top["hypothesis"], "hypothesis") {
            if let h = decodeHypothesis(node, checkNames: checkNames) {
                checkValueBounds(h, node: node, checks: checks)
                hypothesis.append(h)
            }
        }
        var guardrails: [GuardrailSpec] = []
        for node in reader.sequence(top["guardrails"], "guardrails") {
            if let g = decodeGuardrail(node, checkNames: checkNames) { guardrails.append(g) }
        }

        var timeline = Timeline()
        if let node = top["timeline"], !NodeReader.isNull(node),
           let fields = reader.mapping(node, "timeline", allowed: PlanKeys.timeline) {
            if let b = reader.duration(fields["baseline"], "timeline.baseline", allowZero: true) { timeline.baseline = b }
            if let r = reader.duration(fields["recovery"], "timeline.recovery", allowZero: true) { timeline.recovery = r }
        }

        var steps: [Step] = []
        var stepNames: Set<String> = []
        let stepList = reader.sequence(top["steps"], "steps")
        if top["steps"] == nil { reader.error(top.node, "the plan is missing required key 'steps' (a list of faults to inject)") }
        for node in stepList {
            if let (step, fields) = decodeStep(node, targets: targets, proxies: proxies) {
                if !stepNames.insert(step.name).inserted { reader.error(fields["name"] ?? node, "duplicate step name '\(step.name)'") }
                steps.append(step)
                stepNodes.append((step, node, fields))
            }
        }
        checkConflicts(targets: targets)
        let alerts = top["alerts"].flatMap { NodeReader.isNull($0) ? nil : decodeAlerts($0) }

        return withAlerts(alerts, Plan(version: version, name: name, description: description, environment: environmentValue,
                    runbook: runbook, risk: risk, seed: seed, inventory: inventoryPath, targets: targets,
                    proxies: proxies, health: checks, hypothesis: hypothesis, guardrails: guardrails,
                    timeline: timeline, steps: steps))
    }

    func warn(_ node: Node, _ message: String) {
        warnings.append(Diagnostic(file: reader.file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1,
                                   severity: .warning, message: message))
    }

    func suggestion(_ word: String, _ candidates: [String]) -> String {
        Spelling.suggestion(for: word, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    // MARK: - Inventory and targets

    private func loadInventory(_ path: String, node: Node) -> [Target] {
        let resolved = path.hasPrefix("/") ? path : (baseDirectory?.appendingPathComponent(path).path ?? path)
        guard let data = FileManager.default.contents(atPath: resolved) else {
            reader.error(node, "inventory file '\(path)' cannot be read (resolved to \(resolved))")
            return []
        }
        let inventoryFile = resolved
        switch YAMLDocument.parse(file: inventoryFile, data: data) {
        case .failure(let diagnostic):
            inventoryDiagnostics.append(diagnostic)
            return []
        case .success(let document):
            let inventoryReader = NodeReader(file: inventoryFile, environment: environment)
            let sub = PlanDecoder(reader: inventoryReader, baseDirectory: baseDirectory, environment: environment)
            var list: [Node] = []
            if case .sequence = document.root { list = inventoryReader.sequence(document.root, "the inventory") }
            else if let fields = inventoryReader.mapping(document.root, "the inventory", allowed: PlanKeys.inventory) {
                list = inventoryReader.sequence(inventoryReader.require(fields, "targets", "the inventory"), "targets")
            }
            var targets: [Target] = []
            var names: Set<String> = []
            for item in list {
                if let target = sub.decodeTarget(item) {
                    if !names.insert(target.name).inserted { inventoryReader.error(item, "duplicate target name '\(target.name)'") }
                    targets.append(target)
                }
            }
            inventoryDiagnostics += inventoryReader.diagnostics
            return targets
        }
    }

    func decodeTarget(_ node: Node) -> Target? {
        guard let f = reader.mapping(node, "a target", allowed: PlanKeys.target) else { return nil }
        guard let nameNode = reader.require(f, "name", "a target"), let name = reader.string(nameNode, "target name") else { return nil }
        if name.isEmpty || name.contains(where: { $0.isWhitespace }) { reader.error(nameNode, "target name must be non-empty and contain no spaces") }
        let address = reader.string(f["address"], "address of target '\(name)'")
        let tags = reader.stringMap(f["tags"], "tags of target '\(name)'") ?? [:]
        var access = Access.local
        if let a = f["access"] {
            if case .scalar = a, let text = reader.string(a, "access") {
                switch text {
                case "local": access = .local
                case "ssh": access = .ssh(SSHAccess())
                default: reader.error(a, "access must be local or ssh, found '\(text)'" + suggestion(text, ["local", "ssh"]))
                }
            } else if let af = reader.mapping(a, "access of target '\(name)'", allowed: PlanKeys.access) {
                if let s = af["ssh"] { access = .ssh(decodeSSH(s, target: name)) }
            }
        }
        if case .ssh = access, address == nil {
            reader.error(f.node, "target '\(name)' uses ssh access and needs an 'address'")
        }
        var process: ProcessSelector?
        if let p = f["process"], let pf = reader.mapping(p, "process of target '\(name)'", allowed: PlanKeys.process) {
            let selector = ProcessSelector(pidFile: reader.string(pf["pidFile"], "pidFile"),
                                           pattern: reader.string(pf["pattern"], "pattern"),
                                           systemdUnit: reader.string(pf["systemdUnit"], "systemdUnit"))
            let count = [selector.pidFile, selector.pattern, selector.systemdUnit].compactMap { $0 }.count
            if count != 1 { reader.error(p, "process of target '\(name)' needs exactly one of pidFile, pattern or systemdUnit") }
            if let pattern = selector.pattern, (try? NSRegularExpression(pattern: pattern)) == nil {
                reader.error(pf["pattern"], "pattern '\(pattern)' is not a valid regular expression")
            }
            process = selector
        }
        return Target(name: name, address: address, tags: tags, access: access, process: process)
    }

    private func decodeSSH(_ node: Node, target: String) -> SSHAccess {
        var ssh = SSHAccess()
        if NodeReader.isNull(node) { return ssh }
        guard let f = reader.mapping(node, "ssh access of target '\(target)'",
                                     allowed: PlanKeys.ssh) else { return ssh }
        ssh.user = reader.string(f["user"], "ssh user")
        ssh.port = reader.int(f["port"], "ssh port", range: 1...65535)
        ssh.identity = reader.string(f["identity"], "ssh identity")
        ssh.knownHosts = reader.string(f["knownHosts"], "ssh knownHosts")
        ssh.allowLocalCommands = reader.bool(f["allowLocalCommands"], "allowLocalCommands") ?? false
        if let list = f["options"], !NodeReader.isNull(list) {
            guard case .sequence = list else {
                reader.error(list, "ssh options must be a list of strings, found \(NodeReader.typeName(list))")
                return ssh
            }
            for item in reader.sequence(list, "ssh options") {
                guard let option = reader.string(item, "each entry of ssh options") else { continue }
                ssh.options.append(option)
                if !option.contains("=") && !option.contains(where: { $0 == " " || $0 == "\t" }) {
                    reader.error(item, "ssh option '\(option)' must look like 'Name=value'")
                }
                if !ssh.allowLocalCommands, let keyword = SSHOptionPolicy.localCommandKeyword(in: option) {
                    reader.error(item, "ssh option '\(option)' runs a local command (\(keyword)) on this machine; "
                                 + "remove it, or set `allowLocalCommands: true` in the ssh access of target '\(target)' if you trust this inventory")
                }
            }
        }
        return ssh
    }

    // MARK: - Proxies and checks

    private func decodeProxy(_ node: Node) -> ProxySpec? {
        guard let f = reader.mapping(node, "a proxy", allowed: PlanKeys.proxy) else { return nil }
        guard let nameNode = reader.require(f, "name", "a proxy"), let name = reader.string(nameNode, "proxy name") else { return nil }
        let spec = ProxySpec(name: name, listen: reader.string(f["listen"], "listen"), upstream: reader.string(f["upstream"], "upstream"),
                             api: reader.string(f["api"], "api"))
        if spec.api == nil && (spec.listen == nil || spec.upstream == nil) {
            reader.error(node, "proxy '\(name)' needs 'listen' and 'upstream' (a proxy the run starts) or 'api' (a running proxy)")
        }
        for (key, value) in [("listen", spec.listen), ("upstream", spec.upstream)] {
            if let value, HostPort.parse(value) == nil {
                reader.error(f[key], "\(key) of proxy '\(name)' must be HOST:PORT, found '\(value)'")
            }
        }
        if let api = spec.api, !(api.hasPrefix("http://") || api.hasPrefix("https://")) {
            reader.error(f["api"], "api of proxy '\(name)' must be an http:// or https:// URL, found '\(api)'")
        }
        return spec
    }

    private func decodeHealthCheck(_ node: Node) -> HealthCheckSpec? {
        guard let f = reader.mapping(node, "a health check", allowed: PlanKeys.healthCheck) else { return nil }
        guard let nameNode = reader.require(f, "name", "a health check"), let name = reader.string(nameNode, "health check name") else { return nil }
        let kinds = PlanKeys.healthKinds.filter { f.has($0) }
        if kinds.count != 1 {
            reader.error(f.node, "health check '\(name)' needs exactly one of http, tcp, command or prometheus")
            return nil
        }
        var kind: HealthCheckSpec.Kind
        switch kinds[0] {
        case "http":
            let h = f["http"]!
            if case .scalar = h, let url = reader.string(h, "http") {
                kind = .http(HTTPCheck(url: url))
            } else {
                guard let hf = reader.mapping(h, "http check '\(name)'", allowed: PlanKeys.httpCheck),
                      let urlNode = reader.require(hf, "url", "http check '\(name)'"), let url = reader.string(urlNode, "url") else { return nil }
                var check = HTTPCheck(url: url)
                if let m = reader.string(hf["method"], "method") { check.method = m.uppercased() }
                if let s = hf["expectStatus"] {
                    if case .sequence = s {
                        check.expectStatus = reader.sequence(s, "expectStatus").compactMap { reader.int($0, "expectStatus", range: 100...599) }
                    } else if let one = reader.int(s, "expectStatus", range: 100...599) { check.expectStatus = [one] }
                }
                check.bodyContains = reader.string(hf["bodyContains"], "bodyContains")
                check.headers = reader.stringMap(hf["headers"], "headers") ?? [:]
                kind = .http(check)
            }
            if case .http(let check) = kind, !(check.url.hasPrefix("http://") || check.url.hasPrefix("https://")) {
                reader.error(f["http"], "url of health check '\(name)' must start with http:// or https://, found '\(check.url)'")
            }
        case "tcp":
            guard let text = reader.string(f["tcp"], "tcp") else { return nil }
            guard let hp = HostPort.parse(text) else {
                reader.error(f["tcp"], "tcp of health check '\(name)' must be HOST:PORT, found '\(text)'")
                return nil
            }
            kind = .tcp(host: hp.host, port: hp.port)
        case "prometheus":
            guard let prometheus = decodePrometheusCheck(f["prometheus"]!, name: name) else { return nil }
            kind = .prometheus(prometheus)
        default:
            guard let argv = reader.stringList(f["command"], "command"), !argv.isEmpty else {
                reader.error(f["command"], "command of health check '\(name)' must be a non-empty list (program and arguments)")
                return nil
            }
            kind = .command(argv: argv)
        }
        var check = HealthCheckSpec(name: name, kind: kind)
        if let i = reader.duration(f["interval"], "interval") { check.interval = i }
        if let t = reader.duration(f["timeout"], "timeout") { check.timeout = t }
        if let n = reader.int(f["failuresToUnhealthy"], "failuresToUnhealthy", range: 1...1000) { check.failuresToUnhealthy = n }
        if let n = reader.int(f["successesToHealthy"], "successesToHealthy", range: 1...1000) { check.successesToHealthy = n }
        if f.has("slowerThan") {
            switch kind {
            case .http, .tcp: check.slowerThan = reader.duration(f["slowerThan"], "slowerThan")
            default: reader.error(f.keyNode("slowerThan"), "slowerThan applies to http and tcp checks, not to health check '\(name)'")
            }
        }
        return check
    }

    private func checkReference(_ node: Node?, _ fields: NodeReader.Fields, what: String, checkNames: [String]) -> String? {
        guard let node = reader.require(fields, "check", what), let name = reader.string(node, "check") else { return nil }
        if !checkNames.contains(name) {
            reader.error(node, "\(what) refers to health check '\(name)', which is not defined" + suggestion(name, checkNames))
        }
        return name
    }

    private func decodeHypothesis(_ node: Node, checkNames: [String]) -> HypothesisSpec? {
        guard let f = reader.mapping(node, "a hypothesis", allowed: PlanKeys.hypothesis) else { return nil }
        guard let check = checkReference(f["check"], f, what: "a hypothesis", checkNames: checkNames) else { return nil }
        var h = HypothesisSpec(check: check)
        h.availability = reader.percent(f["availability"], "availability")
        h.latencyP50 = reader.duration(f["latencyP50"], "latencyP50")
        h.latencyP90 = reader.duration(f["latencyP90"], "latencyP90")
        h.latencyP99 = reader.duration(f["latencyP99"], "latencyP99")
        h.valueBelow = reader.double(f["valueBelow"], "valueBelow")
        h.valueAbove = reader.double(f["valueAbove"], "valueAbove")
        for p in reader.sequence(f["phases"], "phases") {
            guard let text = reader.string(p, "phase") else { continue }
            if let phase = Phase(rawValue: text) { h.phases.append(phase) }
            else { reader.error(p, "unknown phase '\(text)' (baseline, chaos or recovery)" + suggestion(text, Phase.allCases.map(\.rawValue))) }
        }
        if h.availability == nil && h.latencyP50 == nil && h.latencyP90 == nil && h.latencyP99 == nil && f["availability"] == nil
            && f["latencyP50"] == nil && f["latencyP90"] == nil && f["latencyP99"] == nil && f["valueBelow"] == nil && f["valueAbove"] == nil {
            reader.error(node, "hypothesis for '\(check)' states nothing; give availability, latencyP50/P90/P99 and/or valueBelow/valueAbove")
        }
        return h
    }

    private func decodeGuardrail(_ node: Node, checkNames: [String]) -> GuardrailSpec? {
        guard let f = reader.mapping(node, "a guardrail", allowed: PlanKeys.guardrail) else { return nil }
        guard let check = checkReference(f["check"], f, what: "a guardrail", checkNames: checkNames) else { return nil }
        if f.has("unhealthyFor") == f.has("availabilityBelow") {
            reader.error(node, "guardrail on '\(check)' needs exactly one of unhealthyFor or availabilityBelow")
            return nil
        }
        if f.has("unhealthyFor") {
            if f.has("window") { reader.error(f.keyNode("window"), "window applies to availabilityBelow, not unhealthyFor") }
            guard let span = reader.duration(f["unhealthyFor"], "unhealthyFor") else { return nil }
            return GuardrailSpec(check: check, condition: .unhealthyFor(span))
        }
        guard let percent = reader.percent(f["availabilityBelow"], "availabilityBelow") else { return nil }
        guard let windowNode = reader.require(f, "window", "an availabilityBelow guardrail"),
              let window = reader.duration(windowNode, "window") else { return nil }
        return GuardrailSpec(check: check, condition: .availabilityBelow(percent: percent, window: window))
    }

    // MARK: - Steps

    private func decodeStep(_ node: Node, targets: [Target], proxies: [ProxySpec]) -> (Step, NodeReader.Fields)? {
        guard let f = reader.mapping(node, "a step", allowed: PlanKeys.step) else { return nil }
        guard let nameNode = reader.require(f, "name", "a step"), let name = reader.string(nameNode, "step name") else { return nil }
        let at = reader.require(f, "at", "step '\(name)'").flatMap { reader.duration($0, "at", allowZero: true) }
        let duration = reader.require(f, "duration", "step '\(name)'").flatMap { reader.duration($0, "duration") }
        var proxy: String?
        if let p = f["proxy"], let text = reader.string(p, "proxy") {
            if !proxies.contains(where: { $0.name == text }) {
                reader.error(p, "step '\(name)' uses proxy '\(text)', which is not defined under proxies" + suggestion(text, proxies.map(\.name)))
            }
            proxy = text
        }
        var selector: Selector?
        if let t = f["targets"], !NodeReader.isNull(t) { selector = decodeSelector(t, step: name, targets: targets) }
        guard let faultNode = reader.require(f, "fault", "step '\(name)'"), let faultName = reader.string(faultNode, "fault") else { return nil }
        let context = DecodeContext(step: name, hasProxy: proxy != nil, selector: selector, targets: targets, stepNode: node, registry: faults)
        guard let fault = faults.decode(name: faultName, nameNode: faultNode, with: f["with"], context: context, reader: reader) else { return nil }
        guard let at, let duration else { return nil }
        faults.validatePlacement(fault, step: StepContext(step: name, selector: selector, targets: targets, fields: f), proxy: proxy, reader: reader)
        return (Step(name: name, at: at, duration: duration, fault: fault, targets: selector, proxy: proxy), f)
    }

    private func decodeSelector(_ node: Node, step: String, targets: [Target]) -> Selector? {
        if case .sequence = node {
            // Shorthand: `targets: [web-1, web-2]`.
            guard let names = reader.stringList(node, "targets") else { return nil }
            let selector = Selector(names: names)
            checkSelector(selector, node: node, fields: nil, step: step, targets: targets)
            return selector
        }
        guard let f = reader.mapping(node, "targets of step '\(step)'", allowed: PlanKeys.selector) else { return nil }
        var selector = Selector()
        selector.names = reader.stringList(f["names"], "names") ?? []
        selector.tags = reader.stringMap(f["tags"], "tags") ?? [:]
        let picks = ["all", "count", "percent"].filter { f.has($0) }
        if picks.count > 1 { reader.error(node, "targets of step '\(step)' take only one of all, count or percent") }
        if f.has("all"), let all = reader.bool(f["all"], "all"), !all {
            reader.error(f["all"], "all: false selects nothing; use count or percent instead")
        }
        if let count = reader.int(f["count"], "count", range: 1...100_000) { selector.pick = .count(count) }
        if let percent = reader.percent(f["percent"], "percent") {
            if percent == 0 { reader.error(f["percent"], "percent must be greater than 0%") }
            selector.pick = .percent(percent)
        }
        selector.maxPercent = reader.percent(f["maxPercent"], "maxPercent")
        if selector.names.isEmpty && selector.tags.isEmpty && f["names"] == nil && f["tags"] == nil {
            reader.error(node, "targets of step '\(step)' need names or tags")
        }
        checkSelector(selector, node: node, fields: f, step: step, targets: targets)
        return selector
    }

    private func checkSelector(_ selector: Selector, node: Node, fields: NodeReader.Fields?, step: String, targets: [Target]) {
        // Every step is checked against the same targets: their names and each distinct selector's group size are
        // computed once (thousands of steps times thousands of targets fit in 1 MiB).
        if knownNamesOf != targets.count { knownNames = Set(targets.map(\.name)); knownNamesOf = targets.count; groupSizes = [:] }
        for name in selector.names where !knownNames.contains(name) {
            reader.error(fields?["names"] ?? node, "step '\(step)' targets '\(name)', which is not in the inventory" + suggestion(name, targets.map(\.name)))
        }
        let key = String(describing: selector)
        let groupCount = groupSizes[key] ?? targets.reduce(0) { $0 + (selector.matches($1) ? 1 : 0) }
        groupSizes[key] = groupCount
        let group = (count: groupCount, isEmpty: groupCount == 0)
        if group.isEmpty && selector.names.allSatisfy(knownNames.contains) {
            reader.error(node, "targets of step '\(step)' match no target in the inventory")
            return
        }
        if case .count(let n) = selector.pick, n > group.count, !group.isEmpty {
            reader.error(fields?["count"] ?? node, "step '\(step)' asks for \(n) targets but only \(group.count) match")
        }
        // Blast radius: by default a step may hit at most half of its matching group (and always at least one).
        let cap = selector.maxPercent ?? 50
        let picked = selector.pickCount(groupSize: group.count)
        let allowed = max(1, Int((Double(group.count) * cap / 100).rounded(.down)))
        if picked > allowed {
            reader.error(node, "step '\(step)' would hit \(picked) of \(group.count) matching targets, above its blast-radius cap of \(Percent.format(cap)) (\(allowed)); pick fewer or set maxPercent")
        }
    }

    // MARK: - Conflicts

    /// Two steps whose windows overlap may not put conflicting faults on a target (or proxy) they could both hit.
    ///
    /// A 1 MiB plan can hold thousands of steps, so pairs are found by a sweep over start times, pairs whose kinds
    /// cannot conflict are skipped before any target is matched, each step's targets are matched once, and the check
    /// stops at the error cap.
    private func checkConflicts(targets: [Target]) {
        let hostKinds = faults.planNames(conflict: [.exclusiveOnHost, .takesHostDown])
        let proxyKinds = faults.planNames(conflict: [.exclusiveOnProxy])
        let downKinds = faults.planNames(conflict: [.takesHostDown])
        let stepKinds = stepNodes.map { step in Set(faults.candidates(of: step.step.fault).map(\.kindName)) }
        let stepHostKinds = stepKinds.map { $0.intersection(hostKinds) }
        let takesNodeDown = stepKinds.map { !$0.isDisjoint(with: downKinds) }
        // Only steps that can take part in a conflict: on a proxy, at host level, or beside a node-loss step.
        let anyNodeLoss = takesNodeDown.contains(true)
        let order = stepNodes.indices
            .filter { stepNodes[$0].step.proxy != nil || !stepHostKinds[$0].isEmpty || (anyNodeLoss && stepNodes[$0].step.targets != nil) }
            .sorted { (stepNodes[$0].step.at, $0) < (stepNodes[$1].step.at, $1) }
        var reach: [Int: Set<Int>] = [:]
        func targetsOf(_ i: Int) -> Set<Int> {
            if let known = reach[i] { return known }
            let selector = stepNodes[i].step.targets
            let set = Set(targets.indices.filter { selector?.matches(targets[$0]) ?? false })
            reach[i] = set
            return set
        }
        for x in order.indices {
            let first = stepNodes[order[x]].step
            for y in order.indices.dropFirst(x + 1) {
                if reader.diagnostics.count >= NodeReader.maximumDiagnostics { return }
                guard stepNodes[order[y]].step.at < first.at + first.duration else { break }
                let i = min(order[x], order[y]), j = max(order[x], order[y])
                let a = stepNodes[i].step, b = stepNodes[j].step
                guard a.at < b.at + b.duration && b.at < a.at + a.duration else { continue }
                if let proxyA = a.proxy, proxyA == b.proxy {
                    if let kind = stepKinds[i].intersection(stepKinds[j]).intersection(proxyKinds).sorted().first {
                        reader.error(stepNodes[j].node, "step '\(b.name)' overlaps step '\(a.name)' (line \(stepNodes[i].node.mark?.line ?? 0)) on proxy '\(proxyA)' with the same fault '\(kind)'; stagger them")
                    }
                }
                guard a.targets != nil, b.targets != nil else { continue }
                let conflicting = stepHostKinds[i].isEmpty || stepHostKinds[j].isEmpty ? [] : stepHostKinds[i].intersection(stepHostKinds[j])
                let nodeLossMix = (takesNodeDown[i] || takesNodeDown[j]) && !(a.proxy != nil || b.proxy != nil)
                guard !conflicting.isEmpty || nodeLossMix else { continue }
                guard let shared = targetsOf(i).intersection(targetsOf(j)).min() else { continue }
                let target = targets[shared]
                if let kind = conflicting.sorted().first {
                    reader.error(stepNodes[j].node, "step '\(b.name)' overlaps step '\(a.name)' (line \(stepNodes[i].node.mark?.line ?? 0)) on target '\(target.name)' with a conflicting fault (\(kind) twice); stagger them or pick disjoint targets")
                } else {
                    reader.error(stepNodes[j].node, "step '\(b.name)' overlaps step '\(a.name)' (line \(stepNodes[i].node.mark?.line ?? 0)) on target '\(target.name)' while one of them takes the node down; stagger them or pick disjoint targets")
                }
            }
        }
    }
}
