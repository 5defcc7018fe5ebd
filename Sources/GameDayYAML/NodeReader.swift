import Foundation
import GameDayCore
import Yams

/// Typed reading of YAML nodes that collects every problem as a `Diagnostic` instead of stopping at the first.
///
/// Each accessor reports wrong types at the value's position and unknown keys at the key's position (with a
/// "did you mean"). A node budget bounds the work whatever the input (alias bombs share nodes, so their expansion
/// is only ever as large as the traversal the schema asks for, and the budget caps even that).
///
/// Plans and scheduler configurations both read through it; `vocabulary` names the kind of file in its messages.
public final class NodeReader {
    public let file: String
    public private(set) var diagnostics: [Diagnostic] = []
    private var budget: Int
    private var budgetReported = false
    public let environment: [String: String]
    public let vocabulary: YAMLVocabulary
    /// At most this many diagnostics are kept, the last of them saying that reading stopped.
    public let diagnosticLimit: Int
    /// The default diagnostic limit (plans).
    public static let maximumDiagnostics = 200

    public init(file: String, environment: [String: String], budget: Int = 100_000,
                maximumDiagnostics: Int = NodeReader.maximumDiagnostics, vocabulary: YAMLVocabulary = .plan) {
        self.file = file; self.environment = environment; self.budget = budget
        self.diagnosticLimit = max(2, maximumDiagnostics); self.vocabulary = vocabulary
    }

    /// A mapping's known entries, in file order.
    public struct Fields {
        public let node: Node
        public let entries: [(key: String, keyNode: Node, value: Node)]

        public subscript(_ key: String) -> Node? { entries.first { $0.key == key }?.value }
        public func keyNode(_ key: String) -> Node? { entries.first { $0.key == key }?.keyNode }
        public func has(_ key: String) -> Bool { self[key].map { !NodeReader.isNull($0) } ?? false }
    }

    /// True once the diagnostic limit is reached: nothing more will be recorded.
    public var isFull: Bool { diagnostics.count >= diagnosticLimit }

    // MARK: - Diagnostics

    /// Records an error at `node`'s position (line 1, column 1 without one).
    public func error(_ node: Node?, _ message: String) {
        let mark = node?.mark
        error(at: (mark?.line ?? 1, mark?.column ?? 1), message)
    }

    public func error(at mark: (line: Int, column: Int), _ message: String) {
        guard !isFull else { return }
        if diagnostics.count == diagnosticLimit - 1 {
            diagnostics.append(Diagnostic(file: file, line: mark.line, column: mark.column, message: "too many errors; stopping here"))
            return
        }
        diagnostics.append(Diagnostic(file: file, line: mark.line, column: mark.column, message: message))
    }

    /// Spends one unit of the node budget; false once it is exhausted.
    public func visit(_ node: Node) -> Bool {
        guard budget > 0 else {
            if !budgetReported {
                budgetReported = true
                error(node, "\(vocabulary.document) is too large or expands too far through YAML aliases; refusing to read further")
            }
            return false
        }
        budget -= 1
        return true
    }

    public static func isNull(_ node: Node) -> Bool {
        if case .scalar(let s) = node, s.style == .plain, ["", "~", "null", "Null", "NULL"].contains(s.string) { return true }
        return false
    }

