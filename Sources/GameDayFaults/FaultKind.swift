import GameDayCore
import GameDayYAML
import Yams

/// One kind of fault, everything about it in one type: its plan name, its typed `with:` options and their decoder,
/// where it acts, what it conflicts with, the host tools it needs, how its targets are resolved, the action that
/// applies and reverts it, and its documentation. `FaultRegistry.standard` lists every kind, one line each; nothing
/// outside `Kinds/` switches over kinds. See ADDING_A_FAULT.md.
public protocol FaultKind: Sendable {
    associatedtype Options: FaultOptions
    /// Unique, journaled id (`node-loss`, `host.latency`, `proxy.latency`).
    static var id: String { get }
    /// The `fault:` value in plans (`_` spellings are folded to `-`).
    static var planName: String { get }
    static var placement: Placement { get }
    static var conflict: ConflictClass { get }
    /// Programs (and kernel features) the fault needs on the host it acts on; a preflight can check them.
    /// What applying the fault needs on `target` (tools, the rights to use them, qdisc kinds), as data:
    /// `gameday preflight` checks exactly these. Default: nothing (proxy faults, the controller's own actions).
    static func hostRequirements(_ options: Options, on target: Target) -> [HostRequirement]
    /// The `with:` keys: the decoder's allow-list and the documentation (and a JSON Schema) of each.
    static var keys: [OptionKey] { get }
    static var documentation: KindDocumentation { get }

    /// Decodes `with:` (already checked against `keys`), reporting positioned diagnostics on `reader`.
    static func decode(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> Options?
    /// Checks the step around the fault (targets, process, addresses); default: nothing beyond `placement`.
    static func validate(_ options: Options, _ step: StepContext, _ reader: NodeReader)
    /// The faults a step may end up applying (a random fault's choices); default: itself.
    static func candidates(_ options: Options) -> [Fault]
    /// Picks the targets (and fills resolved options); default: the step's selector, seeded.
    static func resolve(_ options: Options, _ context: ResolveContext, _ generator: inout SeededGenerator) throws -> ResolvedFault
    /// What applying the fault on one target (or the controller, or a proxy) does, and how it is undone.
    static func action(_ options: Options, _ context: ActionContext) throws -> FaultAction
}

extension FaultKind {
    public static func hostRequirements(_ options: Options, on target: Target) -> [HostRequirement] { [] }
    public static func validate(_ options: Options, _ step: StepContext, _ reader: NodeReader) {}
    public static func candidates(_ options: Options) -> [Fault] { [fault(options)] }
    public static func resolve(_ options: Options, _ context: ResolveContext, _ generator: inout SeededGenerator) throws -> ResolvedFault {
        ResolvedFault(fault: fault(options), targets: context.pick(using: &generator))
    }

    /// The step's fault value of this kind.
    public static func fault(_ options: Options) -> Fault { Fault(kind: id, kindName: planName, options: options) }

    /// The allowed `with:` key names.
    public static var keyNames: [String] { keys.map(\.name) }
}

/// Where a fault acts, which decides what a step must give.
public enum Placement: String, Sendable, CaseIterable {
    /// On the step's `targets` (required).
    case targets
    /// On every host with a tag value named in its options (`targets` optional, narrows).
    case taggedHosts
    /// Through the step's `proxy` (required).
    case proxy
    /// On the controller, or on each of the step's `targets` when given.
    case controllerOrTargets
    /// Picks another fault (random): its choices decide.
    case choice

    /// Whether the resolved step must hit at least one target.
    public var needsResolvedTargets: Bool { self == .targets || self == .taggedHosts }
}

/// Which overlapping steps a fault conflicts with on a shared target or proxy.
public enum ConflictClass: String, Sendable {
    /// Never conflicts.
    case none
    /// Two overlapping steps with the same fault on one proxy conflict.
    case exclusiveOnProxy
    /// Two overlapping steps with the same fault on one host conflict.
    case exclusiveOnHost
    /// Takes the host down: conflicts with any overlapping step on the same host.
    case takesHostDown
}

/// One `with:` key: its name, value type, whether it is required, its default and what it means.
public struct OptionKey: Sendable, Equatable {
    public enum ValueType: Sendable, Equatable {
        case string, integer(ClosedRange<Int>?), number, boolean, duration, percent, probability
        /// One of these strings.
        case oneOf([String])
        /// A size such as `512M` or `2G`.
        case size
        /// A rate with a unit (`1mbit`, `100KB/s`).
        case rate(String)
        case stringList, stringMap, selector
        /// A program and its arguments, as a list.
        case argv
        /// A list of `{fault, with, weight}` choices.
        case faultChoices

