import Foundation
import GameDayCore
import Yams

/// A parsed YAML file with source positions, ready for typed reading by `NodeReader`.
///
/// Everything that can go wrong with the bytes themselves (empty, binary, not UTF-8, too large, YAML syntax, alias
/// tricks) becomes a `Diagnostic` here; callers never see a Yams error.
struct YAMLDocument {
    let file: String
    let root: Node

    /// Larger plan files are refused outright: no plan needs a megabyte.
    static let maximumBytes = 1 << 20

    static func parse(file: String, data: Data) -> Result<YAMLDocument, Diagnostic> {
        func fail(_ line: Int, _ column: Int, _ message: String) -> Result<YAMLDocument, Diagnostic> {
            .failure(Diagnostic(file: file, line: line, column: column, message: message))
        }
        if data.isEmpty { return fail(1, 1, "file is empty; a plan starts with 'version: 1'") }
        if data.count > maximumBytes {
            return fail(1, 1, "file is \(data.count) bytes; plans are limited to \(maximumBytes) bytes")
        }
        if let nul = data.firstIndex(of: 0) {
            let (line, column) = position(of: nul - data.startIndex, in: data)
            return fail(line, column, "file contains binary data (a NUL byte); expected a YAML text file")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            let offset = firstInvalidUTF8(data)
            let (line, column) = position(of: offset, in: data)
            return fail(line, column, "file is not valid UTF-8 text")
        }
        if let problem = riskyAliasUse(text) { return .failure(Diagnostic(file: file, line: problem.line, column: problem.column, message: problem.message)) }
        do {
            let parser = try Parser(yaml: text)
            guard let root = try parser.singleRoot() else {
                return fail(1, 1, "file holds no YAML document; a plan starts with 'version: 1'")
            }
            return .success(YAMLDocument(file: file, root: root))
        } catch let error as YamlError {
            return .failure(diagnostic(for: error, file: file))
        } catch {
            return fail(1, 1, "could not parse YAML: \(error)")
        }
    }

    static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "YAML syntax error: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line))" }
            return Diagnostic(file: file, line: mark.line, column: mark.column, message: message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return Diagnostic(file: file, line: context.mark.line, column: context.mark.column,
                              message: "duplicate key\(duplicates.count > 1 ? "s" : "") \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in one mapping")
        case .reader(let problem, let offset, _, let yaml):
            let (line, column) = offset.map { position(of: $0, in: Data(yaml.utf8)) } ?? (1, 1)
            return Diagnostic(file: file, line: line, column: column, message: "YAML reader error: \(problem)")
        default:
            return Diagnostic(file: file, line: 1, column: 1, message: "could not parse YAML: \(error)")
        }
    }

    /// Aliases used as mapping keys, and complex (`?`) keys, make the YAML library hash whole subtrees, which an
    /// alias bomb turns exponential. Plans never need either, so they are refused before parsing.
    static func riskyAliasUse(_ text: String) -> (line: Int, column: Int, message: String)? {
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = stripComment(rawLine)
            let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "-" }
            if trimmed.hasPrefix("? ") || trimmed == "?" {
                let column = line.distance(from: line.startIndex, to: trimmed.startIndex) + 1
                return (lineNumber, column, "complex mapping keys ('? ') are not supported in plans")
            }
            var index = line.startIndex
            var quote: Character?
            while index < line.endIndex {
                let c = line[index]
                if let q = quote { if c == q { quote = nil } } else if c == "'" || c == "\"" { quote = c }
                else if c == "*" || c == "[" || c == "{" {
                    // An alias (or a flow collection containing one) directly followed by ':' is a key.
                    var end = line.index(after: index)
                    var depth = c == "*" ? 0 : 1
                    var sawAlias = c == "*"
                    while end < line.endIndex {
                        let d = line[end]
                        if depth == 0 && (d == " " || d == "," || d == "]" || d == "}" || d == ":") { break }
                        if d == "[" || d == "{" { depth += 1 }
                        if d == "]" || d == "}" { depth -= 1; if depth == 0 { end = line.index(after: end); break } }
                        if d == "*" { sawAlias = true }
                        end = line.index(after: end)
                    }
                    var after = end
                    while after < line.endIndex, line[after] == " " { after = line.index(after: after) }
                    if sawAlias, after < line.endIndex, line[after] == ":" {
                        let next = line.index(after: after)
                        if next == line.endIndex || line[next] == " " {
                            let column = line.distance(from: line.startIndex, to: index) + 1
                            return (lineNumber, column, "aliases cannot be used as mapping keys in plans")
                        }
                    }
                    if c == "*" { index = end; continue }
                }
                index = line.index(after: index)
            }
        }
        return nil
    }

    private static func stripComment(_ line: Substring) -> Substring {
        var quote: Character?
        var previous: Character = " "
        for index in line.indices {
            let c = line[index]
            if let q = quote { if c == q { quote = nil } }
            else if c == "'" || c == "\"" { quote = c }
            else if c == "#" && (previous == " " || previous == "\t" || index == line.startIndex) { return line[..<index] }
            previous = c
        }
        return line
    }

    static func position(of offset: Int, in data: Data) -> (Int, Int) {
        var line = 1, column = 1
        for byte in data.prefix(offset) {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        return (line, column)
    }

    private static func firstInvalidUTF8(_ data: Data) -> Int {
        var offset = 0
        let bytes = [UInt8](data)
        while offset < bytes.count {
            let b = bytes[offset]
            let length: Int
            if b < 0x80 { length = 1 } else if b >> 5 == 0x6 { length = 2 } else if b >> 4 == 0xE { length = 3 }
            else if b >> 3 == 0x1E { length = 4 } else { return offset }
            if offset + length > bytes.count { return offset }
            for k in 1..<length where bytes[offset + k] & 0xC0 != 0x80 { return offset }
            offset += length
        }
        return offset
    }
}
