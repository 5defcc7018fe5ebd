import Foundation
import GameDayCore
import GameDayFaults
import GameDayInjectors

/// Checks, before a game day, that every host, proxy and health check the resolved schedule will touch is ready:
/// reachable, with the tools each step needs and the rights to use them, a private lease directory and a way to keep
/// a lease, a sane clock; every proxy API answers and knows its proxy; every health check answers once; the runs
/// directory has room. Nothing is changed anywhere (see `LeaseRehearsal` for the one thing that is: `--rehearse`).
public struct Preflight: Sendable {
    /// One host the schedule touches, with what its steps need there.
    public struct HostWork: Sendable {
        public var target: Target
        /// Requirement and the steps that need it, deduplicated, in the order the steps come.
        public var requirements: [(HostRequirement, [String])]
        public var steps: [String]

        public init(target: Target, requirements: [(HostRequirement, [String])], steps: [String]) {
            self.target = target; self.requirements = requirements; self.steps = steps
        }
    }

    /// How proxies are checked: GET /version and GET /proxies/NAME of their API (injected so tests and the CLI share
    /// the one HTTP client of GameDayInjectors).
    public typealias ProxyCheck = @Sendable (_ api: String, _ proxy: String) async -> ProxyAPIStatus
    /// Runs each health check once and returns, per check name, nil (answered healthy) or why not.
    public typealias HealthCheckOnce = @Sendable (_ checks: [HealthCheckSpec]) async -> [String: String?]

    public var executorFor: @Sendable (Target) -> (any CommandExecutor)?
    public var proxyCheck: ProxyCheck
    public var healthOnce: HealthCheckOnce
    /// Hosts checked at once.
    public var maxConcurrent: Int = 32
    /// The longest one host may take to answer every question.
    public var hostTimeout: TimeSpan = .seconds(20)
    /// Above this offset from the controller's clock a host gets a warning (timelines in the postmortem mix clocks).
    public var clockWarning: Double = 1.0
    /// Free space the runs directory needs for a journal.
    public var minimumFreeBytes: Int64 = 64 * 1024 * 1024

    public init(executorFor: @escaping @Sendable (Target) -> (any CommandExecutor)?, proxyCheck: @escaping ProxyCheck,
                healthOnce: @escaping HealthCheckOnce) {
        self.executorFor = executorFor; self.proxyCheck = proxyCheck; self.healthOnce = healthOnce
    }

    /// The hosts of the schedule and what each needs: exactly the targets `gameday run` would hit with this seed.
    /// Whether a run of this schedule has anything for a preflight to check (hosts with faults, proxy APIs).
    public static func hasWork(schedule: Schedule, hosts: [HostWork]) -> Bool {
        !hosts.isEmpty || schedule.steps.contains { $0.proxy?.api != nil }
    }

    /// The hosts of the schedule and what each needs, as each step's fault kind declares it.
    public static func hostWork(schedule: Schedule, registry: FaultRegistry = .standard) -> [HostWork] {
        hostWork(schedule: schedule) { step, target in registry.hostRequirements(of: step.fault, on: target) }
    }

    public static func hostWork(schedule: Schedule, requirements: (ScheduledStep, Target) -> [HostRequirement]) -> [HostWork] {
        var order: [String] = []
        var work: [String: HostWork] = [:]
        for step in schedule.steps {
            for target in step.targets {
                let needs = requirements(step, target)
                var entry = work[target.name] ?? HostWork(target: target, requirements: [], steps: [])
                if work[target.name] == nil { order.append(target.name) }
                if !entry.steps.contains(step.name) { entry.steps.append(step.name) }
                for need in needs {
                    if let index = entry.requirements.firstIndex(where: { $0.0 == need }) {
                        if !entry.requirements[index].1.contains(step.name) { entry.requirements[index].1.append(step.name) }
                    } else {
                        entry.requirements.append((need, [step.name]))
                    }
                }
                work[target.name] = entry
            }
        }
        // A local target whose steps need nothing on it (node loss signals it from here) has nothing to check.
        return order.compactMap { work[$0] }.filter { host in
            if case .local = host.target.access { return !host.requirements.isEmpty }
            return true
        }
    }

