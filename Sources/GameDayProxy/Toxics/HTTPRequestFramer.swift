import Foundation
import NIOCore

/// Finds HTTP/1.1 request boundaries in a byte stream (pure; no I/O), for toxics that act per request.
///
/// Feed it chunks in order; it returns the chunk cut into pieces, each belonging to one request and saying whether
/// that request starts or ends in it. Bodies are framed by `Content-Length` or chunked transfer coding. Input that is
/// not HTTP/1.x (or headers over `maxHeaderBytes`) switches it to `opaque`, where everything is one endless piece.
public struct HTTPRequestFramer: Sendable {
    /// A run of bytes of one request.
    public struct Piece: Equatable, Sendable {
        /// Request number on this connection, from 0.
        public var request: Int
        public var length: Int
        /// The request's first byte is in this piece.
        public var starts: Bool
        /// The request's last byte is in this piece.
        public var ends: Bool
    }

    private enum State: Sendable {
        case idle
        case head(bytes: [UInt8])
        case body(remaining: Int)
        case chunkSize(line: [UInt8])
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(lineLength: Int)
        case opaque
    }

    public static let maxHeaderBytes = 64 * 1024
    private var state: State = .idle
    /// Whether the latest request asked for the connection to close after its response (`Connection: close`,
    /// or HTTP/1.0 without keep-alive).
    public private(set) var closeAfterResponse = false
    private var request = -1
    /// True once the stream was seen not to be HTTP/1.x.
    public var isOpaque: Bool { if case .opaque = state { return true }; return false }

    public init() {}

    /// Cuts `bytes` into pieces per request.
    public mutating func consume(_ bytes: ByteBufferView) -> [Piece] {
        var pieces: [Piece] = []
        var index = bytes.startIndex
        var pieceStart = index
        var starts = false

        func close(at end: Int, ends: Bool) {
            if end > pieceStart || ends || starts {
                pieces.append(Piece(request: max(request, 0), length: end - pieceStart, starts: starts, ends: ends))
            }
            pieceStart = end
            starts = false
        }

        while index < bytes.endIndex {
            switch state {
            case .opaque:
                index = bytes.endIndex
            case .idle:
                // Tolerate stray CRLF between requests (RFC 9112 §2.2).
                let byte = bytes[index]
                if byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") {
                    index += 1
                    continue
                }
                if index > pieceStart { close(at: index, ends: false) }
                request += 1
                starts = true
                state = .head(bytes: [])
            case .head(var head):
                let byte = bytes[index]
                head.append(byte)
                index += 1
                if head.count > Self.maxHeaderBytes {
                    state = .opaque
                    continue
                }
                if byte == UInt8(ascii: "\n"), head.count >= 2,
                   head.suffix(2) == [10, 10] || head.suffix(4) == [13, 10, 13, 10] {
                    (state, closeAfterResponse) = Self.afterHead(head)
                    if case .idle = state { close(at: index, ends: true) }
                } else {
                    state = .head(bytes: head)
                }
            case .body(let remaining):
                let take = min(remaining, bytes.endIndex - index)
                index += take
                if take == remaining {
                    state = .idle
                    close(at: index, ends: true)
                } else {
                    state = .body(remaining: remaining - take)
                }
            case .chunkSize(var line):
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\n") {
                    guard let size = Self.chunkSize(line) else { state = .opaque; continue }
                    state = size == 0 ? .trailers(lineLength: 0) : .chunkData(remaining: size)
                } else {
                    line.append(byte)
                    if line.count > 1024 { state = .opaque; continue }
                    state = .chunkSize(line: line)
                }
            case .chunkData(let remaining):
                let take = min(remaining, bytes.endIndex - index)
                index += take
                state = take == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - take)
            case .chunkDataEnd:
                // The CRLF after a chunk's data.
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\n") { state = .chunkSize(line: []) }
            case .trailers(let lineLength):
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\n") {
                    if lineLength == 0 {
                        state = .idle
                        close(at: index, ends: true)
                    } else {
                        state = .trailers(lineLength: 0)
                    }
                } else if byte != UInt8(ascii: "\r") {
                    state = .trailers(lineLength: lineLength + 1)
                }
            }
        }
        if index > pieceStart || starts { close(at: index, ends: false) }
        return pieces
    }

    private static func afterHead(_ head: [UInt8]) -> (State, Bool) {
        guard let text = String(validating: head, as: UTF8.self) ?? String(bytes: head, encoding: .isoLatin1) else {
            return (.opaque, false)
        }
        let lines = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard let requestLine = lines.first, requestLine.split(separator: " ").count == 3,
              requestLine.hasSuffix("HTTP/1.1") || requestLine.hasSuffix("HTTP/1.0") else {
            return (.opaque, false)
        }
        var contentLength = 0
        var chunked = false
        var close = requestLine.hasSuffix("HTTP/1.0")
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-length" {
                guard let length = Int(value), length >= 0 else { return (.opaque, false) }
                contentLength = length
            } else if name == "transfer-encoding", value.lowercased().contains("chunked") {
                chunked = true
            } else if name == "connection" {
                let tokens = value.lowercased()
                if tokens.contains("close") { close = true } else if tokens.contains("keep-alive") { close = false }
            }
        }
        if chunked { return (.chunkSize(line: []), close) }
        return (contentLength > 0 ? .body(remaining: contentLength) : .idle, close)
    }

    private static func chunkSize(_ line: [UInt8]) -> Int? {
        let text = String(decoding: line, as: UTF8.self)
        let hex = text.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard !hex.isEmpty, hex.count <= 15 else { return nil }
        return Int(hex, radix: 16)
    }
}
