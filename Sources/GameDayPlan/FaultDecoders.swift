import Foundation
import GameDayCore
import GameDayYAML
import Yams

/// What a fault decoder may look at besides its `with:` block.
struct FaultContext {
    let step: String
    let hasProxy: Bool
    let selector: Selector?
    let targets: [Target]
    let stepNode: Node
}

/// One decoder per fault name: the allowed `with:` keys and how to turn them into a `Fault`.
///
/// Adding a fault to plans is one entry in `registry` (plus its injector); scenarios/README.md documents each.
enum FaultDecoders {
    struct Entry: Sendable {
        let keys: [String]
        let decode: @Sendable (NodeReader.Fields?, FaultContext, NodeReader) -> Fault?
    }

    static let names: [String] = registry.keys.sorted()

    static let registry: [String: Entry] = [
        "node-loss": Entry(keys: ["signal"]) { f, _, r in
            var fault = NodeLossFault()
            if let node = f?["signal"], let text = r.string(node, "signal") {
                let name = text.uppercased().replacingOccurrences(of: "SIG", with: "")
                guard let signal = NodeLossFault.Signal(rawValue: name) else {
                    r.error(node, "signal must be KILL, TERM or STOP, found '\(text)'")
                    return nil
                }
                fault.signal = signal
            }
            return .nodeLoss(fault)
        },
        "command": Entry(keys: ["inject", "revert", "timeout"]) { f, ctx, r in
            guard let f, let injectNode = r.require(f, "inject", "command fault of step '\(ctx.step)'") else {
                if f == nil { r.error(ctx.stepNode, "command fault of step '\(ctx.step)' needs 'with: { inject: [program, args...] }'") }
                return nil
            }
            guard let inject = argv(injectNode, "inject", r) else { return nil }
            var fault = CommandFault(inject: inject)
            if let revertNode = f["revert"] { fault.revert = argv(revertNode, "revert", r) }
            if let t = r.duration(f["timeout"], "timeout") { fault.timeout = t }
            return .command(fault)
        },
        "random": Entry(keys: ["choices"]) { f, ctx, r in
            guard let f, let list = r.require(f, "choices", "random fault of step '\(ctx.step)'") else {
                if f == nil { r.error(ctx.stepNode, "random fault of step '\(ctx.step)' needs 'with: { choices: [...] }'") }
                return nil
            }
            var choices: [RandomFault.Choice] = []
            for item in r.sequence(list, "choices") {
                guard let cf = r.mapping(item, "a random choice", allowed: ["fault", "with", "weight"]),
                      let nameNode = r.require(cf, "fault", "a random choice"), let name = r.string(nameNode, "fault") else { continue }
                if name == "random" { r.error(nameNode, "a random choice cannot itself be random"); continue }
                guard let fault = decode(name: name, nameNode: nameNode, with: cf["with"], context: ctx, reader: r) else { continue }
                var weight = 1.0
                if let w = r.double(cf["weight"], "weight") {
                    if w <= 0 { r.error(cf["weight"], "weight must be greater than 0") } else { weight = w }
                }
                choices.append(RandomFault.Choice(fault: fault, weight: weight))
            }
            if choices.isEmpty { r.error(list, "random fault of step '\(ctx.step)' needs at least one choice"); return nil }
            return .random(RandomFault(choices: choices))
        },

        // Faults through a proxy (Toxiproxy attribute names and units).
        "latency": Entry(keys: ["latency", "jitter", "stream", "toxicity", "delay", "interface"]) { f, ctx, r in
            if !ctx.hasProxy { return hostNetwork(.latency, f, ctx, r) }
            var attributes: [String: JSONValue] = [:]
            if let node = f.flatMap({ r.require($0, "latency", "latency fault of step '\(ctx.step)'") }),
               let span = r.duration(node, "latency") { attributes["latency"] = .number(Double(span.milliseconds)) }
            else { if f == nil { r.error(ctx.stepNode, "latency fault of step '\(ctx.step)' needs 'with: { latency: 100ms }'") }; return nil }
            attributes["jitter"] = .number(Double(r.duration(f?["jitter"], "jitter", allowZero: true)?.milliseconds ?? 0))
            return proxyFault(.latency, f, attributes, r)
        },
        "bandwidth": Entry(keys: ["rate", "stream", "toxicity", "interface"]) { f, ctx, r in
            if !ctx.hasProxy { return hostNetwork(.bandwidth, f, ctx, r) }
            guard let f, let node = r.require(f, "rate", "bandwidth fault of step '\(ctx.step)'") else {
                if f == nil { r.error(ctx.stepNode, "bandwidth fault of step '\(ctx.step)' needs 'with: { rate: 100 }' (KB/s)") }
                return nil
            }
            guard let rate = kilobytesPerSecond(node, r) else { return nil }
            return proxyFault(.bandwidth, f, ["rate": .number(Double(rate))], r)
        },
        "timeout": proxyEntry(.timeout, keys: ["timeout"]) { f, r in
            ["timeout": .number(Double(r.duration(f?["timeout"], "timeout", allowZero: true)?.milliseconds ?? 0))]
        },
        "reset": proxyEntry(.reset, keys: ["timeout"]) { f, r in
            ["timeout": .number(Double(r.duration(f?["timeout"], "timeout", allowZero: true)?.milliseconds ?? 0))]
        },
        "down": proxyEntry(.down, keys: []) { _, _ in [:] },
        "http-error": proxyEntry(.httpError, keys: ["status", "body", "headers", "abort"]) { f, r in
            var attributes: [String: JSONValue] = [:]
            let status = r.int(f?["status"], "status", range: 100...599) ?? 503
            attributes["status_code"] = .number(Double(status))
            if let body = r.string(f?["body"], "body") { attributes["body"] = .string(body) }
            if let headers = r.stringMap(f?["headers"], "headers") { attributes["headers"] = .object(headers.mapValues { .string($0) }) }
            if let abort = r.bool(f?["abort"], "abort"), abort { attributes["abort"] = .bool(true) }
            return attributes
        },
        "slow-open": proxyEntry(.slowOpen, keys: ["delay"]) { f, r in
            ["delay": .number(Double(r.duration(f?["delay"], "delay")?.milliseconds ?? 1000))]
        },
        "slicer": proxyEntry(.slicer, keys: ["averageSize", "sizeVariation", "delay"]) { f, r in
            ["average_size": .number(Double(r.int(f?["averageSize"], "averageSize", range: 1...1 << 30) ?? 64)),
             "size_variation": .number(Double(r.int(f?["sizeVariation"], "sizeVariation", range: 0...1 << 30) ?? 32)),
             "delay": .number(Double((r.duration(f?["delay"], "delay", allowZero: true)?.milliseconds ?? 0) * 1000))]
        },
        "limit-data": proxyEntry(.limitData, keys: ["bytes"]) { f, r in
            ["bytes": .number(Double(r.int(f?["bytes"], "bytes", range: 0...Int(Int32.max)) ?? 0))]
        },
        "slow-close": proxyEntry(.slowClose, keys: ["delay"]) { f, r in
            ["delay": .number(Double(r.duration(f?["delay"], "delay", allowZero: true)?.milliseconds ?? 0))]
        },

        // Faults on hosts.
        "partition": Entry(keys: ["peers", "cidrs", "port", "protocol", "direction", "action"]) { f, ctx, r in
            hostNetwork(.partition, f, ctx, r)
        },
        "packet-loss": Entry(keys: ["percent", "direction"]) { f, ctx, r in hostNetwork(.packetLoss, f, ctx, r) },
        "dns-failure": Entry(keys: ["direction"]) { f, ctx, r in hostNetwork(.dnsFailure, f, ctx, r) },
        "zone-loss": Entry(keys: ["tag", "value", "mode", "signal"]) { f, ctx, r in
            guard let f, let valueNode = r.require(f, "value", "zone-loss fault of step '\(ctx.step)'"),
                  let value = r.string(valueNode, "value") else {
                if f == nil { r.error(ctx.stepNode, "zone-loss fault of step '\(ctx.step)' needs 'with: { tag: zone, value: b }'") }
                return nil
            }
            var fault = ZoneLossFault(value: value)
            if let tag = r.string(f["tag"], "tag") { fault.tag = tag }
            if let node = f["mode"], let text = r.string(node, "mode") {
                if let mode = ZoneLossFault.Mode(rawValue: text) { fault.mode = mode }
                else { r.error(node, "mode must be isolate or node-loss, found '\(text)'") }
            }
            if let node = f["signal"], let text = r.string(node, "signal") {
                if let s = NodeLossFault.Signal(rawValue: text.uppercased()) { fault.signal = s }
                else { r.error(node, "signal must be KILL, TERM or STOP, found '\(text)'") }
            }
            if !ctx.targets.contains(where: { $0.tags[fault.tag] == fault.value }) {
                r.error(valueNode, "no target has tag \(fault.tag)=\(fault.value)")
            }
            return .zoneLoss(fault)
        },
        "stress": Entry(keys: ["cpu", "load", "memory", "memoryWorkers"]) { f, ctx, r in
            var fault = StressFault()
            fault.cpuWorkers = r.int(f?["cpu"], "cpu", range: 1...1024)
            if let load = r.percent(f?["load"], "load") { fault.cpuLoadPercent = Int(load) }
            if let memory = r.string(f?["memory"], "memory") {
                if memory.range(of: "^[0-9]+[KMG]?$", options: .regularExpression) == nil {
                    r.error(f?["memory"], "memory must be a size such as 256M or 1G, found '\(memory)'")
                }
                fault.memoryBytes = memory
                fault.memoryWorkers = r.int(f?["memoryWorkers"], "memoryWorkers", range: 1...64) ?? 1
            }
            if fault.cpuWorkers == nil && fault.memoryBytes == nil {
                r.error(f?.node ?? ctx.stepNode, "stress fault of step '\(ctx.step)' needs cpu and/or memory")
            }
            return .stress(fault)
        },
    ]

