import Foundation
import GameDayCore
import GameDayFaults
import GameDayInjectors

/// `gameday preflight --rehearse`: on each host, a harmless marker fault is applied with a short lease through the
/// very scripts a real fault uses (`LeaseCommands`), the revert is withheld, and the marker is watched until the
/// lease removes it — proof that the dead man's switch (systemd timer or watchdog) survives the ssh session there.
///
/// Markers: an empty nftables table named like a run's tables where the host's steps use the firewall and nft is
/// there, else a marker file in the private lease directory. Nothing is left behind: a marker the lease did not remove
/// in time, and every marker when the rehearsal is interrupted, is removed by the normal revert (which also cancels
/// its lease).
public actor LeaseRehearsalRunner {
    struct Marker: Sendable {
        var host: Preflight.HostWork
        var kind: String
        var commands: RemoteFaultCommands
        var present: String
        var lease: Lease
    }

    let executorFor: @Sendable (Target) -> (any CommandExecutor)?
    let leaseSeconds: Int64
    let runID: String
    /// Markers applied at once (the watches, which only wait, all run together: a bound on them would start the
    /// last hosts' leases a whole lease later).
    public var maxConcurrent = 32
    private var applying = 0
    private var waitingToApply: [CheckedContinuation<Void, Never>] = []
    private var applied: [String: Marker] = [:]
    public private(set) var interruptedBy: String?

    public init(executorFor: @escaping @Sendable (Target) -> (any CommandExecutor)?, leaseSeconds: Int64, runID: String) {
        self.executorFor = executorFor; self.leaseSeconds = max(1, leaseSeconds); self.runID = runID
    }

    /// The marker for a host: a table when its steps use the firewall (and nft is the tool they would use).
    func marker(for host: Preflight.HostWork) -> Marker {
        let lease = Lease(name: RemoteFaultNames.lease(runID: runID, stepIndex: 0, stepName: "rehearsal", target: host.target.name),
                          seconds: leaseSeconds)
        let usesFirewall = host.requirements.contains { requirement, _ in
            if case .tool(let tools) = requirement.check { return tools.contains { $0.name == "nft" } }
            return false
        }
        if usesFirewall {
            let table = RemoteFaultNames.table(runID: runID, stepIndex: 0, stepName: "rehearsal")
            let present = "command -v nft >/dev/null 2>&1 && nft list table inet \(table) >/dev/null 2>&1"
            let commands = RemoteFaultCommands(
                summary: "rehearsal: empty nftables table \(table)",
                inject: "if command -v nft >/dev/null 2>&1; then nft add table inet \(table) && echo \"marker-at $(date +%s%N)\"; else exit \(RemoteExitCode.toolMissing); fi",
                revert: "if command -v nft >/dev/null 2>&1; then nft delete table inet \(table) 2>/dev/null || true; fi")
            return Marker(host: host, kind: "nftables table", commands: commands, present: present, lease: lease)
        }
        let file = "\"$(\n\(HostScript.stateDirectory)\necho \"$d\")\"/" + ShellQuote.quote("\(lease.name).marker")
        let commands = RemoteFaultCommands(summary: "rehearsal: marker file", inject: "touch -- \(file) && echo \"marker-at $(date +%s%N)\"", revert: "rm -f -- \(file)")
        return Marker(host: host, kind: "marker file", commands: commands, present: "[ -e \(file) ]", lease: lease)
    }

    /// Rehearses every host that gets host faults; returns one result per host, in the order given.
    public func run(hosts: [Preflight.HostWork], progress: @escaping @Sendable (String) -> Void) async -> [LeaseRehearsal] {
        let chosen = hosts.filter { !$0.requirements.isEmpty }
        let markers = chosen.map { marker(for: $0) }
        if !markers.isEmpty {
            progress("gameday: rehearsing \(markers.count) lease(s) of \(leaseSeconds) s; the revert is withheld, the lease must remove each marker")
        }
        let results = await SSHFanOut.run(markers, maxConcurrent: max(1, markers.count)) { marker in
            await self.rehearse(marker)
        }
        return results.enumerated().map { index, result in
            switch result {
            case .success(let rehearsal): return rehearsal
            case .failure(let error):
                return LeaseRehearsal(host: markers[index].host.target.name, marker: markers[index].kind, keeper: "?",
                                      leaseSeconds: leaseSeconds, firedAfter: nil, problem: "\(error)")
            }
        }
    }

    /// Stops every pending rehearsal and reverts what is applied (also cancelling the leases).
    public func interrupt(_ signal: String) async {
        guard interruptedBy == nil else { return }
        interruptedBy = signal
        for marker in applied.values { await removeMarker(marker) }
        applied.removeAll()
    }

    private func record(_ marker: Marker) { applied[marker.host.target.name] = marker }
    private func forget(_ marker: Marker) { applied[marker.host.target.name] = nil }

    func rehearse(_ marker: Marker) async -> LeaseRehearsal {
        let name = marker.host.target.name
        func failed(_ keeper: String, _ problem: String) -> LeaseRehearsal {
            LeaseRehearsal(host: name, marker: marker.kind, keeper: keeper, leaseSeconds: leaseSeconds, firedAfter: nil, problem: problem)
        }
        guard interruptedBy == nil else { return failed("?", "interrupted before it started") }
        guard let executor = executorFor(marker.host.target) else { return failed("?", "no executor for this target") }
        // Recorded before the apply, so an interrupt during it still removes the marker.
        record(marker)
        let apply: CommandResult
        await acquireApplySlot()
        do {
            defer { releaseApplySlot() }
            apply = try await executor.run(LeaseCommands.apply(marker.commands, lease: marker.lease, timeout: .seconds(20)), timeout: .seconds(20))
        } catch {
            await removeMarker(marker)
            forget(marker)
            return failed("?", "could not apply the marker: \(error)")
        }
        let applied = Date()
        let keeper = apply.stdout.split(separator: "\n").first { $0.hasPrefix("lease: ") }.map { String($0.dropFirst(7)) } ?? "?"
        guard apply.exitCode == 0 else {
            await removeMarker(marker)
            forget(marker)
            return failed(keeper, "could not apply the marker (exit \(apply.exitCode)): \(Preflight.oneLine(apply.stderr))")
        }
        // Watch on the host itself (one command per host, not a poll per round trip), by the host's clock: from
        // the moment the marker was made until it is seen gone, at most 4 s past the lease (the verdict allows 2 s).
        let madeAt = apply.stdout.split(separator: "\n").first { $0.hasPrefix("marker-at ") }.flatMap { Double($0.dropFirst(10)) }
        let watch = [
            "end=$(( $(date +%s) + \(leaseSeconds + 4) ))",
            "while \(marker.present); do",
            "if [ \"$(date +%s)\" -ge \"$end\" ]; then echo still-there; exit 0; fi",
            "sleep 0.05",
            "done",
            "echo \"gone-at $(date +%s%N)\"",
        ].joined(separator: "\n")
        var firedAfter: Double?
        if interruptedBy == nil,
           let watched = try? await executor.run(["sh", "-c", watch], timeout: .seconds(leaseSeconds + 15)),
           let line = watched.stdout.split(separator: "\n").first(where: { $0.hasPrefix("gone-at ") }),
           let goneAt = Double(line.dropFirst(8)) {
            firedAfter = madeAt.map { (goneAt - $0) / 1e9 } ?? Date().timeIntervalSince(applied)
        }
        if interruptedBy != nil { return failed(keeper, "interrupted; the marker was removed") }
        forget(marker)
        guard let firedAfter else {
            await removeMarker(marker)
            return failed(keeper, "the lease did not remove the marker within \(leaseSeconds + 4) s (removed now by the revert): leases do not work on this host")
        }
        // The lease reverted the marker and cleaned up after itself (its pid file, the lock): a revert now would
        // only repeat that. (The fleet tests check that nothing is left.)
        return LeaseRehearsal(host: name, marker: marker.kind, keeper: keeper, leaseSeconds: leaseSeconds, firedAfter: firedAfter)
    }

    /// Waits for one of `maxConcurrent` apply slots (a slot freed by `releaseApplySlot` passes straight to a waiter).
    private func acquireApplySlot() async {
        if applying < maxConcurrent {
            applying += 1
            return
        }
        await withCheckedContinuation { waitingToApply.append($0) }
    }

    private func releaseApplySlot() {
        if waitingToApply.isEmpty { applying -= 1 } else { waitingToApply.removeFirst().resume() }
    }

    /// The normal revert: removes the marker and cancels the lease; retried once.
    func removeMarker(_ marker: Marker) async {
        guard let executor = executorFor(marker.host.target),
              let argv = LeaseCommands.revert(marker.commands, lease: marker.lease, timeout: .seconds(20)) else { return }
        for _ in 0..<2 {
            if let result = try? await executor.run(argv, timeout: .seconds(20)), result.exitCode == 0 { return }
        }
    }
}
