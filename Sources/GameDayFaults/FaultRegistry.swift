import Foundation
import GameDayCore
import GameDayYAML
import Yams

/// Every fault kind gameday knows, one line each. Decoding, placement checks, conflicts, resolution, actions,
/// previews and the reference documentation all iterate this list; nothing else names a kind.
public struct FaultRegistry: Sendable, FaultOptionsDecoding {
    public static let standard = FaultRegistry([
        NodeLoss.self,
        Command.self,
        Random.self,
        ZoneLoss.self,
        Stress.self,
        DiskFill.self,
        Partition.self,
        PacketLoss.self,
        DNSFailure.self,
        HostLatency.self,
        HostBandwidth.self,
        ProxyLatency.self,
        ProxyBandwidth.self,
        ProxyTimeout.self,
        ProxyReset.self,
        ProxyDown.self,
        ProxyHTTPError.self,
        ProxySlowOpen.self,
        ProxySlicer.self,
        ProxyLimitData.self,
        ProxySlowClose.self,
    ])

    public let kinds: [any FaultKind.Type]
    private let byID: [String: any FaultKind.Type]

    /// - Precondition: ids are unique, and a plan name has at most one proxy and one non-proxy kind.
    public init(_ kinds: [any FaultKind.Type]) {
        self.kinds = kinds
        var byID: [String: any FaultKind.Type] = [:]
        var seen = Set<String>()
        for kind in kinds {
            precondition(byID[kind.id] == nil, "fault kind id \(kind.id) is registered twice")
            byID[kind.id] = kind
            let slot = "\(kind.planName)/\(kind.placement == .proxy)"
            precondition(seen.insert(slot).inserted, "fault \(kind.planName) is registered twice for the same placement")
        }
        self.byID = byID
    }

    /// The plan names, sorted (for "did you mean" and the documentation).
    public var planNames: [String] { Array(Set(kinds.map { $0.planName })).sorted() }

    public func kind(id: String) -> (any FaultKind.Type)? { byID[id] }

    public func kind(of fault: Fault) -> (any FaultKind.Type)? { byID[fault.kind] }

    /// The kind a plan's `fault:` names: with `proxy:` the proxy kind where there is one, else the other.
    public func kind(planName: String, viaProxy: Bool) -> (any FaultKind.Type)? {
        let named = kinds.filter { $0.planName == planName }
        return named.first { ($0.placement == .proxy) == viaProxy } ?? named.first
    }

    /// Plan names of the kinds in these conflict classes.
    public func planNames(conflict: Set<ConflictClass>) -> Set<String> {
        Set(kinds.filter { conflict.contains($0.conflict) }.map { $0.planName })
    }

    /// Accepts `http_error`-style spellings for the kebab-case names.
    public static func canonical(_ name: String) -> String { name.replacingOccurrences(of: "_", with: "-") }

    // MARK: - Decoding plans

    /// Decodes a step's `fault:` and `with:`, reporting positioned diagnostics; nil when it does not decode.
    public func decode(name rawName: String, nameNode: Node, with: Node?, context: DecodeContext, reader: NodeReader) -> Fault? {
        let name = Self.canonical(rawName)
        guard let kind = kind(planName: name, viaProxy: context.hasProxy) else {
            var message = "unknown fault '\(rawName)' in step '\(context.step)'"
            if let s = Spelling.suggestion(for: name, among: planNames) { message += "; did you mean '\(s)'?" }
            else { message += " (known faults: \(planNames.joined(separator: ", ")))" }
            reader.error(nameNode, message)
            return nil
        }
        return decode(kind, with: with, context: context, reader: reader)
    }

    private func decode<K: FaultKind>(_ kind: K.Type, with: Node?, context: DecodeContext, reader: NodeReader) -> Fault? {
        var fields: NodeReader.Fields?
        if let with, !NodeReader.isNull(with) {
            guard let f = reader.mapping(with, "'with' of step '\(context.step)' (fault \(K.planName))", allowed: K.keyNames) else { return nil }
            fields = f
        }
        if K.placement == .proxy && !context.hasProxy {
            reader.error(fields?.node ?? context.stepNode, "fault '\(K.planName)' in step '\(context.step)' acts through a proxy; add 'proxy: NAME'")
            return nil
        }
        return K.decode(fields, context, reader).map(K.fault)
    }

    /// The faults a step may apply (a random step's choices; else the fault itself).
    public func candidates(of fault: Fault) -> [Fault] {
        guard let kind = kind(of: fault) else { return [fault] }
        func open<K: FaultKind>(_ k: K.Type) -> [Fault] { fault.options(as: K.Options.self).map(K.candidates) ?? [fault] }
        return open(kind)
    }

