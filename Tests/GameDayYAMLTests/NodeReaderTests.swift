import Foundation
import GameDayCore
import GameDayYAML
import Testing

/// The one YAML reader, used directly (plans and scheduler configurations both go through it).
@Suite struct NodeReaderTests {
    func document(_ text: String, vocabulary: YAMLVocabulary = .plan) throws -> YAMLDocument {
        try YAMLDocument.parse(file: "f.yaml", data: Data(text.utf8), vocabulary: vocabulary).get()
    }

    func failure(_ data: Data, vocabulary: YAMLVocabulary) -> Diagnostic? {
        if case .failure(let diagnostic) = YAMLDocument.parse(file: "f.yaml", data: data, vocabulary: vocabulary) { return diagnostic }
        return nil
    }

    /// An unknown key is reported at the key's own line and column, with the closest allowed key suggested.
    @Test func unknownKeyIsPositionedWithASuggestion() throws {
        let doc = try document("name: x\nsettings:\n  retries: 3\n  timout: 5s\n")
        let reader = NodeReader(file: doc.file, environment: [:])
        let top = try #require(reader.mapping(doc.root, "the plan", allowed: ["name", "settings"]))
        let settings = try #require(top["settings"])
        let fields = try #require(reader.mapping(settings, "settings", allowed: ["retries", "timeout"]))
        #expect(reader.int(fields["retries"], "retries") == 3)
        #expect(reader.diagnostics.map(\.description) == ["f.yaml:4:3: error: unknown key 'timout' in settings; did you mean 'timeout'?"])
    }

    /// A wrong type is reported at the value's position, naming what was found.
    @Test func wrongTypeIsPositioned() throws {
        let doc = try document("timeout: [1, 2]\n")
        let reader = NodeReader(file: doc.file, environment: [:])
        let fields = try #require(reader.mapping(doc.root, "the plan", allowed: ["timeout"]))
        #expect(reader.duration(fields["timeout"], "timeout") == nil)
        #expect(reader.diagnostics.map(\.description) == ["f.yaml:1:10: error: timeout must be a string, found a list"])
    }

    /// `${VAR}` and `${VAR:-default}` come from the environment given to the reader; `$$` is a literal dollar; an
    /// unset variable without a default is an error at the value.
    @Test func environmentExpansion() throws {
        let doc = try document("a: \"${HOST}:${PORT:-8080}\"\nb: cost $$5\nc: ${MISSING}\n")
        let reader = NodeReader(file: doc.file, environment: ["HOST": "127.0.0.1"])
        let fields = try #require(reader.mapping(doc.root, "the plan", allowed: ["a", "b", "c"]))
        #expect(reader.string(fields["a"], "a") == "127.0.0.1:8080")
        #expect(reader.string(fields["b"], "b") == "cost $5")
        #expect(reader.string(fields["c"], "c") == nil)
        #expect(reader.diagnostics.map(\.description) == [
            "f.yaml:3:4: error: c uses environment variable MISSING, which is not set (give a default with ${MISSING:-value})",
        ])
    }

    /// The node budget stops the walk with one error, worded for the kind of file, however far aliases expand.
    @Test func nodeBudgetStopsTheWalk() throws {
        let doc = try document("a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b]\n",
                               vocabulary: .schedulerConfiguration)
        let reader = NodeReader(file: doc.file, environment: [:], budget: 100, vocabulary: .schedulerConfiguration)
        let fields = try #require(reader.mapping(doc.root, "the configuration", allowed: ["a", "b", "c"]))
        var read = 0
        for outer in reader.sequence(fields["c"], "c") {
            for inner in reader.sequence(outer, "c[]") {
                read += reader.sequence(inner, "c[][]").compactMap { reader.string($0, "an item") }.count
            }
        }
        #expect(read < 100)
        #expect(reader.diagnostics.map(\.message) == [
            "the configuration is too large or expands too far through YAML aliases; refusing to read further",
        ])
    }

    /// At most `maximumDiagnostics` diagnostics are kept, the last saying that reading stopped.
    @Test func diagnosticsAreCapped() throws {
        let doc = try document((1...10).map { "k\($0): 1" }.joined(separator: "\n") + "\n")
        let reader = NodeReader(file: doc.file, environment: [:], maximumDiagnostics: 4)
        _ = reader.mapping(doc.root, "the plan", allowed: ["name"])
        #expect(reader.diagnostics.count == 4)
        #expect(reader.diagnostics.last?.message == "too many errors; stopping here")
        #expect(reader.diagnostics.first?.description == "f.yaml:1:1: error: unknown key 'k1' in the plan (expected one of: name)")
    }

    /// A list longer than its limit is one error at the list, not one per item.
    @Test func listLimit() throws {
        let doc = try document("items: [a, b, c]\n")
        let reader = NodeReader(file: doc.file, environment: [:])
        let fields = try #require(reader.mapping(doc.root, "the plan", allowed: ["items"]))
        #expect(reader.list(try #require(fields["items"]), "items", maximumCount: 2) == nil)
        #expect(reader.diagnostics.map(\.description) == ["f.yaml:1:8: error: items has 3 items; at most 2 are allowed"])
    }

    /// The byte-level and YAML-library failures are worded for the kind of file and positioned.
    @Test func vocabularyWordsTheFailures() {
        let config = YAMLVocabulary.schedulerConfiguration
        #expect(failure(Data(), vocabulary: config)?.message.hasPrefix("the configuration is empty") == true)
        #expect(failure(Data("# only a comment\n".utf8), vocabulary: config)?.message.hasPrefix("the configuration is empty") == true)
        #expect(failure(Data([0x61, 0x3a, 0x20, 0xff, 0x0a]), vocabulary: config)?.description == "f.yaml:1:4: error: the configuration is not UTF-8 text")
        #expect(failure(Data("a: [1\n".utf8), vocabulary: config)?.message.hasPrefix("invalid YAML: ") == true)
        #expect(failure(Data("a: [1\n".utf8), vocabulary: .plan)?.message.hasPrefix("YAML syntax error: ") == true)
        #expect(failure(Data(), vocabulary: .plan)?.message == "file is empty; a plan starts with 'version: 1'")
    }

    /// An alias used as a mapping key is refused before the YAML library hashes it, at the alias.
    @Test func aliasKeyIsRefusedAtItsPosition() {
        let diagnostic = failure(Data("a: &x [1, 2]\nb:\n  *x : 3\n".utf8), vocabulary: .plan)
        #expect(diagnostic?.line == 3 && diagnostic?.column == 3)
        #expect(diagnostic?.message.isEmpty == false)
    }
}
