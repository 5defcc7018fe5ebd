/// What a step does. Each case has a typed configuration; `GameDayPlan` decodes `fault:` + `with:` into one.
public enum Fault: Sendable, Codable, Equatable {
    /// Kill or stop the target's service process (local, or over SSH).
    case nodeLoss(NodeLossFault)
    /// User-given inject and revert commands, run with arguments (never through a shell string).
    case command(CommandFault)
    /// One fault picked from a list with the run's seed (resolved away by the schedule).
    case random(RandomFault)
    /// A fault applied through a sidecar fault proxy (Toxiproxy-compatible API).
    case proxy(ProxyFault)
    /// A network fault on hosts (nftables/iptables/tc): partition, packet loss, bandwidth, latency, DNS failure.
    case network(NetworkFault)
    /// Node loss or isolation of every host with a given tag value.
    case zoneLoss(ZoneLossFault)
    /// CPU or memory pressure via stress-ng.
    case stress(StressFault)

    /// The plan's name for this fault (`node-loss`, `command`, `random`, `latency`, ...).
    public var kindName: String {
        switch self {
        case .nodeLoss: return "node-loss"
        case .command: return "command"
        case .random: return "random"
        case .proxy(let p): return p.type.planName
        case .network(let n): return n.kind.planName
        case .zoneLoss: return "zone-loss"
        case .stress: return "stress"
        }
    }

    /// Whether the fault acts through a proxy (needs `proxy:`) rather than on targets.
    public var needsProxy: Bool {
        if case .proxy = self { return true }
        return false
    }
}

public struct NodeLossFault: Sendable, Codable, Equatable {
    public enum Signal: String, Sendable, Codable, CaseIterable {
        case KILL, TERM, STOP

        public var number: Int32 {
            switch self {
            case .KILL: return 9
            case .TERM: return 15
            case .STOP: return 19
            }
        }
    }

    public var signal: Signal

    public init(signal: Signal = .KILL) { self.signal = signal }
}

public struct CommandFault: Sendable, Codable, Equatable {
    public var inject: [String]
    public var revert: [String]?
    public var timeout: TimeSpan

    public init(inject: [String], revert: [String]? = nil, timeout: TimeSpan = .seconds(30)) {
        self.inject = inject; self.revert = revert; self.timeout = timeout
    }
}

public struct RandomFault: Sendable, Codable, Equatable {
    public struct Choice: Sendable, Codable, Equatable {
        public var fault: Fault
        public var weight: Double

        public init(fault: Fault, weight: Double = 1) { self.fault = fault; self.weight = weight }
    }

    public var choices: [Choice]

    public init(choices: [Choice]) { self.choices = choices }

    /// Picks one choice, weighted, with the generator.
    public func pick(using generator: inout SeededGenerator) -> Fault {
        let total = choices.reduce(0) { $0 + max(0, $1.weight) }
        guard total > 0 else { return choices[Int(generator.next() % UInt64(choices.count))].fault }
        var point = Double(generator.next() >> 11) / Double(1 << 53) * total
        for choice in choices {
            point -= max(0, choice.weight)
            if point < 0 { return choice.fault }
        }
        return choices[choices.count - 1].fault
    }
}

/// A fault applied through a proxy: a Toxiproxy "toxic" (or disabling the proxy, for `down`).
public struct ProxyFault: Sendable, Codable, Equatable {
    public enum FaultType: String, Sendable, Codable, CaseIterable {
        case latency, bandwidth, timeout, reset, down, httpError, slowOpen, slicer, limitData, slowClose

        /// The spelling in plans.
        public var planName: String {
            switch self {
            case .httpError: return "http-error"
            case .slowOpen: return "slow-open"
            case .limitData: return "limit-data"
            case .slowClose: return "slow-close"
            default: return rawValue
            }
        }

        /// The toxic type on the proxy's API (nil for `down`, which disables the proxy instead).
        public var toxicType: String? {
            switch self {
            case .latency: return "latency"
            case .bandwidth: return "bandwidth"
            case .timeout: return "timeout"
            case .reset: return "reset_peer"
            case .down: return nil
            case .httpError: return "http_error"
            case .slowOpen: return "slow_open"
            case .slicer: return "slicer"
            case .limitData: return "limit_data"
            case .slowClose: return "slow_close"
            }
        }
    }

