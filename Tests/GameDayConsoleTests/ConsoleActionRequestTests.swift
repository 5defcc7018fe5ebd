import GameDayCore
import Testing
@testable import GameDayConsole

struct ConsoleActionRequestTests {
    private func parse(_ text: String) throws -> ConsoleActionRequest {
        try ConsoleActionRequest.parseMark(Array(text.utf8))
    }

    /// A well-formed mark keeps its kind, trimmed text and name.
    @Test func parsesAMark() throws {
        let request = try parse(#"{"kind":"note","text":"  payments is slow ","name":"Ana"}"#)
        #expect(request == ConsoleActionRequest(kind: .note, text: "payments is slow", name: "Ana"))
        #expect(try parse(#"{"kind":"detected","name":"Ana"}"#).kind == .detected)
    }

    /// Malformed, unnamed, unknown-kind, empty-note and oversized bodies are refused with a sentence.
    @Test func refusesBadBodies() {
        let bad = [
            "", "not json", "[1,2]", #"{"kind":"detected"}"#, #"{"kind":"explode","name":"a"}"#,
            #"{"kind":"note","name":"a"}"#, #"{"kind":"done","name":"a","text":"   "}"#, #"{"kind":"detected","name":"   "}"#,
            #"{"kind":"note","name":"a","text":5}"#,
            "{\"kind\":\"note\",\"name\":\"a\",\"text\":\"" + String(repeating: "x", count: 1001) + "\"}",
            "{\"kind\":\"detected\",\"name\":\"" + String(repeating: "n", count: 65) + "\"}",
            "{\"kind\":\"detected\",\"name\":\"a\",\"pad\":\"" + String(repeating: " ", count: 5000) + "\"}",
        ]
        for body in bad {
            #expect(throws: ConsoleActionRequest.Invalid.self, "\(body.prefix(60))") { try parse(body) }
        }
    }

    /// A diagnosis needs its text; a verdict needs the diagnosis's seq as a positive integer.
    @Test func diagnosesAndVerdicts() throws {
        #expect(try parse(#"{"kind":"diagnosis","text":"payments is slow","name":"Ana"}"#).text == "payments is slow")
        #expect(try parse(#"{"kind":"correct","ref":12,"name":"Fay"}"#).ref == 12)
        for body in [#"{"kind":"diagnosis","name":"Ana"}"#, #"{"kind":"correct","name":"Fay"}"#, #"{"kind":"correct","ref":"12","name":"Fay"}"#,
                     #"{"kind":"correct","ref":0,"name":"Fay"}"#, #"{"kind":"correct","ref":true,"name":"Fay"}"#, #"{"kind":"correct","ref":1.5,"name":"Fay"}"#] {
            #expect(throws: ConsoleActionRequest.Invalid.self, "\(body)") { try parse(body) }
        }
    }

    /// The abort body needs a name, like every action.
    @Test func abortNeedsAName() throws {
        #expect(try ConsoleActionRequest.parseAbort(Array(#"{"name":"Fay"}"#.utf8)) == "Fay")
        #expect(throws: ConsoleActionRequest.Invalid.self) { try ConsoleActionRequest.parseAbort(Array("{}".utf8)) }
    }
}