    /// Runs every check; never throws (whatever fails is an item of the report).
    ///
    /// - Parameters:
    ///   - runsDirectory: checked for free space (`gameday preflight`); nil inside a run, whose journal exists.
    ///   - health: whether to probe the health checks once (`gameday preflight`); a run probes them anyway.
    public func run(plan: Plan, schedule: Schedule, hosts: [HostWork], runsDirectory: String?, health: Bool = true) async -> PreflightReport {
        var items: [PreflightItem] = []
        if let runsDirectory { items.append(Self.freeSpace(runsDirectory, minimum: minimumFreeBytes)) }

        let hostItems = await SSHFanOut.run(hosts, maxConcurrent: maxConcurrent) { host in
            await self.check(host)
        }
        for result in hostItems { if case .success(let found) = result { items += found } }

        var seenProxies: Set<String> = []
        for step in schedule.steps {
            guard let proxy = step.proxy, seenProxies.insert(proxy.name).inserted else { continue }
            let users = schedule.steps.filter { $0.proxy?.name == proxy.name }.map(\.name)
            items.append(await checkProxy(proxy, steps: users))
        }

        if health && !plan.health.isEmpty {
            let answers = await healthOnce(plan.health)
            for check in plan.health {
                let reason = answers[check.name] ?? "no answer within its timeout"
                if let reason {
                    items.append(PreflightItem(subject: "check \(check.name)", requirement: "answers", status: .failed, detail: reason,
                                               fix: "fix the check's address (or start the service) before the game day: a check that never passes makes the steady state unprovable"))
                } else {
                    items.append(PreflightItem(subject: "check \(check.name)", requirement: "answers", status: .ok, detail: "healthy"))
                }
            }
        }
        return PreflightReport(items: items)
    }

    func checkProxy(_ proxy: ProxySpec, steps: [String]) async -> PreflightItem {
        guard let api = proxy.api else {
            return PreflightItem(subject: "proxy \(proxy.name)", requirement: "proxy", status: .ok,
                                 detail: "started by the run itself (listen \(proxy.listen ?? "?"), upstream \(proxy.upstream ?? "?"))", steps: steps)
        }
        switch await proxyCheck(api, proxy.name) {
        case .ready(let version):
            return PreflightItem(subject: "proxy \(proxy.name)", requirement: "API \(api)", status: .ok,
                                 detail: "version \(version), proxy \(proxy.name) exists", steps: steps)
        case .missingProxy(let version):
            return PreflightItem(subject: "proxy \(proxy.name)", requirement: "API \(api)", status: .failed,
                                 detail: "the API (version \(version)) has no proxy named \(proxy.name)",
                                 fix: "create it (toxiproxy-cli create, or gameday proxy --config) or fix the name in the plan", steps: steps)
        case .unreachable(let reason):
            return PreflightItem(subject: "proxy \(proxy.name)", requirement: "API \(api)", status: .failed, detail: reason,
                                 fix: "start the proxy (gameday proxy or Toxiproxy) there, or fix the plan's api address", steps: steps)
        }
    }