    public enum Stream: String, Sendable, Codable { case upstream, downstream }

    public var type: FaultType
    public var stream: Stream
    public var toxicity: Double
    /// Toxiproxy attribute names and units (`latency`/`jitter` in ms, `rate` in KB/s, ...).
    public var attributes: [String: JSONValue]

    public init(type: FaultType, stream: Stream = .downstream, toxicity: Double = 1, attributes: [String: JSONValue] = [:]) {
        self.type = type; self.stream = stream; self.toxicity = toxicity; self.attributes = attributes
    }
}

/// A JSON value, for attribute bags that cross the proxy API unchanged.
public enum JSONValue: Sendable, Codable, Equatable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])
    case null

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let n):
            if n == n.rounded(), abs(n) < 1e15 { try c.encode(Int64(n)) } else { try c.encode(n) }
        case .bool(let b): try c.encode(b)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        case .null: try c.encodeNil()
        }
    }

    public var doubleValue: Double? { if case .number(let n) = self { return n }; return nil }
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
}

/// A network fault applied on each selected host.
public struct NetworkFault: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case partition, packetLoss, bandwidth, latency, dnsFailure

        public var planName: String {
            switch self {
            case .partition: return "partition"
            case .packetLoss: return "packet-loss"
            case .bandwidth: return "bandwidth"
            case .latency: return "latency"
            case .dnsFailure: return "dns-failure"
            }
        }
    }

    public enum Direction: String, Sendable, Codable, CaseIterable { case inbound, outbound, both }
    public enum Action: String, Sendable, Codable, CaseIterable { case drop, reject }

    public var kind: Kind
    /// Traffic direction the fault applies to (on the selected host).
    public var direction: Direction
    public var action: Action
    /// Peers: the other side of a partition, by selector (resolved to addresses by the schedule).
    public var peers: Selector?
    /// Resolved peer addresses (filled by the schedule from `peers`), or given directly as CIDRs.
    public var cidrs: [String]
    public var port: Int?
    public var protocolName: String?
    /// packet-loss: percentage of packets dropped.
    public var lossPercent: Double?
    /// bandwidth: rate in kbit/s.
    public var rateKbit: Int?
    /// latency: delay and jitter.
    public var delay: TimeSpan?
    public var jitter: TimeSpan?
    /// network interface for tc faults (default: the host's default-route interface).
    public var interface: String?

    public init(kind: Kind, direction: Direction = .both, action: Action = .drop, peers: Selector? = nil,
                cidrs: [String] = [], port: Int? = nil, protocolName: String? = nil, lossPercent: Double? = nil,
                rateKbit: Int? = nil, delay: TimeSpan? = nil, jitter: TimeSpan? = nil, interface: String? = nil) {
        self.kind = kind; self.direction = direction; self.action = action; self.peers = peers; self.cidrs = cidrs
        self.port = port; self.protocolName = protocolName; self.lossPercent = lossPercent; self.rateKbit = rateKbit
        self.delay = delay; self.jitter = jitter; self.interface = interface
    }
}

/// Every host with `tag == value` is lost: its service stopped (`nodeLoss`) or the host cut off (`isolate`).
public struct ZoneLossFault: Sendable, Codable, Equatable {
    public enum Mode: String, Sendable, Codable, CaseIterable { case nodeLoss = "node-loss", isolate }
    public var tag: String
    public var value: String
    public var mode: Mode
    public var signal: NodeLossFault.Signal

    public init(tag: String = "zone", value: String, mode: Mode = .isolate, signal: NodeLossFault.Signal = .KILL) {
        self.tag = tag; self.value = value; self.mode = mode; self.signal = signal
    }
}

/// CPU and/or memory pressure on a host.
public struct StressFault: Sendable, Codable, Equatable {
    public var cpuWorkers: Int?
    public var cpuLoadPercent: Int?
    public var memoryWorkers: Int?
    public var memoryBytes: String?

    public init(cpuWorkers: Int? = nil, cpuLoadPercent: Int? = nil, memoryWorkers: Int? = nil, memoryBytes: String? = nil) {
        self.cpuWorkers = cpuWorkers; self.cpuLoadPercent = cpuLoadPercent; self.memoryWorkers = memoryWorkers
        self.memoryBytes = memoryBytes
    }
}
