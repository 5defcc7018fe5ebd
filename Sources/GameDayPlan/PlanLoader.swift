import Foundation
import GameDayCore
import GameDayYAML
import Yams

/// Loads plan files: YAML → `Plan`, with every problem reported as `FILE:LINE:COL: error: MESSAGE`.
public enum PlanLoader {
    /// The outcome of loading one plan file.
    public struct Result: Sendable {
        public var plan: Plan?
        /// Errors and warnings, in file order. `plan` is nil when any error was found.
        public var diagnostics: [Diagnostic]
        public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    }

    /// Loads and validates a plan file. Never throws: unreadable files become diagnostics too.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> Result {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                return Result(plan: nil, diagnostics: [Diagnostic(file: path, line: 1, column: 1, message: "is a directory, not a plan file")])
            }
            data = try Data(contentsOf: url)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read (check permissions)" : "no such file"
            return Result(plan: nil, diagnostics: [Diagnostic(file: path, line: 1, column: 1, message: reason)])
        }
        return load(data: data, file: path, baseDirectory: url.deletingLastPathComponent(), environment: environment)
    }

    /// What a YAML file holds, judged by its top-level keys: a plan, or a `gameday schedule` configuration (which
    /// has `scenarios:` and no `steps:`). A file that cannot be parsed is a plan, so loading it reports why.
    public enum DocumentKind: Sendable, Equatable { case plan, scheduleConfiguration }

    public static func documentKind(path: String) -> DocumentKind {
        guard let data = FileManager.default.contents(atPath: path),
              case .success(let document) = YAMLDocument.parse(file: path, data: data),
              let keys = document.root.mapping?.keys.compactMap(\.string) else { return .plan }
        return keys.contains("scenarios") && !keys.contains("steps") ? .scheduleConfiguration : .plan
    }

    /// Loads and validates plan bytes; `file` is the name used in diagnostics, `baseDirectory` resolves
    /// `inventory:` and `runbook:` paths.
    public static func load(data: Data, file: String, baseDirectory: URL? = nil,
                            environment: [String: String] = [:]) -> Result {
        let document: YAMLDocument
        switch YAMLDocument.parse(file: file, data: data) {
        case .failure(let diagnostic): return Result(plan: nil, diagnostics: [diagnostic])
        case .success(let parsed): document = parsed
        }
        let reader = NodeReader(file: file, environment: environment)
        let decoder = PlanDecoder(reader: reader, baseDirectory: baseDirectory, environment: environment)
        let plan = decoder.decode(document.root)
        var diagnostics = decoder.inventoryDiagnostics + reader.diagnostics + decoder.warnings
        diagnostics.sort { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }
        let hasErrors = diagnostics.contains { $0.severity == .error }
        return Result(plan: hasErrors ? nil : plan, diagnostics: diagnostics)
    }
}
