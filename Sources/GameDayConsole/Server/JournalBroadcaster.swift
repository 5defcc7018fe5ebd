import Foundation
import GameDayJournal

/// Follows one run's journal file as it grows and hands every complete line, from the first, to each subscriber.
///
/// The console is a view of the journal: the run writes it (write-ahead, fsync'd), this reads it back, so the page
/// can never show what the journal does not hold, and a viewer who joins late (or reloads) gets the whole run so far.
/// One follower per console reads the file; subscribers share its lines. Between polls it also sends the server's
/// wall clock, which keeps the page's countdown honest and lets a dead connection be noticed within a second.
public actor JournalBroadcaster {
    /// One journal line (a JSON object, no newline) and its `seq` (nil if the line has none).
    public struct Line: Sendable, Equatable {
        public var text: String
        public var seq: Int?
        public init(_ text: String, seq: Int?) { self.text = text; self.seq = seq }
    }

    /// What a subscriber receives.
    public enum Item: Sendable, Equatable {
        /// Journal lines: the snapshot when subscribing, then what each poll read (one item per poll, so a viewer
        /// gets one write per poll however busy the run is), with their server-sent-event text framed once for all
        /// viewers. Made with ``lines(_:)``.
        case batch([Line], sse: String)
        /// The server's wall clock (Unix milliseconds).
        case clock(Int64)

        /// A batch of lines with its event-stream text: one event per line, its `seq` as the event id.
        public static func lines(_ lines: [Line]) -> Item {
            var sse = ""
            for line in lines { sse += (line.seq.map { "id: \($0)\n" } ?? "") + "event: journal\ndata: \(line.text)\n\n" }
            return .batch(lines, sse: sse)
        }
    }

    /// Largest line kept (a longer one is a damaged journal; it is skipped, like the journal reader does).
    static let maxLineBytes = 1 << 20

    private var file: AppendedLines?
    private var lines: [Line] = []
    private var subscribers: [Int: AsyncStream<Item>.Continuation] = [:]
    private var nextID = 0
    private var finished = false

    public init() {}

    /// Starts following `journal` (set once the run directory exists; until then subscribers just wait).
    public func follow(_ journal: URL) {
        guard file == nil else { return }
        file = AppendedLines(path: journal.path, maxLineBytes: Self.maxLineBytes)
    }

    /// Every line so far (the snapshot a new subscriber starts from).
    public var snapshot: [String] { lines.map(\.text) }

    /// The number of connected subscribers.
    public var subscriberCount: Int { subscribers.count }

    /// A stream of every line so far, then each new one as it is read, with clock ticks between; it ends when the
    /// follower finishes or the subscriber stops listening. `after`: skip lines whose `seq` is at most this
    /// (an `EventSource` reconnecting with `Last-Event-ID`).
    public func subscribe(after: Int? = nil) -> AsyncStream<Item> {
        let (stream, continuation) = AsyncStream<Item>.makeStream(bufferingPolicy: .bufferingOldest(200_000))
        let skip = after ?? 0
        let snapshot = lines.filter { ($0.seq ?? Int.max) > skip }
        if !snapshot.isEmpty { continuation.yield(.lines(snapshot)) }
        continuation.yield(.clock(Self.now()))
        guard !finished else {
            continuation.finish()
            return stream
        }
        let id = nextID
        nextID += 1
        subscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    private func unsubscribe(_ id: Int) {
        subscribers[id] = nil
    }

    /// Reads what was appended since the last poll and hands out the new complete lines. Returns how many.
    @discardableResult
    public func poll() -> Int {
        guard var file = self.file else { return 0 }
        let read = file.read()
        self.file = file
        // A journal is only appended to; one that shrank was replaced: what the page holds is the new file's.
        if read.restarted { lines.removeAll() }
        let fresh = read.lines.compactMap { bytes -> Line? in
            guard !bytes.isEmpty else { return nil }
            let text = String(decoding: bytes, as: UTF8.self)
            return Line(text, seq: Self.seq(of: text))
        }
        lines += fresh
        if !fresh.isEmpty {
            for continuation in subscribers.values { continuation.yield(.lines(fresh)) }
        }
        return fresh.count
    }

    /// Sends the clock to every subscriber.
    public func tick() {
        let now = Self.now()
        for continuation in subscribers.values { continuation.yield(.clock(now)) }
    }

    /// Reads what is left and ends every subscriber's stream (their responses complete). Idempotent.
    public func finish() {
        guard !finished else { return }
        poll()
        finished = true
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }

    /// Polls every `interval` and ticks the clock about once a second until `finish()` or cancellation.
    public func run(interval: Duration = .milliseconds(100)) async {
        var sinceTick = Duration.zero
        while !finished && !Task.isCancelled {
            poll()
            sinceTick += interval
            if sinceTick >= .seconds(1) {
                tick()
                sinceTick = .zero
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// The line's top-level `seq` (the journal's keys are sorted, so it is not at the start).
    static func seq(of line: String) -> Int? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
        return (object["seq"] as? NSNumber)?.intValue
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
