import Foundation
import GameDayCore
import Testing
import GameDayTestSupport

/// A run with five overlapping faults on the controller's machine: three SIGSTOPped victims and two command faults
/// that create marker files (reverted by deleting them), one of them slow to apply (as an `iptables -w` waiting for
/// its lock is). Every fault is observable from the outside.
func overlappingPlan(victims: [Victim], markers: [String]) -> String {
    """
    version: 1
    name: crash-overlap
    environment: staging
    targets:
    \(victims.enumerated().map { "  - { name: v\($0.offset), address: 127.0.0.1, process: { pidFile: \"\($0.element.pidFile)\" } }" }.joined(separator: "\n"))
    health:
      - name: always-ok
        command: [/bin/true]
        interval: 200ms
    timeline: { baseline: 300ms, recovery: 300ms }
    steps:
      - { name: freeze-0, at: 0s, duration: 3s, fault: node-loss, targets: [v0], with: { signal: STOP } }
      - { name: mark-0, at: 200ms, duration: 2500ms, fault: command, with: { inject: [/usr/bin/touch, "\(markers[0])"], revert: [/bin/rm, -f, "\(markers[0])"] } }
      - { name: freeze-1, at: 500ms, duration: 2s, fault: node-loss, targets: [v1], with: { signal: STOP } }
      - { name: mark-1, at: 1s, duration: 1500ms, fault: command, with: { inject: [/bin/sh, -c, 'sleep 1; exec /usr/bin/touch "$0"', "\(markers[1])"], revert: [/bin/rm, -f, "\(markers[1])"] } }
      - { name: freeze-2, at: 1500ms, duration: 1500ms, fault: node-loss, targets: [v2], with: { signal: STOP } }

    """
}

@Suite(.serialized)
struct CrashSuiteTests {
    /// SIGKILL of the controller at 50 seeded random instants of a run with overlapping faults, each followed by
    /// `gameday recover`: no fault is ever left applied, and every journal ends closed with each applied fault reverted.
    @Test func sigkillAtRandomInstantsThenRecoverLeavesNothing() async throws {
        var generator = SeededGenerator(seed: 20_261_130)
        var killedMidFault = 0
        for iteration in 0..<50 {
            let instant = Int(generator.next() % 4_000)   // ms after spawn: startup, baseline, chaos, reverts, recovery
            let dir = try temporaryDirectory("crash-\(iteration)")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let victims = try (0..<3).map { try Victim(directory: dir, name: "v\($0)") }
            defer { victims.forEach { $0.stop() } }
            let markers = (0..<2).map { dir + "/marker-\($0)" }
            try overlappingPlan(victims: victims, markers: markers).write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)

            let run = try GameDayProcess(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input"])
            try await Task.sleep(for: .milliseconds(instant))
            let context = "iteration \(iteration), SIGKILL at \(instant) ms"
            if !run.process.isRunning {
                #expect(run.process.terminationStatus == 0, "\(context): the run ended by itself with \(run.process.terminationStatus): \(run.stderr)")
            } else {
                if victims.contains(where: { $0.state == "T" }) || markers.contains(where: { FileManager.default.fileExists(atPath: $0) }) {
                    killedMidFault += 1
                }
                kill(run.pid, SIGKILL)
            }
            await run.wait(timeout: .seconds(30))

            let recover = try await GameDayProcess.run(["recover", "--runs-dir", dir + "/runs"], timeout: .seconds(60))
            #expect(recover.status == 0, "\(context): recover exit \(recover.status): \(recover.stderr)")
            // An inject the dead controller left running (begun, never ended) would finish within its own length
            // (1 s at most in this plan): look only after that, so a late fault cannot slip past the check.
            let injectInFlight = runDirectories(dir + "/runs").contains { runDir in
                let events = journalLines(runDir)
                let begun = Set(events.filter { $0["type"] as? String == "inject.begin" }.compactMap { $0["faultID"] as? String })
                let ended = Set(events.filter { $0["type"] as? String == "inject.end" }.compactMap { $0["faultID"] as? String })
                return !begun.subtracting(ended).isEmpty
            }
            if injectInFlight { try await Task.sleep(for: .milliseconds(1_500)) }
            for (index, victim) in victims.enumerated() {
                #expect(victim.state != nil && victim.state != "T", "\(context): victim v\(index) is left stopped (state \(victim.state.map(String.init) ?? "gone"))")
            }
            for marker in markers {
                #expect(!FileManager.default.fileExists(atPath: marker), "\(context): \(marker) is left behind")
            }
            // The journal tells the truth: closed, and every fault whose inject began was reverted successfully.
            for runDir in runDirectories(dir + "/runs") {
                let events = journalLines(runDir)
                guard !events.isEmpty else { continue }   // killed before the first event reached the disk
                #expect(events.last?["type"] as? String == "run.end", "\(context): \(runDir) has no run.end after recover")
                let begun = Set(events.filter { $0["type"] as? String == "inject.begin" }.compactMap { $0["faultID"] as? String })
                let reverted = Set(events.filter { $0["type"] as? String == "revert.end" && $0["ok"] as? Bool == true }.compactMap { $0["faultID"] as? String })
                #expect(begun.subtracting(reverted).isEmpty, "\(context): faults begun but never reverted: \(begun.subtracting(reverted).sorted())")
                let seqs = events.compactMap { $0["seq"] as? Int }
                #expect(seqs == Array(1...seqs.count), "\(context): sequence numbers have gaps")
            }
        }
        print("crash suite: \(killedMidFault) of 50 SIGKILLs landed while a fault was applied; nothing was left behind")
        // The instants must actually land mid-fault often enough for the test to mean something.
        #expect(killedMidFault >= 20, "only \(killedMidFault) of 50 kills landed while a fault was applied")
    }
}
