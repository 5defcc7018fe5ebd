/// A problem found in an input file, reported as `FILE:LINE:COL: error: MESSAGE`.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible, Error {
    public enum Severity: String, Sendable { case error, warning }

    public var file: String
    public var line: Int
    public var column: Int
    public var severity: Severity
    public var message: String

    public init(file: String, line: Int, column: Int, severity: Severity = .error, message: String) {
        self.file = file; self.line = line; self.column = column; self.severity = severity; self.message = message
    }

    public var description: String { "\(file):\(line):\(column): \(severity.rawValue): \(message)" }
}

/// Suggestions for misspelt names ("did you mean ...?").
public enum Spelling {
    /// The closest candidate within a small edit distance, if any.
    public static func suggestion(for word: String, among candidates: [String]) -> String? {
        let lower = word.lowercased()
        // An abbreviation ("prod" for "production") is a likelier intent than anything merely close in spelling.
        if lower.count >= 3, let prefixed = candidates.first(where: { $0.lowercased().hasPrefix(lower) && $0.lowercased() != lower }) {
            return prefixed
        }
        var best: (String, Int)?
        for candidate in candidates {
            let d = distance(lower, candidate.lowercased())
            let limit = max(1, min(3, candidate.count / 3 + 1))
            if d <= limit, best == nil || d < best!.1 { best = (candidate, d) }
        }
        return best?.0
    }

    /// Levenshtein distance (bounded inputs: names and keys).
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.prefix(64)), b = Array(b.prefix(64))
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
