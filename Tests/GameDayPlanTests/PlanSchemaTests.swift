import Foundation
import GameDayCore
import GameDayFaults
import Testing
@testable import GameDayPlan

@Suite struct PlanSchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let regenerate = "regenerate with `GAMEDAY_UPDATE_GOLDEN=1 swift test --filter PlanSchemaTests` (or `swift run gameday schema > scenarios/plan.schema.json`, `gameday schema --markdown` for the README) and commit the result"
    static var updating: Bool { ProcessInfo.processInfo.environment["GAMEDAY_UPDATE_GOLDEN"] == "1" }

    /// scenarios/plan.schema.json is exactly what `gameday schema` prints from the current kinds and key tables.
    @Test func committedSchemaIsCurrent() throws {
        let url = Self.root.appendingPathComponent(PlanSchema.committedPath)
        let generated = PlanSchema.json(registry: .standard)
        if Self.updating { try generated.write(to: url, atomically: true, encoding: .utf8); return }
        let committed = try? String(contentsOf: url, encoding: .utf8)
        let isCurrent = committed == generated
        #expect(isCurrent, "\(PlanSchema.committedPath) is stale or missing (\(firstDifference(committed ?? "", generated))); \(Self.regenerate)")
    }

    /// The fault reference between the markers in scenarios/README.md is exactly `gameday schema --markdown`; the
    /// hand-written prose around it stays.
    @Test func committedFaultReferenceIsCurrent() throws {
        let url = Self.root.appendingPathComponent("scenarios/README.md")
        let readme = try String(contentsOf: url, encoding: .utf8)
        let current = try #require(FaultReference.replacingGenerated(in: readme, with: FaultReference.markdown(registry: .standard)),
                                   "scenarios/README.md lacks the lines \(FaultReference.beginMarker) and \(FaultReference.endMarker)")
        if Self.updating { try current.write(to: url, atomically: true, encoding: .utf8); return }
        let isCurrent = readme == current
        #expect(isCurrent, "the fault reference in scenarios/README.md is stale (\(firstDifference(readme, current))); \(Self.regenerate)")
        #expect(readme.contains("# Plan format v1") && readme.contains("yaml-language-server: $schema="), "the prose outside the markers was lost")
    }

    /// Every registered kind has one `if fault is X then with: X's keys` rule, and `fault` lists exactly the plan names
    /// and their underscore spellings (which the decoder accepts).
    @Test func everyKindHasItsRule() throws {
        let schema = PlanSchema.document(registry: .standard)
        let step = try #require(schema[path: ["$defs", "step"]])
        let rules = try #require(step[path: ["allOf"]].flatMap { if case .array(let a) = $0 { a } else { nil } })
        #expect(rules.count == FaultRegistry.standard.kinds.count)
        for kind in FaultRegistry.standard.kinds {
            let rule = rules.first {
                $0[path: ["if", "properties", "fault", "enum"]]?.arrayValue.contains(.string(kind.planName)) == true
                    && (($0[path: ["if", "required"]]?.arrayValue.contains("proxy") ?? false) || $0[path: ["then", "required"]]?.arrayValue.contains("proxy") == true) == (kind.placement == .proxy)
            }
            let properties = try #require(rule?[path: ["then", "properties", "with"]], "no rule for \(kind.id)")
            let keys = properties[path: ["properties"]]?.objectKeys
            #expect(keys == Set(kind.keyNames), "the schema's with: keys of \(kind.id) are not its descriptor's")
        }
        let names = try #require(step[path: ["properties", "fault", "anyOf"]]?.arrayValue.first?[path: ["enum"]])
        let spellings = FaultRegistry.standard.planNames.flatMap { name in
            [name] + (name.contains("-") ? [name.replacingOccurrences(of: "-", with: "_")] : [])
        }
        #expect(names == .array(spellings.map(JSONValue.string)))
    }

    /// The reference documents every kind and every one of its `with:` keys.
    @Test func referenceDocumentsEveryKey() {
        let markdown = FaultReference.markdown(registry: .standard)
        for kind in FaultRegistry.standard.kinds {
            #expect(markdown.contains("\n## \(kind.planName)"), "no section for \(kind.id)")
            for key in kind.keys { #expect(markdown.contains("| `\(key.name)` |"), "\(kind.id): key \(key.name) undocumented") }
        }
    }

    private func firstDifference(_ a: String, _ b: String) -> String {
        let x = a.split(separator: "\n", omittingEmptySubsequences: false), y = b.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(x, y).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(x.count, y.count)
        return "first difference at line \(line + 1): committed `\(line < x.count ? x[line] : "<end>")`, generated `\(line < y.count ? y[line] : "<end>")`"
    }
}

private extension JSONValue {
    subscript(path path: [String]) -> JSONValue? {
        var value: JSONValue? = self
        for key in path {
            guard case .object(let fields)? = value else { return nil }
            value = fields[key]
        }
        return value
    }
    var arrayValue: [JSONValue] { if case .array(let a) = self { a } else { [] } }
    var objectKeys: Set<String>? { if case .object(let o) = self { Set(o.keys) } else { nil } }
}