    /// Checks that the step gives what each fault it may apply needs (`targets`, `proxy`, processes, addresses).
    public func validatePlacement(_ fault: Fault, step: StepContext, proxy: String?, reader: NodeReader) {
        let f = step.fields
        for candidate in candidates(of: fault) {
            guard let kind = kind(of: candidate) else { continue }
            switch kind.placement {
            case .proxy:
                if proxy == nil { reader.error(f["fault"], "fault '\(candidate.kindName)' in step '\(step.step)' acts through a proxy; add 'proxy: NAME'") }
                continue
            case .targets:
                guard step.selector != nil else {
                    var message = "fault '\(candidate.kindName)' in step '\(step.step)' needs 'targets'"
                    if kinds.contains(where: { $0.planName == candidate.kindName && $0.placement == .proxy }) {
                        message += " (or 'proxy: NAME' to act through a fault proxy)"
                    }
                    reader.error(f.keyNode("fault") ?? f.node, message)
                    continue
                }
            case .taggedHosts, .controllerOrTargets, .choice:
                break
            }
            func open<K: FaultKind>(_ k: K.Type) {
                if let options = candidate.options(as: K.Options.self) { K.validate(options, step, reader) }
            }
            open(kind)
        }
    }

    // MARK: - Resolving and acting

    /// The step's targets and final fault (a random pick made, peers turned into addresses).
    public func resolve(_ fault: Fault, _ context: ResolveContext, _ generator: inout SeededGenerator) throws -> ResolvedFault {
        let kind = try require(fault)
        func open<K: FaultKind>(_ k: K.Type) throws -> ResolvedFault {
            try K.resolve(try options(fault, K.self), context, &generator)
        }
        return try open(kind)
    }

    /// What applying `fault` in `context` does (the value both the injector and `gameday plan` use).
    public func action(for fault: Fault, _ context: ActionContext) throws -> FaultAction {
        let kind = try require(fault)
        func open<K: FaultKind>(_ k: K.Type) throws -> FaultAction { try K.action(try options(fault, K.self), context) }
        return try open(kind)
    }

    /// What `fault` needs on `target` (for `gameday preflight`); nothing for a kind or options this gameday does not
    /// know (the run itself reports those).
    public func hostRequirements(of fault: Fault, on target: Target) -> [HostRequirement] {
        guard let kind = kind(of: fault) else { return [] }
        func open<K: FaultKind>(_ k: K.Type) -> [HostRequirement] {
            fault.options(as: K.Options.self).map { K.hostRequirements($0, on: target) } ?? []
        }
        return open(kind)
    }

    private func require(_ fault: Fault) throws -> any FaultKind.Type {
        guard let kind = kind(of: fault) else {
            throw FaultKindError("fault \(fault.kindName) has kind \(fault.kind), which this gameday does not know; use the gameday that wrote the plan")
        }
        return kind
    }

    private func options<K: FaultKind>(_ fault: Fault, _ kind: K.Type) throws -> K.Options {
        guard let options = fault.options(as: K.Options.self) else {
            throw FaultKindError("the options of fault \(fault.kindName) do not fit kind \(K.id)")
        }
        return options
    }

    // MARK: - Journals

    /// A decoder that reads faults with typed options.
    public func jsonDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.userInfo[.faultKinds] = self
        return decoder
    }

    public func decodeOptions(kind id: String, from decoder: any Decoder) throws -> (any FaultOptions)? {
        guard let kind = byID[id] else { return nil }
        func open<K: FaultKind>(_ k: K.Type) throws -> any FaultOptions { try K.Options(from: decoder) }
        return try open(kind)
    }

    /// A fault from a journal written before kinds were descriptors: the kind found by its plan name, the options
    /// typed when the old payload has their shape (else kept raw).
    public func legacyFault(case name: String, payload: JSONValue) -> Fault? {
        let generic = Fault.legacy(case: name, payload: payload)
        guard let kind = kind(planName: generic.kindName, viaProxy: name == "proxy") else { return nil }
        func open<K: FaultKind>(_ k: K.Type) -> Fault {
            guard let data = try? JSONEncoder().encode(payload), let options = try? jsonDecoder().decode(K.Options.self, from: data) else {
                return Fault(kind: K.id, kindName: K.planName, options: RawFaultOptions(json: payload))
            }
            return K.fault(options)
        }
        return open(kind)
    }
}
