import Foundation

/// Reads the complete lines appended to a file since the last read: the one way gameday follows a growing journal
/// (the scheduler's ledger follower, the console's line broadcaster).
///
/// Each ``read(maxBytes:)`` opens the file by path, reads from where the last one stopped, and returns the complete
/// lines that arrived. A last line without its newline stays ``pending`` until the newline arrives (a write still in
/// progress). A file that became shorter than what was already read (truncated, or replaced by a shorter one) is read
/// again from its start, and the read says so (``Read/restarted``). With ``maxLineBytes`` set, a longer line is
/// skipped without being kept in memory.
public struct AppendedLines: Sendable {
    /// Bytes read from the file per system call.
    static let chunkBytes = 4 << 20

    /// What one read found.
    public struct Read: Sendable, Equatable {
        /// The complete lines that arrived, in file order, each with its newline (empty when none did).
        public var text: Data
        /// The file had shrunk: reading started over from its start, and `text` holds its lines from the first.
        public var restarted: Bool
        /// The end of the file was reached (or it does not exist); false when `maxBytes` stopped the read first.
        public var reachedEnd: Bool

        /// Each complete line, without its newline.
        public var lines: [Data] {
            var lines: [Data] = []
            var start = text.startIndex
            while let newline = text[start...].firstIndex(of: 0x0A) {
                lines.append(text[start..<newline])
                start = text.index(after: newline)
            }
            return lines
        }
    }

    public let path: String
    /// Lines longer than this (without the newline) are skipped; nil keeps every line.
    public let maxLineBytes: Int?
    /// How far the file has been read.
    public private(set) var offset: UInt64 = 0
    /// The start of a line whose newline has not arrived yet.
    public private(set) var pending = Data()
    /// Whether the file existed at the last read.
    public private(set) var exists = false
    /// The pending line is longer than `maxLineBytes`: its bytes are dropped, and so is the line when it ends.
    private var skippingLongLine = false

    public init(path: String, maxLineBytes: Int? = nil) {
        self.path = path
        self.maxLineBytes = maxLineBytes
    }

    /// Reads what was appended since the last read, at most `maxBytes` of it (bounded work per call).
    public mutating func read(maxBytes: Int = .max) -> Read {
        var result = Read(text: Data(), restarted: false, reachedEnd: true)
        guard let handle = FileHandle(forReadingAtPath: path) else { exists = false; return result }
        exists = true
        defer { try? handle.close() }
        do {
            let size = try handle.seekToEnd()
            if size < offset {
                restart()
                result.restarted = true
            }
            try handle.seek(toOffset: offset)
        } catch {
            return result
        }
        var budget = max(maxBytes, 1)
        while budget > 0 {
            guard let chunk = try? handle.read(upToCount: min(Self.chunkBytes, budget)), !chunk.isEmpty else { return result }
            offset += UInt64(chunk.count)
            budget -= chunk.count
            consume(chunk, into: &result.text)
        }
        result.reachedEnd = false
        return result
    }

    /// Hands over the pending partial line (and forgets it): what is left once the writer is gone.
    public mutating func takePending() -> Data {
        defer { pending = Data(); skippingLongLine = false }
        return pending
    }

    private mutating func consume(_ chunk: Data, into text: inout Data) {
        guard let limit = maxLineBytes else {
            // Every line is kept: hand over everything up to the last newline in one piece.
            guard let last = chunk.lastIndex(of: 0x0A) else { pending.append(chunk); return }
            text.append(pending)
            text.append(chunk[chunk.startIndex...last])
            pending = Data(chunk[chunk.index(after: last)...])
            return
        }
        var start = chunk.startIndex
        while let newline = chunk[start...].firstIndex(of: 0x0A) {
            let piece = chunk[start..<newline]
            if !skippingLongLine && pending.count + piece.count <= limit {
                text.append(pending)
                text.append(chunk[start...newline])
            }
            pending.removeAll(keepingCapacity: true)
            skippingLongLine = false
            start = chunk.index(after: newline)
        }
        let rest = chunk[start...]
        if skippingLongLine || pending.count + rest.count > limit {
            skippingLongLine = true
            pending.removeAll(keepingCapacity: true)
        } else {
            pending.append(rest)
        }
    }

    private mutating func restart() {
        offset = 0
        pending = Data()
        skippingLongLine = false
    }
}
