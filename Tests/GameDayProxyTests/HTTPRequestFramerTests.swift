import NIOCore
import Testing
@testable import GameDayProxy

struct HTTPRequestFramerTests {
    private func feed(_ framer: inout HTTPRequestFramer, _ text: String) -> [HTTPRequestFramer.Piece] {
        framer.consume(ByteBuffer(string: text).readableBytesView)
    }

    /// A request without a body starts and ends in one piece.
    @Test func bodilessRequest() {
        var framer = HTTPRequestFramer()
        let pieces = feed(&framer, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(pieces == [.init(request: 0, length: 27, starts: true, ends: true)])
    }

    /// Content-Length bodies are followed across chunks.
    @Test func contentLengthAcrossChunks() {
        var framer = HTTPRequestFramer()
        let head = "POST / HTTP/1.1\r\nContent-Length: 6\r\n\r\n"
        let first = feed(&framer, head + "abc")
        #expect(first == [.init(request: 0, length: head.utf8.count + 3, starts: true, ends: false)])
        let second = feed(&framer, "def")
        #expect(second == [.init(request: 0, length: 3, starts: false, ends: true)])
    }

    /// Pipelined requests in one chunk are cut apart.
    @Test func pipelinedRequests() {
        var framer = HTTPRequestFramer()
        let one = "GET /1 HTTP/1.1\r\n\r\n"
        let two = "GET /2 HTTP/1.1\r\n\r\n"
        let pieces = feed(&framer, one + two)
        #expect(pieces.map(\.request) == [0, 1])
        #expect(pieces.map(\.length) == [one.utf8.count, two.utf8.count])
        #expect(pieces.allSatisfy { $0.starts && $0.ends })
    }

    /// Chunked bodies end at the zero chunk and the blank line after trailers.
    @Test func chunkedBody() throws {
        var framer = HTTPRequestFramer()
        let text = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\nGET / HTTP/1.1\r\n\r\n"
        let pieces = feed(&framer, text)
        try #require(pieces.count == 2)
        #expect(pieces[0].ends && pieces[1].starts && pieces[1].ends)
        #expect(pieces[0].length + pieces[1].length == text.utf8.count)
    }

    /// Something that is not HTTP/1.x turns the framer opaque (the toxic then stays out of the way).
    @Test func nonHTTPIsOpaque() {
        var framer = HTTPRequestFramer()
        _ = feed(&framer, "\u{16}\u{03}\u{01} binary tls hello\r\n\r\n")
        #expect(framer.isOpaque)
    }
}
