import Foundation

/// One Alertmanager label matcher (`severity="page"`, `severity!="info"`, `severity=~"page|ticket"`, `team!~"db.*"`):
/// which alerts count for a game day's `alerts:` section. Regular expressions match the whole value, as in
/// Alertmanager.
public struct AlertMatcher: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Operator: String, Sendable, Codable, CaseIterable {
        case equal = "=", notEqual = "!=", matches = "=~", notMatches = "!~"
    }

    public var name: String
    public var op: Operator
    public var value: String

    public init(name: String, op: Operator, value: String) { self.name = name; self.op = op; self.value = value }

    /// Parses `name<op>value`, the value bare or double-quoted (with `\"` and `\\` escapes). Throws a message that
    /// says what is wrong; regular expressions are compiled to check them.
    public init(parsing text: String) throws(AlertMatcherError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let opStart = trimmed.firstIndex(where: { $0 == "=" || $0 == "!" }) else {
            throw AlertMatcherError("'\(text)' is not a matcher; write name=\"value\", name!=\"value\", name=~\"regex\" or name!~\"regex\"")
        }
        let name = trimmed[..<opStart].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }),
              !(name.first?.isNumber ?? true) else {
            throw AlertMatcherError("'\(name)' in '\(text)' is not a label name (letters, digits and _, not starting with a digit)")
        }
        let rest = trimmed[opStart...]
        let op: Operator
        if rest.hasPrefix("=~") { op = .matches } else if rest.hasPrefix("!~") { op = .notMatches }
        else if rest.hasPrefix("!=") { op = .notEqual } else if rest.hasPrefix("=") { op = .equal }
        else { throw AlertMatcherError("'\(text)' has no operator; use =, !=, =~ or !~") }
        var raw = rest.dropFirst(op.rawValue.count).trimmingCharacters(in: .whitespaces)
        if raw.hasPrefix("\"") {
            guard raw.count >= 2, raw.hasSuffix("\""), !raw.hasSuffix("\\\"") || raw.hasSuffix("\\\\\"") else {
                throw AlertMatcherError("the value in '\(text)' opens a quote it does not close")
            }
            raw = String(raw.dropFirst().dropLast())
            var unescaped = ""
            var escaping = false
            for character in raw {
                if escaping { unescaped.append(character == "n" ? "\n" : character); escaping = false }
                else if character == "\\" { escaping = true }
                else { unescaped.append(character) }
            }
            raw = unescaped
        }
        self.init(name: name, op: op, value: raw)
        if op == .matches || op == .notMatches {
            do { _ = try NSRegularExpression(pattern: "^(?:\(raw))$") } catch {
                throw AlertMatcherError("the regular expression in '\(text)' does not compile")
            }
        }
    }

    /// `name="value"` with the value quoted, as Alertmanager prints matchers.
    public var description: String {
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\(name)\(op.rawValue)\"\(escaped)\""
    }
}

/// Why a matcher could not be read.
public struct AlertMatcherError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Matchers compiled once (regular expressions included); an alert counts when every matcher holds, as in Alertmanager
/// (a missing label is the empty string).
public struct AlertMatcherSet: @unchecked Sendable {
    // @unchecked: NSRegularExpression is immutable after creation and documented thread-safe for matching.
    private let matchers: [(AlertMatcher, NSRegularExpression?)]

    public init(_ matchers: [AlertMatcher]) {
        self.matchers = matchers.map { m in
            let regex = (m.op == .matches || m.op == .notMatches) ? try? NSRegularExpression(pattern: "^(?:\(m.value))$") : nil
            return (m, regex)
        }
    }

    public func matches(_ labels: [String: String]) -> Bool {
        for (m, regex) in matchers {
            let value = labels[m.name] ?? ""
            let holds: Bool
            switch m.op {
            case .equal: holds = value == m.value
            case .notEqual: holds = value != m.value
            case .matches, .notMatches:
                let range = NSRange(value.startIndex..., in: value)
                let found = regex?.firstMatch(in: value, range: range) != nil
                holds = m.op == .matches ? found : !found
            }
            if !holds { return false }
        }
        return true
    }
}
