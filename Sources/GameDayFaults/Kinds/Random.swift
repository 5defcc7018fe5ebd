import GameDayCore
import GameDayYAML
import Yams

/// `random`: one fault picked from a list with the run's seed (resolved away by the schedule).
public enum Random: FaultKind {
    public struct Options: FaultOptions {
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

    public static let id = "random"
    public static let planName = "random"
    public static let placement = Placement.choice
    public static let conflict = ConflictClass.none
    public static let keys = [
        OptionKey("choices", .faultChoices, required: true,
                  "a list of `{ fault, with, weight }`; `weight` (default 1) makes a choice likelier. Choices cannot be `random`"),
    ]
    public static let documentation = KindDocumentation(
        summary: "Pick one fault from a list, with the seed (`gameday plan` shows the pick). A step needs what its choices need (`targets`, `proxy`).",
        example: "{ choices: [{ fault: node-loss, with: { signal: STOP } }, { fault: command, with: { inject: [\"true\"] }, weight: 0.5 }] }")

    public static func decode(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> Options? {
        guard let f = with, let list = reader.require(f, "choices", "random fault of step '\(context.step)'") else {
            if with == nil { reader.error(context.stepNode, "random fault of step '\(context.step)' needs 'with: { choices: [...] }'") }
            return nil
        }
        var choices: [Options.Choice] = []
        for item in reader.sequence(list, "choices") {
            guard let cf = reader.mapping(item, "a random choice", allowed: OptionKey.ValueType.choiceKeys),
                  let nameNode = reader.require(cf, "fault", "a random choice"), let name = reader.string(nameNode, "fault") else { continue }
            if FaultRegistry.canonical(name) == planName { reader.error(nameNode, "a random choice cannot itself be random"); continue }
            guard let fault = context.registry.decode(name: name, nameNode: nameNode, with: cf["with"], context: context, reader: reader) else { continue }
            var weight = 1.0
            if let w = reader.double(cf["weight"], "weight") {
                if w <= 0 { reader.error(cf["weight"], "weight must be greater than 0") } else { weight = w }
            }
            choices.append(Options.Choice(fault: fault, weight: weight))
        }
        if choices.isEmpty { reader.error(list, "random fault of step '\(context.step)' needs at least one choice"); return nil }
        return Options(choices: choices)
    }

    public static func candidates(_ options: Options) -> [Fault] { options.choices.map(\.fault) }

    public static func resolve(_ options: Options, _ context: ResolveContext, _ generator: inout SeededGenerator) throws -> ResolvedFault {
        var resolved = try context.registry.resolve(options.pick(using: &generator), context, &generator)
        resolved.randomFrom = options.choices.map { $0.fault.kindName }
        return resolved
    }

    public static func action(_ options: Options, _ context: ActionContext) throws -> FaultAction {
        throw FaultKindError("step \(context.stepName): a random fault is resolved to one of its choices before it runs")
    }
}

public typealias RandomFault = Random.Options

extension Fault {
    public static func random(_ options: Random.Options) -> Fault { Random.fault(options) }
}