    /// Accepts `http_error`-style spellings for the kebab-case names.
    static func canonical(_ name: String) -> String { name.replacingOccurrences(of: "_", with: "-") }

    static func decode(name rawName: String, nameNode: Node, with: Node?, context: FaultContext, reader: NodeReader) -> Fault? {
        let name = canonical(rawName)
        guard let entry = registry[name] else {
            var message = "unknown fault '\(rawName)' in step '\(context.step)'"
            if let s = Spelling.suggestion(for: name, among: names) { message += "; did you mean '\(s)'?" }
            else { message += " (known faults: \(names.joined(separator: ", ")))" }
            reader.error(nameNode, message)
            return nil
        }
        var fields: NodeReader.Fields?
        if let with, !NodeReader.isNull(with) {
            guard let f = reader.mapping(with, "'with' of step '\(context.step)' (fault \(name))", allowed: entry.keys) else { return nil }
            fields = f
        }
        return entry.decode(fields, context, reader)
    }

    // MARK: - Helpers

    private static func argv(_ node: Node, _ what: String, _ r: NodeReader) -> [String]? {
        guard case .sequence = node else {
            r.error(node, "\(what) must be a list: the program and its arguments (it is not run through a shell), found \(NodeReader.typeName(node))")
            return nil
        }
        guard let list = r.stringList(node, what), !list.isEmpty, !list[0].isEmpty else {
            r.error(node, "\(what) must name a program")
            return nil
        }
        return list
    }

