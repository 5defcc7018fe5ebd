import GameDayCore
import NIOCore
import Testing
@testable import GameDayProxy

struct HTTPErrorToxicTests {
    private func toxic(_ attributes: [String: JSONValue]) throws -> HTTPErrorToxic {
        try HTTPErrorToxic(attributes: ToxicAttributes(attributes))
    }

    private func outbound(_ h: ToxicHarness) throws -> String {
        var out = ""
        while let buffer = try h.channel.readOutbound(as: ByteBuffer.self) { out += String(buffer: buffer) }
        return out
    }

    /// A picked request is answered by the toxic and never reaches the upstream, body and all.
    @Test func answersWithoutForwarding() throws {
        let h = try ToxicHarness(try toxic(["status_code": .number(503), "body": .string("down"),
                                            "headers": .object(["Retry-After": .string("1")])]), stream: .upstream)
        try h.send("POST /pay HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234")
        try h.send("56789")
        #expect(try h.received() == "")
        let response = try outbound(h)
        #expect(response.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        #expect(response.contains("Retry-After: 1\r\n"))
        #expect(response.contains("Content-Length: 4\r\n"))
        #expect(response.hasSuffix("\r\n\r\ndown"))
        #expect(h.firedCount == 1)
    }

    /// At toxicity 0 requests pass through untouched.
    @Test func unpickedRequestsPass() throws {
        let h = try ToxicHarness(try toxic([:]), stream: .upstream, toxicity: 0)
        let request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        try h.send(request)
        #expect(try h.received() == request)
        #expect(try outbound(h) == "")
    }

    /// Toxicity is drawn per request, reproducibly for a seed.
    @Test func toxicityIsPerRequestAndSeeded() throws {
        func pattern(seed: UInt64) throws -> [Bool] {
            let h = try ToxicHarness(try toxic([:]), stream: .upstream, toxicity: 0.5, seed: seed)
            var picks: [Bool] = []
            for _ in 0..<40 {
                try h.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                picks.append(try outbound(h).hasPrefix("HTTP/1.1 500"))
                _ = try h.received()
            }
            return picks
        }
        let first = try pattern(seed: 9)
        #expect(first.contains(true) && first.contains(false))
        #expect(try pattern(seed: 9) == first)
        #expect(try pattern(seed: 10) != first)
    }

    /// Abort mode forwards the request, lets `abort_after` response bytes out, then resets the client.
    @Test func abortCutsTheResponse() throws {
        let h = try ToxicHarness(try toxic(["abort": .bool(true), "abort_after": .number(12)]), stream: .upstream)
        let request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        try h.send(request)
        #expect(try h.received() == request)
        try h.channel.writeOutbound(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"))
        #expect(try outbound(h) == "HTTP/1.1 200")
        #expect(h.connection.resets == [.downstream])
    }

    /// Status codes outside 100...599 and bad header names are refused.
    @Test func rejectsBadAttributes() {
        #expect(throws: ToxicAttributeError.self) { try toxic(["status_code": .number(99)]) }
        #expect(throws: ToxicAttributeError.self) { try toxic(["status_code": .number(600)]) }
        #expect(throws: ToxicAttributeError.self) { try toxic(["headers": .object(["Bad Name": .string("x")])]) }
        #expect(throws: ToxicAttributeError.self) { try toxic(["headers": .object(["X": .string("a\r\nb")])]) }
    }
}
