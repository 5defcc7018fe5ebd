import GameDayDemo
import Testing

@Suite struct SupervisorStateMachineTests {
    /// Every child is started at first, and none twice.
    @Test func startsEveryChildOnce() {
        var state = SupervisorStateMachine(childCount: 2, restartDelay: .seconds(3))
        #expect(state.shouldStart(0) && state.shouldStart(1))
        state.started(0, pid: 100)
        #expect(!state.shouldStart(0))
        #expect(state.pid(of: 0) == 100)
        #expect(state.restartCounts == [0, 0])
    }

    /// A child that exits, is killed or vanishes is restarted after the delay, and each restart is counted.
    @Test func restartsAfterExitOrKill() {
        var state = SupervisorStateMachine(childCount: 1, restartDelay: .seconds(3))
        state.started(0, pid: 100)
        #expect(state.statusChanged(0, pid: 100, status: .killed(signal: 9)) == .restart(after: .seconds(3)))
        #expect(state.children[0] == .awaitingRestart)
        #expect(state.shouldStart(0))
        state.started(0, pid: 101)
        #expect(state.restartCounts == [1])
        #expect(state.statusChanged(0, pid: 101, status: .exited(code: 0)) == .restart(after: .seconds(3)))
        state.started(0, pid: 102)
        #expect(state.statusChanged(0, pid: 102, status: .vanished) == .restart(after: .seconds(3)))
        #expect(state.restartCounts == [2])
    }

    /// A stopped (SIGSTOP) child is alive: it is marked suspended, never restarted, and resumes on continue.
    @Test func stoppedChildIsNotRestarted() {
        var state = SupervisorStateMachine(childCount: 1, restartDelay: .seconds(3))
        state.started(0, pid: 100)
        #expect(state.statusChanged(0, pid: 100, status: .stopped(signal: 19)) == .keepWaiting)
        #expect(state.children[0] == .running(pid: 100, suspended: true))
        #expect(!state.shouldStart(0))
        #expect(state.statusChanged(0, pid: 100, status: .continued) == .keepWaiting)
        #expect(state.children[0] == .running(pid: 100, suspended: false))
        #expect(state.restartCounts == [0])
    }

    /// A report about a pid that is not the child's current one changes nothing.
    @Test func stalePIDReportIsIgnored() {
        var state = SupervisorStateMachine(childCount: 1, restartDelay: .seconds(1))
        state.started(0, pid: 100)
        #expect(state.statusChanged(0, pid: 99, status: .exited(code: 1)) == .keepWaiting)
        #expect(state.pid(of: 0) == 100)
    }

    /// Stopping returns exactly the live pids (suspended ones too), and afterwards nothing is restarted.
    @Test func stoppingReturnsLivePIDsAndStopsRestarts() {
        var state = SupervisorStateMachine(childCount: 3, restartDelay: .seconds(1))
        state.started(0, pid: 100)
        state.started(1, pid: 101)
        state.started(2, pid: 102)
        _ = state.statusChanged(1, pid: 101, status: .stopped(signal: 19))
        _ = state.statusChanged(2, pid: 102, status: .killed(signal: 9))
        #expect(state.beginStopping() == [100, 101])
        #expect(state.isFinished(2))
        #expect(!state.shouldStart(2))
        #expect(state.statusChanged(0, pid: 100, status: .exited(code: 0)) == .stayDown)
        #expect(state.statusChanged(1, pid: 101, status: .killed(signal: 15)) == .stayDown)
        #expect(state.livePIDs.isEmpty)
        #expect((0..<3).allSatisfy { state.isFinished($0) })
    }

    /// A failed start is retried after the delay while supervising, and not at all while stopping.
    @Test func failedStartIsRetriedUnlessStopping() {
        var state = SupervisorStateMachine(childCount: 2, restartDelay: .milliseconds(500))
        #expect(state.startFailed(0) == .restart(after: .milliseconds(500)))
        #expect(state.shouldStart(0))
        _ = state.beginStopping()
        #expect(state.startFailed(1) == .stayDown)
        #expect(state.isFinished(1))
    }

    /// waitpid status words decode as the WIFEXITED/WIFSIGNALED/WIFSTOPPED/WIFCONTINUED macros would.
    @Test func decodesWaitStatus() {
        #expect(ChildStatus(waitStatus: 0x0000) == .exited(code: 0))
        #expect(ChildStatus(waitStatus: 0x0300) == .exited(code: 3))
        #expect(ChildStatus(waitStatus: 0x0009) == .killed(signal: 9))
        #expect(ChildStatus(waitStatus: 0x008b) == .killed(signal: 11))  // SIGSEGV with a core dump
        #expect(ChildStatus(waitStatus: 0x137f) == .stopped(signal: 19))
        #expect(ChildStatus(waitStatus: 0xffff) == .continued)
        #expect(ChildStatus.killed(signal: 9).description == "was killed by signal 9 (SIGKILL)")
    }
}