    public static func typeName(_ node: Node) -> String {
        switch node {
        case .scalar(let s):
            if isNull(node) { return "nothing" }
            if s.style == .plain, Int(s.string) != nil { return "a number" }
            if s.style == .plain, Double(s.string) != nil { return "a number" }
            if s.style == .plain, ["true", "false", "yes", "no"].contains(s.string.lowercased()) { return "a boolean" }
            return "a string"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    // MARK: - Structure

    /// Reads a mapping and reports keys outside `allowed`. Returns nil (after reporting) if the node is not a mapping.
    public func mapping(_ node: Node, _ what: String, allowed: [String]) -> Fields? {
        guard visit(node) else { return nil }
        guard case .mapping(let mapping) = node else {
            error(node, "\(what) must be a mapping, found \(Self.typeName(node))")
            return nil
        }
        var entries: [(String, Node, Node)] = []
        for (keyNode, value) in mapping {
            guard visit(keyNode) else { return nil }
            guard case .scalar(let keyScalar) = keyNode else {
                error(keyNode, "keys in \(what) must be plain names")
                continue
            }
            let key = keyScalar.string
            if !allowed.contains(key) {
                // Past the cap nothing more is reported; skip the spelling search (a file of 100,000 unknown keys).
                guard !isFull else { continue }
                var message = "unknown key '\(key)' in \(what)"
                if let suggestion = Spelling.suggestion(for: key, among: allowed) { message += "; did you mean '\(suggestion)'?" }
                else { message += " (expected one of: \(allowed.joined(separator: ", ")))" }
                error(keyNode, message)
                continue
            }
            entries.append((key, keyNode, value))
        }
        return Fields(node: node, entries: entries.map { (key: $0.0, keyNode: $0.1, value: $0.2) })
    }

    /// Reads a list; a missing or null node is an empty list.
    public func sequence(_ node: Node?, _ what: String) -> [Node] {
        guard let node, !Self.isNull(node) else { return [] }
        return list(node, what) ?? []
    }

    /// Reads a list; nil (after reporting) if the node is not a list or holds more than `maximumCount` items.
    public func list(_ node: Node, _ what: String, maximumCount: Int = .max) -> [Node]? {
        guard visit(node) else { return nil }
        guard case .sequence(let sequence) = node else {
            error(node, "\(what) must be a list, found \(Self.typeName(node))")
            return nil
        }
        if sequence.count > maximumCount {
            error(node, "\(what) has \(sequence.count) items; at most \(maximumCount) are allowed")
            return nil
        }
        return Array(sequence)
    }

    public func require(_ fields: Fields, _ key: String, _ what: String) -> Node? {
        guard let node = fields[key], !Self.isNull(node) else {
            error(fields.keyNode(key) ?? fields.node, "\(what) is missing required key '\(key)'")
            return nil
        }
        return node
    }

    // MARK: - Scalars

    /// A string value, with `${VAR}` / `${VAR:-default}` expanded from the environment.
    public func string(_ node: Node?, _ what: String) -> String? {
        guard let node, !Self.isNull(node) else { return nil }
        guard visit(node) else { return nil }
        guard case .scalar(let scalar) = node else {
            error(node, "\(what) must be a string, found \(Self.typeName(node))")
            return nil
        }
        return expand(scalar.string, node: node, what: what)
    }

    public func int(_ node: Node?, _ what: String, range: ClosedRange<Int>? = nil) -> Int? {
        guard let node, !Self.isNull(node) else { return nil }
        guard let text = string(node, what) else { return nil }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            error(node, "\(what) must be a whole number, found '\(text)'")
            return nil
        }
        if let range, !range.contains(value) {
            error(node, "\(what) must be between \(range.lowerBound) and \(range.upperBound), found \(value)")
            return nil
        }
        return value
    }

    public func double(_ node: Node?, _ what: String) -> Double? {
        guard let node, !Self.isNull(node) else { return nil }
        guard let text = string(node, what) else { return nil }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            error(node, "\(what) must be a number, found '\(text)'")
            return nil
        }
        return value
    }

