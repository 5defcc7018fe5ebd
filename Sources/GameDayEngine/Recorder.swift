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

/// Passes each event to `inner` (the journal) and, once it is recorded, to `observe`. Every view of a run that reacts
/// to events — the metrics endpoint, the terminal's status block, the alert collector waiting for `run.start` — is
/// one of these, so none of them can see an event the journal does not hold (invariant 4). An event the journal
/// refused (`inner` threw) is not observed.
public struct ObservedRecorder: EventRecorder {
    public typealias Observer = @Sendable (JournalEvent) async -> Void
    let inner: any EventRecorder
    let observe: Observer

    public init(_ inner: any EventRecorder, observe: @escaping Observer) {
        self.inner = inner
        self.observe = observe
    }

    @discardableResult
    public func record(_ body: EventBody) async throws -> JournalEvent {
        let event = try await inner.record(body)
        await observe(event)
        return event
    }
}