        /// The keys of a `.selector` value (the decoder's allow-list and the schema's properties).
        public static let selectorKeys = ["names", "tags"]
        /// The keys of each `.faultChoices` entry.
        public static let choiceKeys = ["fault", "with", "weight"]
    }

    public var name: String
    public var type: ValueType
    public var required: Bool
    /// The default as a plan would write it (nil: none, or not applicable).
    public var defaultValue: String?
    public var doc: String
    /// Another spelling of the key named here: either satisfies that key's `required` (e.g. host latency's
    /// `latency:` for `delay:`).
    public var aliasOf: String?

    public init(_ name: String, _ type: ValueType, required: Bool = false, default defaultValue: String? = nil,
                aliasOf: String? = nil, _ doc: String) {
        self.name = name; self.type = type; self.required = required; self.defaultValue = defaultValue
        self.aliasOf = aliasOf; self.doc = doc
    }
}

/// A kind's reference documentation.
public struct KindDocumentation: Sendable, Equatable {
    /// One paragraph: what the fault does and how it is reverted.
    public var summary: String
    /// A `with:` block that decodes, as YAML flow mapping text (`{ signal: KILL }`; empty for none).
    public var example: String

    public init(summary: String, example: String) { self.summary = summary; self.example = example }
}

/// What a decoder may look at besides its `with:` block.
public struct DecodeContext {
    public let step: String
    public let hasProxy: Bool
    public let selector: Selector?
    public let targets: [Target]
    public let stepNode: Node
    public let registry: FaultRegistry

    public init(step: String, hasProxy: Bool, selector: Selector?, targets: [Target], stepNode: Node, registry: FaultRegistry) {
        self.step = step; self.hasProxy = hasProxy; self.selector = selector; self.targets = targets
        self.stepNode = stepNode; self.registry = registry
    }
}

/// The step around a fault, for a kind's `validate`.
public struct StepContext {
    public let step: String
    public let selector: Selector?
    public let targets: [Target]
    public let fields: NodeReader.Fields

    public init(step: String, selector: Selector?, targets: [Target], fields: NodeReader.Fields) {
        self.step = step; self.selector = selector; self.targets = targets; self.fields = fields
    }

    /// Inventory targets the step may hit.
    public var reachable: [Target] { selector.map { s in targets.filter(s.matches) } ?? [] }
}

/// What resolving a step's fault may look at.
public struct ResolveContext: Sendable {
    public let step: String
    public let selector: Selector?
    /// The inventory, sorted by name.
    public let inventory: [Target]
    public let registry: FaultRegistry

    public init(step: String, selector: Selector?, inventory: [Target], registry: FaultRegistry) {
        self.step = step; self.selector = selector; self.inventory = inventory; self.registry = registry
    }

    /// The selector's pick from its matching group, seeded (none without a selector).
    public func pick(using generator: inout SeededGenerator) -> [Target] {
        guard let selector else { return [] }
        let group = inventory.filter(selector.matches)
        let count = selector.pickCount(groupSize: group.count)
        return Array(group.deterministicShuffle(using: &generator).prefix(count)).sorted { $0.name < $1.name }
    }
}

/// A resolved step's fault and targets.
public struct ResolvedFault: Sendable, Equatable {
    public var fault: Fault
    public var targets: [Target]
    /// For a random step: the names it picked from.
    public var randomFrom: [String]?

    public init(fault: Fault, targets: [Target], randomFrom: [String]? = nil) {
        self.fault = fault; self.targets = targets; self.randomFrom = randomFrom
    }
}

/// Why a step's fault cannot be resolved or turned into an action.
public struct FaultKindError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
