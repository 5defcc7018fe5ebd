import Foundation
import GameDayCore
import Yams

/// A parsed YAML file with source positions, ready for typed reading by `NodeReader`.
///
/// Everything that can go wrong with the bytes themselves (empty, binary, not UTF-8, too large, too deep, YAML syntax,
/// alias tricks) becomes a `Diagnostic` here; callers never see a Yams error. The byte-level checks are
/// `YAMLInputGuard`'s. Plans, inventories and scheduler configurations are all read through here; `vocabulary`
/// words the messages for the kind of file.
public struct YAMLDocument {
    public let file: String
    public let root: Node

    public static func parse(file: String, data: Data, vocabulary: YAMLVocabulary = .plan,
                             limits: YAMLInputGuard.Limits = YAMLInputGuard.Limits()) -> Result<YAMLDocument, Diagnostic> {
        func fail(_ line: Int, _ column: Int, _ message: String) -> Result<YAMLDocument, Diagnostic> {
            .failure(Diagnostic(file: file, line: line, column: column, message: message))
        }
        if data.isEmpty { return fail(1, 1, vocabulary.empty) }
        // Size, encoding, nesting depth and alias tricks are refused in one linear pass before the YAML library
        // (whose composer recurses once per level) sees the text.
        let text: String
        switch YAMLInputGuard.check(data, limits: limits) {
        case .failure(let problem):
            var diagnostic = problem.diagnostic(file: file)
            switch problem.kind {
            case .invalidUTF8: if let message = vocabulary.invalidUTF8 { diagnostic.message = message }
            case .nulByte: if let message = vocabulary.nulByte { diagnostic.message = message }
            default: break
            }
            return .failure(diagnostic)
        case .success(let checked): text = checked
        }
        do {
            // The basic resolver: our reader types scalars itself, and the default one runs a regular expression per
            // scalar when Yams hashes mapping keys for its duplicate check (a third of the time on a 1 MiB plan).
            let parser = try Parser(yaml: text, resolver: .basic)
            guard let root = try parser.singleRoot() else {
                return fail(1, 1, vocabulary.noDocument)
            }
            return .success(YAMLDocument(file: file, root: root))
        } catch let error as YamlError {
            var diagnostic = diagnostic(for: error, file: file, vocabulary: vocabulary)
            (diagnostic.line, diagnostic.column) = YAMLInputGuard.clamp(line: diagnostic.line, column: diagnostic.column, in: data)
            return .failure(diagnostic)
        } catch {
            return fail(1, 1, "\(vocabulary.unparsable): \(error)")
        }
    }

    static func diagnostic(for error: YamlError, file: String, vocabulary: YAMLVocabulary) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "\(vocabulary.syntaxError): \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line))" }
            return Diagnostic(file: file, line: mark.line, column: mark.column, message: message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return Diagnostic(file: file, line: context.mark.line, column: context.mark.column,
                              message: "duplicate key\(duplicates.count > 1 ? "s" : "") \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in one mapping")
        case .reader(let problem, let offset, _, let yaml):
            let (line, column) = offset.map { position(of: $0, in: Data(yaml.utf8)) } ?? (1, 1)
            return Diagnostic(file: file, line: line, column: column, message: "YAML reader error: \(problem)")
        default:
            return Diagnostic(file: file, line: 1, column: 1, message: "\(vocabulary.unparsable): \(error)")
        }
    }

    static func position(of offset: Int, in data: Data) -> (Int, Int) {
        var line = 1, column = 1
        for byte in data.prefix(offset) {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        return (line, column)
    }
}

/// A YAML node with its source position, as `YAMLDocument` and `NodeReader` hand it out (callers need not import the
/// YAML library to pass nodes around).
public typealias YAMLNode = Node
