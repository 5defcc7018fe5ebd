/// The fault reference of `scenarios/README.md` (between its `<!-- BEGIN GENERATED: faults -->` markers), generated
/// from the registry's kinds: `gameday schema --markdown` prints it.
public enum FaultReference {
    public static let beginMarker = "<!-- BEGIN GENERATED: faults -->"
    public static let endMarker = "<!-- END GENERATED: faults -->"

    /// Markdown for every kind, in registry order: what it does, where it acts, its `with:` keys and an example.
    public static func markdown(registry: FaultRegistry = .standard) -> String {
        var out = "<!-- Generated from Sources/GameDayFaults/Kinds by `gameday schema --markdown`; edit the kinds, not this. -->\n"
        for kind in registry.kinds {
            let viaProxy = kind.placement == .proxy
            let ambiguous = registry.kinds.contains { $0.planName == kind.planName && ($0.placement == .proxy) != viaProxy }
            out += "\n## \(kind.planName)"
            if ambiguous { out += viaProxy ? " (with `proxy:`)" : " (on hosts, without `proxy:`)" }
            out += "\n\(kind.documentation.summary)\n\nActs on: \(placement(kind.placement))"
            if let toxic = kind as? any ProxyToxicKind.Type {
                out += toxic.toxicType.map { "; the toxic `\($0)`" } ?? "; disables the proxy (no toxic)"
            }
            out += ".\n"
            if !kind.keys.isEmpty {
                out += "\n| key | value | default | meaning |\n|---|---|---|---|\n"
                for key in kind.keys {
                    let fallback = key.required ? "required" : key.defaultValue.map { "`\($0)`" } ?? ""
                    out += "| `\(key.name)` | \(type(key.type)) | \(fallback) | \(key.doc.replacingOccurrences(of: "|", with: "\\|")) |\n"
                }
            }
            out += "\n```yaml\nfault: \(kind.planName)\n"
            if viaProxy { out += "proxy: payments\n" }
            if !kind.documentation.example.isEmpty { out += "with: \(kind.documentation.example)\n" }
            out += "```\n"
        }
        return out
    }

    /// `text` with the part between the markers replaced by `markdown`; nil when the markers are missing or out of order.
    public static func replacingGenerated(in text: String, with markdown: String) -> String? {
        guard let begin = text.range(of: beginMarker), let end = text.range(of: endMarker, range: begin.upperBound..<text.endIndex) else {
            return nil
        }
        return String(text[..<begin.upperBound]) + "\n" + markdown + String(text[end.lowerBound...])
    }

    private static func placement(_ placement: Placement) -> String {
        switch placement {
        case .targets: return "the step's `targets` (required)"
        case .taggedHosts: return "every target with the tag value (`targets` optional: narrows)"
        case .proxy: return "the step's `proxy:` (required)"
        case .controllerOrTargets: return "the controller, or each of the step's `targets` when given"
        case .choice: return "whatever the picked choice acts on (the step needs what its choices need)"
        }
    }

    private static func type(_ type: OptionKey.ValueType) -> String {
        switch type {
        case .string: return "text"
        case .integer(let range): return range.map { "whole number, \($0.lowerBound)–\($0.upperBound)" } ?? "whole number"
        case .number: return "number"
        case .boolean: return "`true` / `false`"
        case .duration: return "duration (`250ms`, `10s`)"
        case .percent: return "percentage (`30%`)"
        case .probability: return "probability (`0.25` or `25%`)"
        case .oneOf(let values): return values.map { "`\($0)`" }.joined(separator: " / ")
        case .size: return "size (`512M`, `2G`)"
        case .rate(let unit): return "rate (plain numbers: \(unit))"
        case .stringList: return "list of text"
        case .stringMap: return "mapping of text"
        case .selector: return "`{ names: [...] }` / `{ tags: {...} }`"
        case .argv: return "`[program, arg, ...]`"
        case .faultChoices: return "list of `{ fault, with, weight }`"
        }
    }
}