    /// Asks the host every question in one script and turns the answers into items.
    func check(_ host: HostWork) async -> [PreflightItem] {
        let name = host.target.name
        guard let executor = executorFor(host.target) else {
            return [PreflightItem(subject: name, requirement: "reachable", status: .failed, detail: "no executor for this target's access",
                                  fix: "give the target an ssh access or run it locally")]
        }
        let script = HostProbe.script(requirements: host.requirements.map(\.0))
        let before = Date()
        let result: CommandResult
        do {
            result = try await executor.run(["sh", "-c", script], timeout: hostTimeout)
        } catch {
            return [Self.unreachable(name, via: executor.label, error: "\(error)")]
        }
        let after = Date()
        let answers = HostProbe.parse(result.stdout)
        guard answers["end"] != nil else {
            let why = result.stderr.isEmpty ? "exit \(result.exitCode), no answers" : result.stderr
            return [PreflightItem(subject: name, requirement: "reachable", status: .failed,
                                  detail: "\(executor.label) ran, but the checks did not finish: \(Self.oneLine(why))",
                                  fix: "the host needs a POSIX sh with id, date, ls, awk, tr and cut")]
        }
        var items: [PreflightItem] = []
        let user = answers["user"]?.detail ?? "?"
        items.append(PreflightItem(subject: name, requirement: "reachable", status: .ok, detail: "\(executor.label) as \(user)"))

        // The clock is read once more on the now warm connection: the first round trip includes the ssh handshake,
        // which would skew the midpoint estimate by hundreds of milliseconds.
        var clock = answers["clock"].map { ($0.detail, before, after) }
        let again = Date()
        if let warm = try? await executor.run(["sh", "-c", "date +%s%N"], timeout: .seconds(5)), warm.exitCode == 0 {
            clock = (warm.stdout.trimmingCharacters(in: .whitespacesAndNewlines), again, Date())
        }
        if let (reading, sent, received) = clock, let nanos = Double(reading), !reading.contains("N") {
            let hostTime = nanos / 1e9
            let middle = (sent.timeIntervalSince1970 + received.timeIntervalSince1970) / 2
            let offset = hostTime - middle
            let text = String(format: "%+.3f s from the controller (±%.0f ms)", offset, received.timeIntervalSince(sent) * 500)
            items.append(PreflightItem(subject: name, requirement: "clock", status: abs(offset) > clockWarning ? .warning : .ok, detail: text,
                                       fix: "synchronise the host's clock (chrony, systemd-timesyncd): the postmortem's timeline mixes both clocks"))
        }

        let needsLease = !host.requirements.isEmpty
        if needsLease {
            let steps = host.steps
            if let dir = answers["lease-dir"] {
                items.append(dir.status == "ok"
                    ? PreflightItem(subject: name, requirement: "lease directory", status: .ok, detail: "\(dir.detail) (private)", steps: steps)
                    : PreflightItem(subject: name, requirement: "lease directory", status: .failed, detail: dir.detail,
                                    fix: "remove or chmod 700 the directory named above so only the run's user owns it", steps: steps))
            }
            if let keeper = answers["lease-keeper"] {
                items.append(keeper.status == "ok"
                    ? PreflightItem(subject: name, requirement: "lease keeper", status: .ok,
                                    detail: keeper.detail == "systemd" ? "systemd timer (systemd-run)" : "watchdog (setsid)", steps: steps)
                    : PreflightItem(subject: name, requirement: "lease keeper", status: .failed, detail: keeper.detail,
                                    fix: "install util-linux (setsid), or run systemd: without a lease a fault outlives a dead controller", steps: steps))
            }
            for (tool, package) in [("timeout", "coreutils"), ("flock", "util-linux")] {
                guard let answer = answers["bound-\(tool)"] else { continue }
                items.append(answer.status == "ok"
                    ? PreflightItem(subject: name, requirement: tool, status: .ok, detail: answer.detail, steps: steps)
                    : PreflightItem(subject: name, requirement: tool, status: .failed, detail: "not on PATH",
                                    fix: "install \(package): gameday bounds and serializes its host scripts with \(tool)", steps: steps))
            }
        }

        for (index, (requirement, steps)) in host.requirements.enumerated() {
            items.append(Self.item(for: requirement, index: index, answers: answers, host: name, steps: steps))
        }
        return items
    }

