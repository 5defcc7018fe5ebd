import Foundation
import GameDayCore

/// What a journal holds, with notes on the lines that could not be read.
public struct JournalContents: Sendable, Equatable {
    /// The decoded events, in file order.
    public var events: [JournalEvent]
    /// The final line could not be decoded: a write cut short by a crash. Its event is lost; the rest is intact.
    public var tornTail: Bool
    /// 1-based numbers of other lines that could not be decoded (skipped, not fatal).
    public var skippedLines: [Int]

    public init(events: [JournalEvent], tornTail: Bool = false, skippedLines: [Int] = []) {
        self.events = events; self.tornTail = tornTail; self.skippedLines = skippedLines
    }
}

/// Reads a journal written by `JournalWriter`, tolerating what a crash can leave behind.
///
/// The last non-empty line, if it cannot be decoded, is a torn write (`tornTail`); any other line that cannot be
/// decoded is skipped and its number reported. Blank lines are ignored. Probe lines, which are nearly all of a long
/// run's journal, take a dedicated parser; anything it does not recognise goes through `JSONDecoder`, which stays the
/// reference for what a line means.
public enum JournalReader {
    /// Reads and decodes the journal at `url`. Throws only if the file cannot be read at all.
    public static func read(url: URL) throws -> JournalContents {
        let path = url.path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw JournalError.readFailed(path: path, reason: errnoText(errno)) }
        defer { closeDescriptor(fd) }

        var decoder = LineDecoder()
        let chunkSize = 4 << 20
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var carry: [UInt8] = []
        var failedReads = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { readDescriptor(fd, $0.baseAddress, chunkSize) }
            if n < 0 {
                if errno == EINTR && failedReads < 100 { failedReads += 1; continue }
                throw JournalError.readFailed(path: path, reason: errnoText(errno))
            }
            if n == 0 { break }
            buffer.withUnsafeBufferPointer { chunk in
                let bytes = UnsafeBufferPointer(rebasing: chunk[0..<n])
                var lineStart = 0
                while let newline = firstNewline(in: bytes, from: lineStart) {
                    if carry.isEmpty {
                        decoder.feed(UnsafeBufferPointer(rebasing: bytes[lineStart..<newline]))
                    } else {
                        carry.append(contentsOf: bytes[lineStart..<newline])
                        carry.withUnsafeBufferPointer { decoder.feed($0) }
                        carry.removeAll(keepingCapacity: true)
                    }
                    lineStart = newline + 1
                }
                carry.append(contentsOf: bytes[lineStart..<n])
            }
        }
        if !carry.isEmpty { carry.withUnsafeBufferPointer { decoder.feed($0) } }
        return decoder.finish()
    }

    /// Decodes journal text held in memory (same rules as `read(url:)`).
    public static func decode(_ data: Data) -> JournalContents {
        var decoder = LineDecoder()
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var lineStart = 0
            while let newline = firstNewline(in: bytes, from: lineStart) {
                decoder.feed(UnsafeBufferPointer(rebasing: bytes[lineStart..<newline]))
                lineStart = newline + 1
            }
            if lineStart < bytes.count { decoder.feed(UnsafeBufferPointer(rebasing: bytes[lineStart...])) }
        }
        return decoder.finish()
    }

    private static func firstNewline(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let hit = memchr(base + start, 0x0A, bytes.count - start) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }
}

/// Decodes lines one at a time and keeps the bookkeeping for torn and skipped lines.
private struct LineDecoder {
    private var events: [JournalEvent] = []
    private var skipped: [Int] = []
    private var pendingFailure: Int?
    private var lineNumber = 0
    private let json = JSONDecoder()

    mutating func feed(_ line: UnsafeBufferPointer<UInt8>) {
        lineNumber += 1
        guard !isBlank(line) else { return }
        if let event = ProbeLineParser.parse(line) ?? decodeGeneric(line) {
            if let failed = pendingFailure { skipped.append(failed); pendingFailure = nil }
            events.append(event)
        } else {
            if let failed = pendingFailure { skipped.append(failed) }
            pendingFailure = lineNumber
        }
    }

    func finish() -> JournalContents {
        JournalContents(events: events, tornTail: pendingFailure != nil, skippedLines: skipped)
    }

    private func decodeGeneric(_ line: UnsafeBufferPointer<UInt8>) -> JournalEvent? {
        try? json.decode(JournalEvent.self, from: Data(line))
    }

    private func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in line where byte != 0x20 && byte != 0x09 && byte != 0x0D { return false }
        return true
    }
}