    private static func proxyEntry(_ type: ProxyFault.FaultType, keys: [String],
                                   attributes: @escaping @Sendable (NodeReader.Fields?, NodeReader) -> [String: JSONValue]) -> Entry {
        Entry(keys: keys + ["stream", "toxicity"]) { f, ctx, r in
            if !ctx.hasProxy {
                r.error(f?.node ?? ctx.stepNode, "fault '\(type.planName)' in step '\(ctx.step)' acts through a proxy; add 'proxy: NAME'")
                return nil
            }
            return proxyFault(type, f, attributes(f, r), r)
        }
    }

    private static func proxyFault(_ type: ProxyFault.FaultType, _ f: NodeReader.Fields?, _ attributes: [String: JSONValue], _ r: NodeReader) -> Fault {
        var fault = ProxyFault(type: type, attributes: attributes)
        if let node = f?["stream"], let text = r.string(node, "stream") {
            if let s = ProxyFault.Stream(rawValue: text) { fault.stream = s }
            else { r.error(node, "stream must be upstream or downstream, found '\(text)'") }
        }
        if let t = r.probability(f?["toxicity"], "toxicity") { fault.toxicity = t }
        return .proxy(fault)
    }

    private static func kilobytesPerSecond(_ node: Node, _ r: NodeReader) -> Int? {
        guard let text = r.string(node, "rate") else { return nil }
        let t = text.lowercased().replacingOccurrences(of: " ", with: "")
        let units: [(String, Double)] = [("mb/s", 1000), ("kb/s", 1), ("", 1)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            if let v = Double(t.dropLast(suffix.count)), v > 0, v.isFinite { return Int(v * factor) }
        }
        r.error(node, "rate must be a positive number of KB/s (e.g. 100 or 100KB/s or 1MB/s), found '\(text)'")
        return nil
    }

