import Foundation
import GameDayCore

/// A cheap, linear pass over the raw bytes of a YAML file that refuses what would make parsing slow, deep or
/// unsafe, before any YAML library sees it. Plans, inventories and scheduler configurations all go through it.
///
/// It checks, in one pass and in bounded memory: the size, NUL bytes, UTF-8 validity, control characters, the
/// nesting depth (block indentation levels, `- - -` entries and `[`/`{` flow collections together), the number of
/// aliases, and keys that would make the YAML library hash whole subtrees (aliases, flow collections and `? ` complex
/// keys used as mapping keys). The scanner follows the YAML tokenizer's rules for where quoted scalars, plain scalars,
/// block scalars and comments begin and end, so brackets inside strings do not count, and a quote that is merely part
/// of a plain scalar (`it's`) does not hide the structure after it. It never recurses.
public enum YAMLInputGuard {
    /// What is wrong with the input, where (1-based line and column, columns counted in characters as the YAML
    /// library counts them), and a message in the project's voice. Callers may reword by `kind`.
    public struct Problem: Error, Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case tooLarge, nulByte, invalidUTF8, controlCharacter, tooDeep, tooManyAliases
            case aliasKey, collectionKey, complexKey
        }
        public var kind: Kind
        public var line: Int
        public var column: Int
        public var message: String

        public func diagnostic(file: String) -> Diagnostic {
            Diagnostic(file: file, line: line, column: column, message: message)
        }
    }

    /// Limits; the defaults are far above what any plan or configuration needs.
    public struct Limits: Sendable {
        public var maximumBytes = 1 << 20
        /// Block levels plus flow levels open at any point.
        public var maximumDepth = 64
        public var maximumAliases = 1_000
        public init() {}
    }

    /// Checks `data`; on success returns it as text (validated UTF-8, without a leading byte-order mark, which the
    /// YAML library would otherwise read as content).
    public static func check(_ data: Data, limits: Limits = Limits()) -> Result<String, Problem> {
        if data.count > limits.maximumBytes {
            return .failure(Problem(kind: .tooLarge, line: 1, column: 1,
                                    message: "file is \(data.count) bytes; the limit is \(limits.maximumBytes) bytes (is this the right file?)"))
        }
        let bytes = [UInt8](data)
        if let problem = checkEncoding(bytes) { return .failure(problem) }
        var scanner = Scanner(bytes: bytes, limits: limits)
        if let problem = scanner.run() { return .failure(problem) }
        return .success(String(decoding: bytes[scanner.contentStart...], as: UTF8.self))
    }

    /// The last position inside `data` (line and column just after its last character, as the YAML library counts
    /// them). Errors the YAML library reports at the end of the stream may lie one line further; callers clamp to this.
    public static func endPosition(of data: Data) -> (line: Int, column: Int) {
        let bytes = [UInt8](data)
        let scanner = Scanner(bytes: bytes, limits: Limits())
        var line = 1, column = 1
        var k = scanner.contentStart
        while k < bytes.count {
            let lineBreak = scanner.breakLength(k)
            if lineBreak > 0 { line += 1; column = 1; k += lineBreak; continue }
            if bytes[k] & 0xC0 != 0x80 { column += 1 }
            k += 1
        }
        return (line, column)
    }

    /// `line`/`column` moved back inside `data` when they point past its end.
    public static func clamp(line: Int, column: Int, in data: Data) -> (line: Int, column: Int) {
        let end = endPosition(of: data)
        if line > end.line || (line == end.line && column > end.column) { return end }
        return (max(1, line), max(1, column))
    }

    // MARK: - Encoding

    /// NUL, invalid UTF-8 and characters YAML does not allow in a file (C0/C1 controls other than tab and line
    /// breaks, DEL, U+FFFE/U+FFFF), each at its position.
    static func checkEncoding(_ bytes: [UInt8]) -> Problem? {
        var position = Position()
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                if b == 0 {
                    return Problem(kind: .nulByte, line: position.line, column: position.column,
                                   message: "file contains binary data (a NUL byte); expected a YAML text file")
                }
                if (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F {
                    return Problem(kind: .controlCharacter, line: position.line, column: position.column,
                                   message: "control character U+\(hex(UInt32(b))) is not allowed in YAML; remove it (write it as an escape in a double-quoted string)")
                }
                i += 1
                if b == 0x0A || (b == 0x0D && (i >= n || bytes[i] != 0x0A)) { position.newLine() } else if b != 0x0D { position.column += 1 }
                continue
            }
            let length: Int, minimum: UInt32
            var scalar: UInt32
            if b & 0xE0 == 0xC0 { length = 2; minimum = 0x80; scalar = UInt32(b & 0x1F) }
            else if b & 0xF0 == 0xE0 { length = 3; minimum = 0x800; scalar = UInt32(b & 0x0F) }
            else if b & 0xF8 == 0xF0 { length = 4; minimum = 0x10000; scalar = UInt32(b & 0x07) }
            else { return invalidUTF8(position) }
            guard i + length <= n else { return invalidUTF8(position) }
            for k in 1..<length {
                let c = bytes[i + k]
                guard c & 0xC0 == 0x80 else { return invalidUTF8(position) }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return invalidUTF8(position) }
            if (0x80...0x9F).contains(scalar) && scalar != 0x85 || scalar == 0xFFFE || scalar == 0xFFFF {
                return Problem(kind: .controlCharacter, line: position.line, column: position.column,
                               message: "character U+\(hex(scalar)) is not allowed in YAML; remove it")
            }
            i += length
            if scalar == 0x85 || scalar == 0x2028 || scalar == 0x2029 { position.newLine() }
            else if !(scalar == 0xFEFF && i == length) { position.column += 1 }  // a leading BOM takes no column
        }
        return nil
    }

    private static func invalidUTF8(_ position: Position) -> Problem {
        Problem(kind: .invalidUTF8, line: position.line, column: position.column,
                message: "file is not valid UTF-8 text (save it as UTF-8)")
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    struct Position {
        var line = 1
        var column = 1
        mutating func newLine() { line += 1; column = 1 }
    }

    // MARK: - Structure

    /// A one-pass model of the YAML tokenizer that tracks only what decides nesting: the block indentation stack,
    /// the flow level, and whether the current character is inside a scalar or a comment.
    struct Scanner {
        enum Mode { case token, plain, doubleQuoted, singleQuoted, comment }

        let bytes: [UInt8]
        let limits: Limits
        var i = 0
        var line = 1
        var column = 0           // 0-based, in characters
        var indents: [Int] = []  // columns of the open block collections
        var flow = 0
        var mode = Mode.token
        var blockScalarParent: Int?  // inside a literal/folded block scalar whose parent indentation is this
        var lastTokenColumn = 0      // where the last token on this line began (a key's column, when ':' follows)
        var lastTokenKind = TokenKind.other
        var aliases = 0
        var previousWasBlank = true

        enum TokenKind { case other, alias, collectionEnd }

        let contentStart: Int

        init(bytes: [UInt8], limits: Limits) {
            self.bytes = bytes; self.limits = limits
            contentStart = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
            i = contentStart
        }

        var top: Int { indents.last ?? -1 }

        func at(_ k: Int) -> UInt8 { k < bytes.count ? bytes[k] : 0 }

        /// Length of the line break at `k` (LF, CRLF, CR, NEL, LS, PS), or 0.
        func breakLength(_ k: Int) -> Int {
            switch at(k) {
            case 0x0A: return 1
            case 0x0D: return at(k + 1) == 0x0A ? 2 : 1
            case 0xC2: return at(k + 1) == 0x85 ? 2 : 0
            case 0xE2: return at(k + 1) == 0x80 && (at(k + 2) == 0xA8 || at(k + 2) == 0xA9) ? 3 : 0
            default: return 0
            }
        }

        func isBlankOrEnd(_ k: Int) -> Bool { k >= bytes.count || at(k) == 0x20 || at(k) == 0x09 || breakLength(k) > 0 }
        func isFlowIndicator(_ b: UInt8) -> Bool { b == UInt8(ascii: ",") || b == UInt8(ascii: "[") || b == UInt8(ascii: "]") || b == UInt8(ascii: "{") || b == UInt8(ascii: "}") }
        func isAnchorCharacter(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
        }

        func problem(_ kind: Problem.Kind, _ message: String) -> Problem {
            Problem(kind: kind, line: line, column: column + 1, message: message)
        }

        /// Moves past one character (a whole UTF-8 sequence) on the current line.
        mutating func advance() {
            let b = at(i)
            i += b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
            column += 1
        }

        mutating func push(_ indentColumn: Int) -> Problem? {
            guard top < indentColumn else { return nil }
            indents.append(indentColumn)
            return depthCheck(at: indentColumn)
        }

        /// The problem, if the level just opened at `at` (0-based column on this line) is one too many.
        func depthCheck(at start: Int) -> Problem? {
            guard indents.count + flow > limits.maximumDepth else { return nil }
            return Problem(kind: .tooDeep, line: line, column: start + 1,
                           message: "nesting deeper than \(limits.maximumDepth) levels (lists and mappings inside each other); no plan or configuration needs that many")
        }

        mutating func run() -> Problem? {
            var atLineStart = true
            while i < bytes.count {
                if atLineStart {
                    atLineStart = false
                    if let problem = startLine() { return problem }
                    continue
                }
                let lineBreak = breakLength(i)
                if lineBreak > 0 {
                    i += lineBreak; line += 1; column = 0
                    previousWasBlank = true
                    if mode == .comment { mode = .token }
                    atLineStart = true
                    continue
                }
                if let problem = step() { return problem }
            }
            return nil
        }

        /// Handles indentation at the start of a line (block context only).
        mutating func startLine() -> Problem? {
            var k = i, indentation = 0
            while at(k) == 0x20 { k += 1; indentation += 1 }
            let blankLine = k >= bytes.count || breakLength(k) > 0 || (at(k) == 0x09 && restIsBlank(from: k))
            if let parent = blockScalarParent {
                if blankLine || indentation > parent { skipLine(); return nil }
                blockScalarParent = nil
            }
            if mode == .doubleQuoted || mode == .singleQuoted || flow > 0 { return nil }
            if blankLine { i = k; column = indentation; return nil }
            if mode == .plain, indentation > top, !isDocumentMarker(k) { i = k; column = indentation; return nil }
            // A new line in block context: close the collections indented deeper than it.
            if at(k) == UInt8(ascii: "#") { i = k; column = indentation; mode = .comment; return nil }
            if isDocumentMarker(k) {
                indents.removeAll(); mode = .token
                i = k + 3; column = 3
                return nil
            }
            while top > indentation { indents.removeLast() }
            i = k; column = indentation
            mode = .token
            lastTokenColumn = indentation; lastTokenKind = .other
            if column == 0 && at(k) == UInt8(ascii: "%") { mode = .comment }  // a directive
            return nil
        }

        func isDocumentMarker(_ k: Int) -> Bool {
            guard k == contentStart || breakLength(k - 1) > 0 || (k >= 2 && breakLength(k - 2) == 2) || (k >= 3 && breakLength(k - 3) == 3) else { return false }
            let c = at(k)
            return (c == UInt8(ascii: "-") || c == UInt8(ascii: ".")) && at(k + 1) == c && at(k + 2) == c && isBlankOrEnd(k + 3)
        }

        func restIsBlank(from k: Int) -> Bool {
            var j = k
            while at(j) == 0x20 || at(j) == 0x09 { j += 1 }
            return j >= bytes.count || breakLength(j) > 0
        }

        mutating func skipLine() {
            while i < bytes.count && breakLength(i) == 0 { advance() }
        }

        /// One character inside a line.
        mutating func step() -> Problem? {
            let c = at(i)
            switch mode {
            case .comment:
                advance()
            case .doubleQuoted:
                if c == UInt8(ascii: "\\") {
                    advance()
                    if i < bytes.count && breakLength(i) == 0 { advance() }
                } else {
                    if c == UInt8(ascii: "\"") { mode = .token }
                    advance()
                }
            case .singleQuoted:
                if c == UInt8(ascii: "'") {
                    advance()
                    if at(i) == UInt8(ascii: "'") { advance() } else { mode = .token }
                } else {
                    advance()
                }
            case .plain:
                if c == UInt8(ascii: ":") && (isBlankOrEnd(i + 1) || (flow > 0 && isFlowIndicator(at(i + 1)))) {
                    mode = .token
                    return nil
                }
                if flow > 0 && isFlowIndicator(c) { mode = .token; return nil }
                if c == UInt8(ascii: "#") && previousWasBlank { mode = .comment; return nil }
                previousWasBlank = c == 0x20 || c == 0x09
                advance()
            case .token:
                return token(c)
            }
            return nil
        }

        /// At a place where a new token may begin.
        mutating func token(_ c: UInt8) -> Problem? {
            let start = column
            switch c {
            case 0x20, 0x09:
                advance()
                previousWasBlank = true
                return nil
            case UInt8(ascii: "#"):
                mode = .comment
                return nil
            case UInt8(ascii: "-") where flow == 0 && isBlankOrEnd(i + 1):
                advance()
                lastTokenColumn = column; lastTokenKind = .other
                return push(start)
            case UInt8(ascii: "?") where isBlankOrEnd(i + 1):
                return problem(.complexKey, "complex mapping keys ('? ') are not supported")
            case UInt8(ascii: ":") where isBlankOrEnd(i + 1) || flow > 0:
                switch lastTokenKind {
                case .alias: return Problem(kind: .aliasKey, line: line, column: lastTokenColumn + 1,
                                            message: "aliases cannot be used as mapping keys")
                case .collectionEnd: return Problem(kind: .collectionKey, line: line, column: lastTokenColumn + 1,
                                                    message: "lists and mappings cannot be used as mapping keys")
                case .other: break
                }
                advance()
                lastTokenKind = .other
                if flow == 0, let problem = push(lastTokenColumn) { return problem }
                lastTokenColumn = column
                return nil
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if flow == 0 { lastTokenColumn = start }
                flow += 1
                advance()
                lastTokenKind = .other
                return depthCheck(at: start)
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                flow = max(0, flow - 1)
                advance()
                lastTokenKind = .collectionEnd
                return nil
            case UInt8(ascii: ","):
                advance()
                lastTokenColumn = column; lastTokenKind = .other
                return nil
            case UInt8(ascii: "\""):
                lastTokenColumn = start
                mode = .doubleQuoted; lastTokenKind = .other
                advance()
                return nil
            case UInt8(ascii: "'"):
                lastTokenColumn = start
                mode = .singleQuoted; lastTokenKind = .other
                advance()
                return nil
            case UInt8(ascii: "|"), UInt8(ascii: ">"):
                if flow > 0 { return plainStart(start) }
                blockScalarParent = top
                skipLine()
                return nil
            case UInt8(ascii: "*"):
                aliases += 1
                if aliases > limits.maximumAliases {
                    return problem(.tooManyAliases, "more than \(limits.maximumAliases) aliases ('*name'); no plan or configuration needs that many")
                }
                lastTokenColumn = start
                advance()
                while i < bytes.count && isAnchorCharacter(at(i)) { advance() }
                lastTokenKind = .alias
                return nil
            case UInt8(ascii: "&"), UInt8(ascii: "!"):
                // An anchor or tag: the node itself follows.
                lastTokenColumn = start
                advance()
                while i < bytes.count && !isBlankOrEnd(i) && !(flow > 0 && isFlowIndicator(at(i))) { advance() }
                return nil
            default:
                return plainStart(start)
            }
        }

        mutating func plainStart(_ start: Int) -> Problem? {
            lastTokenColumn = start; lastTokenKind = .other
            mode = .plain
            previousWasBlank = false
            advance()
            return nil
        }
    }
}
