import Foundation
import GameDayCore
import GameDayFaults
import GameDayEngine
import GameDayInjectors
import Testing

@Suite struct RemoteFaultNamesTests {
    /// Two runs whose ids differ only past the truncation limit, or two targets whose names differ only in
    /// punctuation, still get different lease (systemd unit / pid file) names.
    @Test func leaseNamesDoNotCollide() {
        let long = String(repeating: "checkout-node-loss-", count: 4)
        let a = RemoteFaultNames.lease(runID: "20261124-010000-" + long + "a", stepIndex: 0, stepName: "cut", target: "web-1")
        let b = RemoteFaultNames.lease(runID: "20261124-010000-" + long + "b", stepIndex: 0, stepName: "cut", target: "web-1")
        #expect(a != b)
        let dotted = RemoteFaultNames.lease(runID: "r", stepIndex: 0, stepName: "cut", target: "web.1")
        let dashed = RemoteFaultNames.lease(runID: "r", stepIndex: 0, stepName: "cut", target: "web-1")
        #expect(dotted != dashed)
        let stepA = RemoteFaultNames.lease(runID: "r", stepIndex: 0, stepName: "cut zone", target: "h")
        let stepB = RemoteFaultNames.lease(runID: "r", stepIndex: 0, stepName: "cut-zone", target: "h")
        #expect(stepA != stepB)
        // Still readable, still a valid unit name, and stable for the same run and fault.
        #expect(dashed.hasPrefix("gameday-r-0-cut-web-1-"))
        #expect(dashed == RemoteFaultNames.lease(runID: "r", stepIndex: 0, stepName: "cut", target: "web-1"))
        #expect(a.count <= 200 && a.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
    }

    /// The lease cancel stops systemd units after `--`, so a unit name can never be read as an option.
    @Test func systemctlGetsDoubleDash() throws {
        let lease = Lease(name: "gameday-r-0-s-h1", seconds: 30, mode: .systemd)
        let commands = RemoteFaultCommands(summary: "x", inject: "true", revert: "true")
        let revert = try #require(LeaseCommands.revert(commands, lease: lease)?.last)
        #expect(revert.contains("systemctl stop -- gameday-r-0-s-h1.timer gameday-r-0-s-h1.service"))
    }

    /// Local node loss of a systemd unit passes the unit after `--` (a unit named like an option stays a unit).
    @Test func localSystemdUnitAfterDoubleDash() async throws {
        let target = Target(name: "here", process: ProcessSelector(systemdUnit: "-H.service"))
        let step = ScheduledStep(index: 0, name: "freeze", fault: .nodeLoss(NodeLossFault(signal: .STOP)), targets: [target],
                                 injectAt: .zero, revertAt: .seconds(10))
        let prepared = try await LocalNodeLossInjector().prepare(step: step, target: target, context: InjectionContext(runID: "r"))
        guard case .command(let revert) = prepared.recipe else { Issue.record("expected a command recipe"); return }
        #expect(revert.argv == ["systemctl", "kill", "--signal=SIGCONT", "--", "-H.service"])
    }
}
