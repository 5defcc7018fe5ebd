import Foundation
import GameDayConsole
import GameDayCore
import GameDayEngine
import Synchronization

/// The live status block of `gameday run` on a terminal: `TerminalStatus` drawn in the top lines of the screen,
/// which a scroll region (DECSTBM) keeps out of the log, so progress lines scroll below it. Only when both stdout
/// and stderr are terminals (and TERM is not `dumb`); pipes, files and CI get the plain lines as before.
///
/// Every redraw is one write to `Console.stderr`, so the closed-output handling is unchanged: the first failed
/// write stops all output and interrupts the run (exit 3), and nothing more is drawn. Redrawn on each recorded
/// event and twice a second for the countdown.
final class StatusBlock: Sendable {
    private struct State {
        var status: TerminalStatus
        /// The last event's T+ and when it was recorded: now = t + time since.
        var lastT: Int64 = 0
        var lastAt = ContinuousClock.now
        var rows = 0, cols = 0
        var stopped = false
    }

    private let state: Mutex<State>
    private let ticker = Mutex<Task<Void, Never>?>(nil)

    private init(blind: Bool, rows: Int, cols: Int) {
        state = Mutex(State(status: TerminalStatus(blind: blind), rows: rows, cols: cols))
    }

    /// Starts the block when the run's output is a terminal big enough for it; nil otherwise (plain lines).
    static func startIfTerminal(blind: Bool, quiet: Bool) -> StatusBlock? {
        guard !quiet, isatty(STDOUT_FILENO) == 1, isatty(STDERR_FILENO) == 1,
              ProcessInfo.processInfo.environment["TERM"].map({ $0 != "dumb" && !$0.isEmpty }) ?? false,
              let (rows, cols) = windowSize(), rows >= TerminalStatus.height + 4, cols >= 20 else { return nil }
        let block = StatusBlock(blind: blind, rows: rows, cols: cols)
        // Push what is on the screen into the scrollback, keep the top lines for the block, log below.
        let height = TerminalStatus.height
        Console.stderr.write(String(repeating: "\n", count: rows - 1) + "\u{1B}[\(height + 1);\(rows)r\u{1B}[\(height + 1);1H")
        block.draw()
        block.ticker.withLock { task in
            task = Task.detached { [weak block] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(500))
                    guard let block else { return }
                    block.draw()
                }
            }
        }
        return block
    }

    /// Takes a recorded event into account and redraws.
    func observe(_ event: JournalEvent) {
        state.withLock { state in
            state.status.apply(event.body)
            state.lastT = event.t
            state.lastAt = .now
        }
        draw()
    }

    /// Draws the last state and gives the whole screen back to the log (the block stays where it is, above).
    /// Idempotent; called before the run's closing lines.
    func stop() {
        ticker.withLock { $0?.cancel(); $0 = nil }
        state.withLock { state in
            guard !state.stopped else { return }
            Self.draw(&state)
            state.stopped = true
            // Save the cursor, drop the scroll region (which homes the cursor), restore it.
            Console.stderr.write("\u{1B}7\u{1B}[r\u{1B}8")
        }
    }

    /// Draws under the state's lock, so redraws from events and from the ticker reach the terminal in order.
    private func draw() {
        state.withLock { state in
            guard !state.stopped else { return }
            Self.draw(&state)
        }
    }

    private static func draw(_ state: inout State) {
        var out = ""
        if let (rows, cols) = windowSize(), rows != state.rows || cols != state.cols, rows >= TerminalStatus.height + 4 {
            // Resized: the scroll region follows the new height (setting it homes the cursor: back to the bottom).
            state.rows = rows
            state.cols = cols
            out += "\u{1B}[\(TerminalStatus.height + 1);\(rows)r\u{1B}[\(rows);1H"
        }
        let now = state.lastT + milliseconds(ContinuousClock.now - state.lastAt)
        let lines = state.status.lines(now: now, width: max(20, state.cols - 1), color: true)
        out += "\u{1B}7"
        for (i, line) in lines.enumerated() { out += "\u{1B}[\(i + 1);1H\u{1B}[2K" + line }
        Console.stderr.write(out + "\u{1B}8")
    }

    private static func milliseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }

    private static func windowSize() -> (rows: Int, cols: Int)? {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0, size.ws_col > 0 else { return nil }
        return (Int(size.ws_row), Int(size.ws_col))
    }
}
