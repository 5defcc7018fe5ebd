import Foundation

/// The words the reader uses for the kind of file it reads, so a plan and a scheduler configuration each get
/// messages in their own voice from the one reader.
public struct YAMLVocabulary: Sendable {
    /// What the file is, as the subject of a sentence: "plan", "the configuration".
    public var document: String
    /// The message for an empty file, and for one that holds no YAML document (only comments or blank lines).
    public var empty: String
    public var noDocument: String
    /// The start of a YAML syntax error's message, before the parser's own words.
    public var syntaxError: String
    /// The start of the message for any other failure of the YAML library.
    public var unparsable: String
    /// Replacements for the byte guard's messages, by problem (nil keeps the guard's message).
    public var invalidUTF8: String?
    public var nulByte: String?

    public init(document: String, empty: String, noDocument: String, syntaxError: String,
                unparsable: String, invalidUTF8: String? = nil, nulByte: String? = nil) {
        self.document = document; self.empty = empty; self.noDocument = noDocument; self.syntaxError = syntaxError
        self.unparsable = unparsable
        self.invalidUTF8 = invalidUTF8; self.nulByte = nulByte
    }

    /// Plan files and inventories.
    public static let plan = YAMLVocabulary(
        document: "plan",
        empty: "file is empty; a plan starts with 'version: 1'",
        noDocument: "file holds no YAML document; a plan starts with 'version: 1'",
        syntaxError: "YAML syntax error",
        unparsable: "could not parse YAML")

    /// `gameday schedule` configurations.
    public static let schedulerConfiguration = YAMLVocabulary(
        document: "the configuration",
        empty: "the configuration is empty; it needs at least version, timeZone, hours and scenarios",
        noDocument: "the configuration is empty; it needs at least version, timeZone, hours and scenarios",
        syntaxError: "invalid YAML",
        unparsable: "invalid YAML",
        invalidUTF8: "the configuration is not UTF-8 text",
        nulByte: "the configuration contains NUL bytes; it is not a YAML text file")
}
