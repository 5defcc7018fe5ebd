import Foundation
import GameDayCore

/// A POSTed operator action, checked field by field into a clear error (never a raw `DecodingError`).
public struct ConsoleActionRequest: Sendable, Equatable {
    /// Largest request body read; larger ones get a 413 before any parsing.
    public static let maxBodyBytes = 4096
    /// Longest name accepted (characters).
    public static let maxNameLength = 64
    /// Longest note, or runbook item, accepted (characters).
    public static let maxTextLength = 1000

    public var kind: OperatorMark.Kind
    public var text: String?
    public var name: String
    /// For `correct`: the seq of the diagnosis judged.
    public var ref: Int? = nil

    /// A problem with the body: said to the page as a 400.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Parses `{"kind": "detected|mitigated|note|done", "text": "...", "name": "..."}`.
    public static func parseMark(_ body: [UInt8]) throws(Invalid) -> ConsoleActionRequest {
        let object = try Self.object(body)
        guard let kindText = object["kind"] as? String else {
            throw Invalid("field \"kind\" is required: one of detected, mitigated, note, done, diagnosis, correct")
        }
        guard let kind = OperatorMark.Kind(rawValue: kindText) else {
            throw Invalid("field \"kind\" must be one of detected, mitigated, note, done, diagnosis, correct; got '\(kindText.prefix(40))'")
        }
        let name = try Self.name(object)
        var text: String?
        if let value = object["text"], !(value is NSNull) {
            guard let string = value as? String else { throw Invalid("field \"text\" must be a string") }
            let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.count <= maxTextLength else { throw Invalid("field \"text\" is longer than \(maxTextLength) characters") }
            text = trimmed.isEmpty ? nil : trimmed
        }
        if (kind == .note || kind == .done || kind == .diagnosis) && text == nil {
            throw Invalid(kind == .note ? "a note needs a \"text\"" : kind == .done ? "a runbook item needs its \"text\"" : "a diagnosis needs a \"text\" (what broke?)")
        }
        var ref: Int?
        if kind == .correct {
            guard let value = object["ref"] as? Int, !(object["ref"] is Bool), value > 0 else {
                throw Invalid("marking a diagnosis correct needs \"ref\": the seq of that diagnosis")
            }
            ref = value
        }
        return ConsoleActionRequest(kind: kind, text: text, name: name, ref: ref)
    }

    /// Parses the abort request `{"name": "..."}` and returns the name.
    public static func parseAbort(_ body: [UInt8]) throws(Invalid) -> String {
        try name(try object(body))
    }

    private static func object(_ body: [UInt8]) throws(Invalid) -> [String: Any] {
        guard body.count <= maxBodyBytes else { throw Invalid("the body is larger than \(maxBodyBytes) bytes") }
        guard !body.isEmpty else { throw Invalid("the body is empty; send a JSON object") }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(body), options: [])
        } catch {
            throw Invalid("the body is not valid JSON; send a JSON object")
        }
        guard let object = parsed as? [String: Any] else { throw Invalid("the body must be a JSON object") }
        return object
    }

    private static func name(_ object: [String: Any]) throws(Invalid) -> String {
        guard let raw = object["name"] as? String else {
            throw Invalid("field \"name\" is required: who is making the mark (type your name at the top of the page)")
        }
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw Invalid("field \"name\" is empty: type your name at the top of the page") }
        guard name.count <= maxNameLength else { throw Invalid("field \"name\" is longer than \(maxNameLength) characters") }
        guard !name.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw Invalid("field \"name\" contains control characters")
        }
        return name
    }
}
