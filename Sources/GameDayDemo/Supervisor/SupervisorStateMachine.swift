/// The supervisor's decisions for its children, free of processes and clocks, like systemd's `Restart=always`
/// with `RestartSec=`: a child that exits for any reason is started again after the restart delay, unless the
/// supervisor is stopping. A child that is merely stopped (SIGSTOP) has not exited: it keeps its pid and resumes
/// when continued, so it is never restarted.
public struct SupervisorStateMachine: Sendable, Equatable {
    /// Where one child is in its life, as the supervisor sees it.
    public enum ChildState: Sendable, Equatable {
        case notStarted
        case running(pid: Int32, suspended: Bool)
        case awaitingRestart
        /// Stopped for good because the supervisor is stopping.
        case finished
    }

    /// What the supervisor does next about one child.
    public enum Decision: Sendable, Equatable {
        /// Nothing: the child is alive (possibly suspended) or the report was stale.
        case keepWaiting
        /// Start the child again after this delay.
        case restart(after: Duration)
        /// Leave the child down: the supervisor is stopping.
        case stayDown
    }

    /// Whether the supervisor is supervising or shutting its children down.
    public enum Lifecycle: Sendable, Equatable {
        case supervising
        case stopping
    }

    public let restartDelay: Duration
    public private(set) var lifecycle: Lifecycle = .supervising
    public private(set) var children: [ChildState]
    /// How many times each child was started again after it exited.
    public private(set) var restartCounts: [Int]

    public init(childCount: Int, restartDelay: Duration) {
        self.restartDelay = restartDelay
        self.children = Array(repeating: .notStarted, count: childCount)
        self.restartCounts = Array(repeating: 0, count: childCount)
    }

    /// Whether child `index` should be started now (first start, or a restart whose delay has passed).
    public func shouldStart(_ index: Int) -> Bool {
        guard lifecycle == .supervising, children.indices.contains(index) else { return false }
        switch children[index] {
        case .notStarted, .awaitingRestart: return true
        case .running, .finished: return false
        }
    }

    /// Records that child `index` was started as `pid`.
    public mutating func started(_ index: Int, pid: Int32) {
        guard children.indices.contains(index) else { return }
        if children[index] == .awaitingRestart { restartCounts[index] += 1 }
        children[index] = .running(pid: pid, suspended: false)
    }

    /// Records that starting child `index` failed; it is tried again after the restart delay.
    public mutating func startFailed(_ index: Int) -> Decision {
        guard children.indices.contains(index) else { return .keepWaiting }
        guard lifecycle == .supervising else {
            children[index] = .finished
            return .stayDown
        }
        children[index] = .awaitingRestart
        return .restart(after: restartDelay)
    }

    /// Records a status change that `waitpid` reported for `pid`, the process of child `index`.
    public mutating func statusChanged(_ index: Int, pid: Int32, status: ChildStatus) -> Decision {
        guard children.indices.contains(index),
              case .running(let current, _) = children[index], current == pid else { return .keepWaiting }
        switch status {
        case .stopped:
            children[index] = .running(pid: pid, suspended: true)
            return .keepWaiting
        case .continued:
            children[index] = .running(pid: pid, suspended: false)
            return .keepWaiting
        case .exited, .killed, .vanished:
            switch lifecycle {
            case .supervising:
                children[index] = .awaitingRestart
                return .restart(after: restartDelay)
            case .stopping:
                children[index] = .finished
                return .stayDown
            }
        }
    }

    /// Starts shutting down: nothing is restarted any more. Returns the pids of the children still alive, which
    /// the caller continues and terminates; children waiting for a restart are simply not started again.
    public mutating func beginStopping() -> [Int32] {
        lifecycle = .stopping
        for index in children.indices where children[index] == .notStarted || children[index] == .awaitingRestart {
            children[index] = .finished
        }
        return livePIDs
    }

    /// Pids of children started and not yet reaped: the only pids the supervisor may signal.
    public var livePIDs: [Int32] {
        children.compactMap { if case .running(let pid, _) = $0 { pid } else { nil } }
    }

    /// The pid of child `index` if it is running.
    public func pid(of index: Int) -> Int32? {
        guard children.indices.contains(index), case .running(let pid, _) = children[index] else { return nil }
        return pid
    }

    /// True once child `index` will never run again.
    public func isFinished(_ index: Int) -> Bool {
        children.indices.contains(index) ? children[index] == .finished : true
    }
}

/// A status change of a child process, decoded from a `waitpid` status word.
public enum ChildStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(code: Int32)
    case killed(signal: Int32)
    case stopped(signal: Int32)
    case continued
    /// The process is gone but its status was collected elsewhere (e.g. SIGCHLD set to SIG_IGN by another part of
    /// the process): it is treated as an exit.
    case vanished

    /// Decodes a `waitpid` status word (the `WIFEXITED` family of macros, which Swift cannot import).
    public init(waitStatus status: Int32) {
        if status == 0xffff {
            self = .continued
        } else if status & 0xff == 0x7f {
            self = .stopped(signal: (status >> 8) & 0xff)
        } else if status & 0x7f == 0 {
            self = .exited(code: (status >> 8) & 0xff)
        } else {
            self = .killed(signal: status & 0x7f)
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exited with status \(code)"
        case .killed(let signal): return "was killed by signal \(signal)\(Self.name(signal))"
        case .stopped(let signal): return "was stopped by signal \(signal)\(Self.name(signal))"
        case .continued: return "was continued"
        case .vanished: return "is gone (its exit status was collected elsewhere)"
        }
    }

    private static func name(_ signal: Int32) -> String {
        let names: [Int32: String] = [1: "SIGHUP", 2: "SIGINT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV",
                                      15: "SIGTERM", 19: "SIGSTOP", 20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU"]
        return names[signal].map { " (\($0))" } ?? ""
    }
}
