import Foundation
import GameDayCore
import GameDayFaults
import GameDayInjectors
import Testing

@Suite struct RemoteNodeLossCommandsTests {
    /// STOP is undone with CONT; KILL by pid file has nothing to revert (the supervisor restarts the service).
    @Test func revertsBySignal() throws {
        let stop = try RemoteNodeLossCommands.commands(selector: ProcessSelector(pidFile: "/run/web.pid"), signal: .STOP, target: "web-1")
        #expect(stop.inject.contains("kill -s STOP \"$pid\""))
        #expect(stop.revert?.contains("kill -s CONT \"$pid\"") == true)
        let kill = try RemoteNodeLossCommands.commands(selector: ProcessSelector(pidFile: "/run/web.pid"), signal: .KILL, target: "web-1")
        #expect(kill.revert == nil)
        #expect(kill.nothingToRevertReason?.contains("supervisor") == true)
    }

    /// systemd units are killed with systemctl and started again on revert.
    @Test func systemdUnit() throws {
        let commands = try RemoteNodeLossCommands.commands(selector: ProcessSelector(systemdUnit: "web.service"), signal: .KILL, target: "web-1")
        #expect(commands.inject.contains("systemctl kill --signal=KILL -- web.service"))
        #expect(commands.revert == "systemctl start -- web.service")
        #expect(throws: FaultKindError.self) {
            try RemoteNodeLossCommands.commands(selector: ProcessSelector(systemdUnit: "web; reboot"), signal: .KILL, target: "w")
        }
    }

    /// The pattern never appears verbatim in the script (so `pgrep -f` cannot match the script itself) and
    /// decodes back to exactly the pattern in a real shell.
    @Test func patternTravelsEncoded() async throws {
        let pattern = "python3 -m http.server 8080 --bind 10.0.0.1 'x' $(id)"
        let commands = try RemoteNodeLossCommands.commands(selector: ProcessSelector(pattern: pattern), signal: .STOP, target: "w")
        #expect(!commands.inject.contains("http.server"))
        let decode = try #require(commands.inject.split(separator: "\n").first { $0.hasPrefix("pat=") })
        let outcome = try await RemoteProcess.run(["sh", "-c", "\(decode); printf '%s' \"$pat\""], timeout: .seconds(10))
        #expect(outcome.result.stdout == pattern)
        #expect(try await RemoteProcess.run(["sh", "-n", "-c", commands.inject], timeout: .seconds(10)).result.exitCode == 0)
    }

    /// Without a process selector node-loss says what to add.
    @Test func needsASelector() {
        #expect(throws: FaultKindError.self) { try RemoteNodeLossCommands.commands(selector: nil, signal: .KILL, target: "web-1") }
    }
}