    static func item(for requirement: HostRequirement, index: Int, answers: [String: HostProbe.Answer], host: String, steps: [String]) -> PreflightItem {
        let label = requirement.label
        switch requirement.check {
        case .tool(let tools):
            var reasons: [String] = []
            for (alternative, tool) in tools.enumerated() {
                guard let answer = answers["req-\(index)-\(alternative)"] else { continue }
                switch answer.status {
                case "ok":
                    return PreflightItem(subject: host, requirement: label, status: .ok, detail: "\(tool.name): \(answer.detail)", steps: steps)
                case "denied":
                    reasons.append("\(tool.name) is there but the run's user may not use it (\(answer.detail.isEmpty ? "its probe failed" : answer.detail))")
                default:
                    reasons.append("\(tool.name) is not on PATH")
                }
            }
            let denied = reasons.contains { $0.contains("may not use") }
            let fix = denied ? "run the host's faults as root (ssh user root) or grant the user CAP_NET_ADMIN; \(requirement.fix)" : requirement.fix
            return PreflightItem(subject: host, requirement: label, status: .failed,
                                 detail: "\(requirement.neededBy) needs \(label): " + reasons.joined(separator: "; "), fix: fix, steps: steps)
        case .qdisc(let kind):
            guard let answer = answers["req-\(index)-0"] else {
                return PreflightItem(subject: host, requirement: label, status: .failed, detail: "no answer", fix: requirement.fix, steps: steps)
            }
            switch answer.status {
            case "ok":
                return PreflightItem(subject: host, requirement: label, status: .ok, detail: answer.detail, steps: steps)
            case "denied":
                return PreflightItem(subject: host, requirement: label, status: .failed,
                                     detail: "\(requirement.neededBy) needs the \(kind) qdisc, and the run's user may not shape traffic: \(answer.detail)",
                                     fix: "run the host's faults as root (or with CAP_NET_ADMIN)", steps: steps)
            default:
                return PreflightItem(subject: host, requirement: label, status: .failed,
                                     detail: "\(requirement.neededBy) needs the \(kind) qdisc: \(answer.detail)", fix: requirement.fix, steps: steps)
            }
        }
    }

    /// An ssh failure, with the fix for its usual causes.
    static func unreachable(_ host: String, via label: String, error: String) -> PreflightItem {
        let fix: String
        if error.contains("Host key verification failed") || error.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") {
            fix = "the host key is unknown or changed: verify it and add it to the known_hosts file the target names (ssh-keyscan -p PORT HOST)"
        } else if error.contains("Permission denied") {
            fix = "check the target's ssh user and identity (the key must be authorised for that user)"
        } else if error.contains("Connection refused") {
            fix = "nothing listens on the ssh port: start sshd or fix the target's port"
        } else if error.contains("timed out") || error.contains("No route") {
            fix = "the host does not answer: check the address, the network and firewalls between controller and host"
        } else {
            fix = "run `ssh` to the host by hand with the same options to see why"
        }
        return PreflightItem(subject: host, requirement: "reachable", status: .failed, detail: "\(label): \(oneLine(error))", fix: fix)
    }

    static func freeSpace(_ path: String, minimum: Int64) -> PreflightItem {
        var probe = URL(fileURLWithPath: path).standardizedFileURL
        while !FileManager.default.fileExists(atPath: probe.path) && probe.path != "/" { probe.deleteLastPathComponent() }
        var stats = statvfs()
        guard statvfs(probe.path, &stats) == 0 else {
            return PreflightItem(subject: "controller", requirement: "runs directory", status: .failed,
                                 detail: "cannot inspect \(probe.path): \(String(cString: strerror(errno)))", fix: "pass --runs-dir to a writable directory")
        }
        let free = Int64(stats.f_bavail) * Int64(stats.f_frsize)
        let text = "\(path): \(free / (1024 * 1024)) MiB free"
        if free < minimum {
            return PreflightItem(subject: "controller", requirement: "runs directory", status: .failed, detail: text,
                                 fix: "free at least \(minimum / (1024 * 1024)) MiB there or pass --runs-dir: a journal that cannot be written stops the run")
        }
        return PreflightItem(subject: "controller", requirement: "runs directory", status: .ok, detail: text)
    }

    static func oneLine(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " | ")
        return flat.count > 300 ? String(flat.prefix(300)) + "…" : flat
    }
}
