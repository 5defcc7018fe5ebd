import GameDayCore
import GameDayFaults
import GameDayInjectors
import Testing

@Suite struct StressCommandsTests {
    /// stress-ng gets the workers, load, memory and a timeout at the lease deadline; the revert ends its group.
    @Test func buildsStressNg() throws {
        let commands = try Stress.commands(for: StressFault(cpuWorkers: 2, cpuLoadPercent: 80, memoryBytes: "256M"), name: "gameday-r-0-s-h1", seconds: 90)
        #expect(commands.inject.contains("setsid stress-ng --cpu 2 --cpu-load 80 --vm 1 --vm-bytes 256M --timeout 90s"))
        #expect(commands.inject.contains("stress-ng is not installed"))
        #expect(commands.revert?.contains("kill -s TERM -- -") == true)
    }

    /// Bad values are refused with a clear message.
    @Test func validates() {
        #expect(throws: FaultKindError.self) { try Stress.commands(for: StressFault(), name: "x", seconds: 1) }
        #expect(throws: FaultKindError.self) { try Stress.commands(for: StressFault(cpuWorkers: 1, cpuLoadPercent: 101), name: "x", seconds: 1) }
        #expect(throws: FaultKindError.self) { try Stress.commands(for: StressFault(memoryBytes: "1G; reboot"), name: "x", seconds: 1) }
    }
}