    private static func kilobits(_ node: Node, _ r: NodeReader) -> Int? {
        guard let text = r.string(node, "rate") else { return nil }
        let t = text.lowercased()
        let units: [(String, Double)] = [("gbit", 1_000_000), ("mbit", 1000), ("kbit", 1)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            if let v = Double(t.dropLast(suffix.count)), v > 0, v.isFinite { return Int(v * factor) }
        }
        r.error(node, "rate must be like 512kbit, 10mbit or 1gbit, found '\(text)'")
        return nil
    }

    private static func hostNetwork(_ kind: NetworkFault.Kind, _ f: NodeReader.Fields?, _ ctx: FaultContext, _ r: NodeReader) -> Fault? {
        var fault = NetworkFault(kind: kind)
        if let node = f?["direction"], let text = r.string(node, "direction") {
            if let d = NetworkFault.Direction(rawValue: text) { fault.direction = d }
            else { r.error(node, "direction must be inbound, outbound or both, found '\(text)'") }
        }
        switch kind {
        case .partition:
            if let node = f?["action"], let text = r.string(node, "action") {
                if let a = NetworkFault.Action(rawValue: text) { fault.action = a }
                else { r.error(node, "action must be drop or reject, found '\(text)'") }
            }
            if let peers = f?["peers"] {
                if let pf = r.mapping(peers, "peers", allowed: ["names", "tags"]) {
                    let selector = Selector(names: r.stringList(pf["names"], "names") ?? [], tags: r.stringMap(pf["tags"], "tags") ?? [:])
                    if !ctx.targets.contains(where: selector.matches) { r.error(peers, "peers of step '\(ctx.step)' match no target") }
                    fault.peers = selector
                }
            }
            fault.cidrs = r.stringList(f?["cidrs"], "cidrs") ?? []
            for cidr in fault.cidrs where !isCIDR(cidr) { r.error(f?["cidrs"], "'\(cidr)' is not an IPv4 address or CIDR such as 10.0.0.0/24") }
            fault.port = r.int(f?["port"], "port", range: 1...65535)
            if let p = r.string(f?["protocol"], "protocol") {
                if ["tcp", "udp"].contains(p) { fault.protocolName = p } else { r.error(f?["protocol"], "protocol must be tcp or udp, found '\(p)'") }
            }
            if fault.peers == nil && fault.cidrs.isEmpty {
                r.error(f?.node ?? ctx.stepNode, "partition of step '\(ctx.step)' needs peers (a selector) or cidrs")
            }
        case .packetLoss:
            guard let node = f.flatMap({ r.require($0, "percent", "packet-loss fault of step '\(ctx.step)'") }) else {
                if f == nil { r.error(ctx.stepNode, "packet-loss fault of step '\(ctx.step)' needs 'with: { percent: 30% }'") }
                return nil
            }
            guard let p = r.percent(node, "percent") else { return nil }
            if p == 0 { r.error(node, "percent must be greater than 0%") }
            fault.lossPercent = p
        case .bandwidth:
            guard let node = f.flatMap({ r.require($0, "rate", "bandwidth fault of step '\(ctx.step)'") }) else {
                if f == nil { r.error(ctx.stepNode, "bandwidth fault of step '\(ctx.step)' needs 'with: { rate: 1mbit }'") }
                return nil
            }
            fault.rateKbit = kilobits(node, r)
            fault.interface = r.string(f?["interface"], "interface")
        case .latency:
            guard let node = f.flatMap({ $0["delay"] ?? $0["latency"] }) else {
                r.error(f?.node ?? ctx.stepNode, "latency fault of step '\(ctx.step)' needs 'with: { delay: 100ms }'")
                return nil
            }
            fault.delay = r.duration(node, "delay")
            fault.jitter = r.duration(f?["jitter"], "jitter", allowZero: true)
            fault.interface = r.string(f?["interface"], "interface")
        case .dnsFailure:
            break
        }
        return .network(fault)
    }

    private static func isCIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ Int($0).map { (0...255).contains($0) } ?? false }) else { return false }
        if parts.count == 2 { return Int(parts[1]).map { (0...32).contains($0) } ?? false }
        return true
    }
}
