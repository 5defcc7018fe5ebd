import Foundation
import GameDayCore
import GameDayFaults
import GameDayInjectors

/// The exact actions each step will take, per target, for `gameday plan` (invariant 3: plan shows what run does):
/// rendered from the action the step's fault kind gives, the same value the injector executes.
enum StepPreview {
    static func fill(_ schedule: Schedule) -> Schedule {
        var schedule = schedule
        for index in schedule.steps.indices {
            let step = schedule.steps[index]
            let targets: [Target?] = step.targets.isEmpty ? [nil] : step.targets.map { Optional($0) }
            schedule.steps[index].preview = targets.compactMap { preview(step, $0, runID: "<run>") }
        }
        return schedule
    }

    static func preview(_ step: ScheduledStep, _ target: Target?, runID: String) -> CommandPreview? {
        let name = target?.name ?? "controller"
        let executor = ExecutorRef(target: target)
        let context = ActionContext(step: step, target: target, runID: runID)
        guard let action = try? FaultRegistry.standard.action(for: step.fault, context) else { return nil }
        switch action {
        case .host(let commands):
            guard let target else { return nil }
            return RemoteFaultInjector.plan(commands: commands, target: target, context: context).preview
        case .signal(let signal):
            let sig = signal.signal
            if let unit = signal.process.systemdUnit {
                return CommandPreview(target: name, inject: [executor.wrap("systemctl kill --signal=SIG\(sig) \(ShellQuote.quote(unit))")],
                                      revert: [signal.revertSignal.map { executor.wrap("systemctl kill --signal=SIG\($0) \(ShellQuote.quote(unit))") } ?? "nothing: recovery is left to systemd (measured)"])
            }
            let process = signal.process
            let which = process.pidFile.map { "the pid in \($0)" } ?? "processes matching \(process.pattern.map { ShellQuote.quote($0) } ?? "")"
            let inject = executor == .local ? "kill -\(sig) \(which)" : executor.wrap("kill -\(sig) \(which)")
            let revert = signal.revertSignal.map { "kill -\($0) the same pid(s), if they still exist" } ?? "nothing: recovery is left to the supervisor (measured)"
            return CommandPreview(target: name, inject: [inject], revert: [revert])
        case .command(let fault):
            guard let revert = fault.revert else {
                return CommandPreview(target: name, inject: [executor.wrap(ShellQuote.join(fault.inject))], revert: ["nothing (no revert command given)"])
            }
            // As CommandInjector runs them: under the fault's lock, the inject bounded where it runs.
            let bound = HostBound(commandTimeout: fault.timeout)
            return CommandPreview(target: name,
                                  inject: [executor.wrap(ShellQuote.join(fault.inject)),
                                           "(under the fault's flock, shared with its revert; stopped there after \(bound.seconds)s by timeout -k \(bound.killAfter))"],
                                  revert: [executor.wrap(ShellQuote.join(revert)), "(waits for the fault's flock: never overlaps a still-running inject)"])
        case .proxy(let change):
            guard let proxy = step.proxy else { return nil }
            let api = proxy.api ?? "<in-process proxy API>"
            let toxicName = ProxyInjector.toxicName(runID: runID, stepIndex: step.index)
            guard case .addToxic(let type, let stream, let toxicity, let attributes) = change.change else {
                return CommandPreview(target: proxy.name, inject: ["POST \(api)/proxies/\(proxy.name) {\"enabled\":false}"],
                                      revert: ["POST \(api)/proxies/\(proxy.name) {\"enabled\":true}"])
            }
            let text = attributes.keys.sorted().map { "\($0)=\(attributes[$0]!.plainText)" }.joined(separator: " ")
            return CommandPreview(target: proxy.name,
                                  inject: ["POST \(api)/proxies/\(proxy.name)/toxics \(type) \(stream) toxicity=\(toxicity) \(text)"],
                                  revert: ["DELETE \(api)/proxies/\(proxy.name)/toxics/\(toxicName)"])
        }
    }
}
