import Foundation
import GameDayFaults
import Testing

/// Nothing outside the kind files knows a fault kind: adding one stays one file and one registry line.
@Suite struct NoKindSwitchTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// What counts as naming a kind: a string literal of a distinctive kind id or plan name (with `-` or `.`:
    /// `"node-loss"`, `"proxy.latency"`), a `case`/`==` on any plan name, or a comparison of a fault's kind with a literal.
    static func offences(in text: String, registry: FaultRegistry = .standard) -> [String] {
        let distinctive = Set((registry.kinds.map { $0.id } + registry.planNames).filter { $0.contains("-") || $0.contains(".") })
        let words = registry.planNames
        var found: [String] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("//") { continue }
            for name in distinctive where line.contains("\"\(name)\"") { found.append("\(number + 1): \"\(name)\"") }
            for name in words where line.contains("case \"\(name)\"") || line.contains("== \"\(name)\"") || line.contains("!= \"\(name)\"") {
                found.append("\(number + 1): compares with \"\(name)\"")
            }
            if line.range(of: #"(kindName|fault\.kind)\s*(==|!=)\s*""#, options: .regularExpression) != nil
                || line.range(of: #"switch\s+\S*(kindName|fault\.kind)\b"#, options: .regularExpression) != nil {
                found.append("\(number + 1): switches on a fault's kind")
            }
        }
        return found
    }

    /// Sources outside GameDayFaults/Kinds name no fault kind. (GameDayProxy is exempt: its toxic type names are
    /// the proxy API's own vocabulary, listed by its ToxicRegistry.)
    @Test func noKindIsNamedOutsideTheKindFiles() throws {
        let files = try #require(FileManager.default.enumerator(atPath: Self.sources.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") && !$0.hasPrefix("GameDayFaults/Kinds/") && !$0.hasPrefix("GameDayProxy/") }
        #expect(files.count > 50, "found only \(files.count) source files under \(Self.sources.path)")
        for file in files {
            let text = try String(contentsOf: Self.sources.appendingPathComponent(file), encoding: .utf8)
            let offences = Self.offences(in: text)
            #expect(offences.isEmpty, "\(file) names fault kinds outside Kinds/: \(offences)")
        }
    }

    /// The check itself catches the old shapes (a kind set, a literal comparison, a switch on the kind name).
    @Test func catchesTheOldShapes() {
        #expect(!Self.offences(in: #"let hostKinds: Set<String> = ["node-loss", "partition"]"#).isEmpty)
        #expect(!Self.offences(in: #"if fault.kindName == "stress" { }"#).isEmpty)
        #expect(!Self.offences(in: #"switch step.fault.kindName {"#).isEmpty)
        #expect(!Self.offences(in: #"case "partition": return true"#).isEmpty)
        #expect(Self.offences(in: #"/// node-loss is "node-loss" in plans"#).isEmpty)
        #expect(Self.offences(in: #"let timeout = reader.duration(f["timeout"], "timeout")"#).isEmpty)
    }
}
