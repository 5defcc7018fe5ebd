import GameDayCore

/// Stamps events with a sequence number and the clock's times, and hands them to a writer.
///
/// Fault events, phase changes, guardrails, signals, marks, errors and the run's start and end are written with
/// `sync: true` (made durable before `record` returns: write-ahead); probe samples and health transitions are not,
/// because a million fsyncs would cost more than they protect; nor are alerts (a storm of them must not stall the run).
public actor SequencedRecorder: EventRecorder {
    public typealias Write = @Sendable (JournalEvent, _ sync: Bool) throws -> Void
    private let clock: any RunClock
    private let write: Write
    private var seq: Int

    public init(clock: any RunClock, startingAfter seq: Int = 0, write: @escaping Write) {
        self.clock = clock; self.write = write; self.seq = seq
    }

    @discardableResult
    public func record(_ body: EventBody) throws -> JournalEvent {
        seq += 1
        let event = JournalEvent(seq: seq, t: clock.now().milliseconds, wall: clock.wallMillis(), body: body)
        try write(event, Self.needsSync(body))
        return event
    }

    public static func needsSync(_ body: EventBody) -> Bool {
        switch body {
        case .probe, .health, .alert: return false
        default: return true
        }
    }
}