    public func bool(_ node: Node?, _ what: String) -> Bool? {
        guard let node, !Self.isNull(node) else { return nil }
        guard let text = string(node, what) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error(node, "\(what) must be true or false, found '\(text)'")
            return nil
        }
    }

    /// A duration such as `250ms`, `10s`, `5m`, `1h`. `allowZero` permits `0s`; negative is always an error.
    public func duration(_ node: Node?, _ what: String, allowZero: Bool = false) -> TimeSpan? {
        guard let node, !Self.isNull(node) else { return nil }
        guard let text = string(node, what) else { return nil }
        guard let span = TimeSpan(parsing: text) else {
            let hint = Int(text) != nil ? " (add a unit: '\(text)s' or '\(text)ms')" : ""
            error(node, "\(what) must be a duration such as 250ms, 10s, 5m or 1h, found '\(text)'\(hint)")
            return nil
        }
        if span.milliseconds < 0 { error(node, "\(what) must not be negative, found '\(text)'"); return nil }
        if span.milliseconds == 0 && !allowZero { error(node, "\(what) must be greater than zero, found '\(text)'"); return nil }
        return span
    }

    /// A percentage such as `99%` or `99.5%`, between 0 and 100.
    public func percent(_ node: Node?, _ what: String) -> Double? {
        guard let node, !Self.isNull(node) else { return nil }
        guard let text = string(node, what) else { return nil }
        guard let value = Percent.parse(text) else {
            error(node, "\(what) must be a percentage such as 99% or 99.5%, found '\(text)'")
            return nil
        }
        if value < 0 || value > 100 { error(node, "\(what) must be between 0% and 100%, found '\(text)'"); return nil }
        return value
    }

    /// A probability in [0, 1], written as `0.5` or `50%`.
    public func probability(_ node: Node?, _ what: String) -> Double? {
        guard let node, !Self.isNull(node) else { return nil }
        guard let text = string(node, what) else { return nil }
        if text.hasSuffix("%") { return percent(node, what).map { $0 / 100 } }
        guard let value = Double(text), value.isFinite, (0...1).contains(value) else {
            error(node, "\(what) must be a probability between 0 and 1 (or a percentage), found '\(text)'")
            return nil
        }
        return value
    }

    public func stringList(_ node: Node?, _ what: String) -> [String]? {
        guard let node, !Self.isNull(node) else { return nil }
        guard case .sequence = node else {
            error(node, "\(what) must be a list of strings, found \(Self.typeName(node))")
            return nil
        }
        return sequence(node, what).compactMap { string($0, "each entry of \(what)") }
    }

    public func stringMap(_ node: Node?, _ what: String) -> [String: String]? {
        guard let node, !Self.isNull(node) else { return nil }
        guard visit(node) else { return nil }
        guard case .mapping(let mapping) = node else {
            error(node, "\(what) must be a mapping of names to strings, found \(Self.typeName(node))")
            return nil
        }
        var out: [String: String] = [:]
        for (key, value) in mapping {
            guard let k = string(key, "a key of \(what)"), let v = string(value, "'\(k)' in \(what)") else { continue }
            out[k] = v
        }
        return out
    }

    // MARK: - Environment

    /// Expands `${NAME}` and `${NAME:-default}`; `$$` is a literal `$`.
    public func expand(_ text: String, node: Node, what: String) -> String? {
        guard text.contains("$") else { return text }
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            let next = text.index(after: index)
            if c == "$", next < text.endIndex, text[next] == "$" {
                out.append("$"); index = text.index(after: next); continue
            }
            if c == "$", next < text.endIndex, text[next] == "{" {
                guard let close = text[next...].firstIndex(of: "}") else {
                    error(node, "\(what): unterminated '${' (write '$$' for a literal '$')")
                    return nil
                }
                let body = String(text[text.index(after: next)..<close])
                let parts = body.components(separatedBy: ":-")
                let name = parts[0]
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    error(node, "\(what): '${\(body)}' is not a valid variable reference")
                    return nil
                }
                if let value = environment[name], !value.isEmpty { out += value }
                else if parts.count > 1 { out += parts.dropFirst().joined(separator: ":-") }
                else {
                    error(node, "\(what) uses environment variable \(name), which is not set (give a default with ${\(name):-value})")
                    return nil
                }
                index = text.index(after: close)
                continue
            }
            out.append(c)
            index = next
        }
        return out
    }
}
