import Foundation
import Testing

/// Golden files in `Golden/`: the source tree is the spec; GAMEDAY_UPDATE_GOLDEN=1 rewrites them (then review the diff).
enum GoldenFile {
    /// Compares `rendered` with `Golden/<name>.<ext>` and records the first differing line.
    static func check(_ name: String, extension ext: String, _ rendered: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Golden").appendingPathComponent("\(name).\(ext)")
        if ProcessInfo.processInfo.environment["GAMEDAY_UPDATE_GOLDEN"] == "1" {
            try rendered.write(to: source, atomically: true, encoding: .utf8)
            return
        }
        // The bundled copy serves when the tests run away from their sources.
        let inSource = FileManager.default.fileExists(atPath: source.path) ? source : nil
        let url = try #require(inSource ?? Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Golden"),
                               "missing golden \(name).\(ext); run with GAMEDAY_UPDATE_GOLDEN=1 and review it", sourceLocation: sourceLocation)
        let expected = try String(contentsOf: url, encoding: .utf8)
        if expected != rendered {
            let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let b = rendered.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
            Issue.record("rendering differs from \(name).\(ext) at line \(first + 1):\n- \(first < a.count ? a[first] : "<end>")\n+ \(first < b.count ? b[first] : "<end>")",
                         sourceLocation: sourceLocation)
        }
    }
}
