/// How an applied fault is put back: written to the journal *before* the fault is applied (invariant 1), so that
/// `gameday recover` can revert it from the journal alone.
public enum RevertRecipe: Sendable, Codable, Equatable {
    /// Nothing to undo (e.g. SIGKILL: recovery is left to the service's supervisor, and measured).
    case nothing(reason: String)
    /// Send a signal to a process, only if it is still the same process (same start time).
    case signal(SignalRevert)
    /// Run a command (argument vector) through an executor.
    case command(CommandRevert)
    /// Remove a toxic from, or re-enable, a proxy over its Toxiproxy-compatible API.
    case proxy(ProxyRevert)

    /// What an operator would type to finish the revert by hand.
    public var manualInstructions: String {
        switch self {
        case .nothing(let reason): return "nothing to revert (\(reason))"
        case .signal(let s):
            let line = "kill -\(s.signal) " + s.processes.map { String($0.pid) }.joined(separator: " ")
            return s.executor.wrap(line)
        case .command(let c): return c.executor.wrap(ShellQuote.join(c.argv))
        case .proxy(let p) where p.inProcess:
            return "nothing to revert by hand: the run's in-process proxy \(p.proxy) served its toxics and stopped with the run"
        case .proxy(let p):
            let base = p.api.hasSuffix("/") ? String(p.api.dropLast()) : p.api
            if let toxic = p.toxic {
                return "curl -fsS -X DELETE " + ShellQuote.quote("\(base)/proxies/\(p.proxy)/toxics/\(toxic)")
            }
            return "curl -fsS -X POST " + ShellQuote.quote("\(base)/proxies/\(p.proxy)")
                + " -H 'Content-Type: application/json' -d '{\"enabled\":true}'"
        }
    }
}

public struct SignalRevert: Sendable, Codable, Equatable {
    public var executor: ExecutorRef
    public var processes: [ProcessRef]
    public var signal: String

    public init(executor: ExecutorRef = .local, processes: [ProcessRef], signal: String = "CONT") {
        self.executor = executor; self.processes = processes; self.signal = signal
    }
}

/// A process as it was when a fault was applied.
public struct ProcessRef: Sendable, Codable, Equatable {
    public var pid: Int32
    /// The process's start time (field 22 of /proc/PID/stat); a different value later means the PID was reused
    /// by another process, which must not be signalled.
    public var startTime: UInt64?

    public init(pid: Int32, startTime: UInt64?) { self.pid = pid; self.startTime = startTime }
}

public struct CommandRevert: Sendable, Codable, Equatable {
    public var executor: ExecutorRef
    public var argv: [String]
    public var timeout: TimeSpan

    public init(executor: ExecutorRef = .local, argv: [String], timeout: TimeSpan = .seconds(30)) {
        self.executor = executor; self.argv = argv; self.timeout = timeout
    }
}

public struct ProxyRevert: Sendable, Codable, Equatable {
    /// Base URL of the Toxiproxy-compatible API (e.g. `http://127.0.0.1:8474`).
    public var api: String
    public var proxy: String
    /// The toxic to delete; nil means "re-enable the proxy" (the revert of `down`).
    public var toxic: String?
    /// Whether the proxy ran inside the run's own process (a plan proxy with `listen`/`upstream`): it dies with the
    /// run, so once the run is gone there is nothing left to revert. Its API token is never journaled.
    /// Absent in journals written before this field existed (decoded as false).
    public var inProcess: Bool

    public init(api: String, proxy: String, toxic: String?, inProcess: Bool = false) {
        self.api = api; self.proxy = proxy; self.toxic = toxic; self.inProcess = inProcess
    }

    private enum CodingKeys: String, CodingKey { case api, proxy, toxic, inProcess }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        api = try c.decode(String.self, forKey: .api)
        proxy = try c.decode(String.self, forKey: .proxy)
        toxic = try c.decodeIfPresent(String.self, forKey: .toxic)
        inProcess = try c.decodeIfPresent(Bool.self, forKey: .inProcess) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(api, forKey: .api)
        try c.encode(proxy, forKey: .proxy)
        try c.encodeIfPresent(toxic, forKey: .toxic)
        // Written only when true, so recipes of `api:` proxies read exactly as before.
        if inProcess { try c.encode(true, forKey: .inProcess) }
    }
}

/// Where a command or signal is carried out.
public enum ExecutorRef: Sendable, Codable, Equatable, Hashable {
    case local
    case ssh(host: String, access: SSHAccess)

    /// Where a target's commands run: over SSH to its address (or name) for an SSH target; on the controller for a
    /// local target or none.
    public init(target: Target?) {
        guard let target, case .ssh(let access) = target.access else { self = .local; return }
        self = .ssh(host: target.address ?? target.name, access: access)
    }

    /// Wraps a shell line so it runs where this executor runs it.
    public func wrap(_ line: String) -> String {
        switch self {
        case .local: return line
        case .ssh(let host, let access):
            var argv = ["ssh"]
            if let port = access.port { argv += ["-p", String(port)] }
            if let identity = access.identity { argv += ["-i", identity] }
            if let knownHosts = access.knownHosts { argv += ["-o", "UserKnownHostsFile=\(knownHosts)"] }
            for option in access.options { argv += ["-o", option] }
            argv.append(access.user.map { "\($0)@\(host)" } ?? host)
            argv.append(line)
            return ShellQuote.join(argv)
        }
    }
}
