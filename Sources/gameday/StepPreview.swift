import Foundation
import GameDayCore
import GameDayInjectors

/// The exact actions each step will take, per target, for `gameday plan` (invariant 3: plan shows what run does).
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
        switch step.fault {
        case .nodeLoss(let fault):
            guard let process = target?.process else { return nil }
            if let target, case .ssh = target.access { return HostFaultPreview.preview(step: step, target: target, runID: runID) }
            let sig = fault.signal.rawValue
            if let unit = process.systemdUnit {
                return CommandPreview(target: name, inject: [executor.wrap("systemctl kill --signal=SIG\(sig) \(ShellQuote.quote(unit))")],
                                      revert: [fault.signal == .STOP ? executor.wrap("systemctl kill --signal=SIGCONT \(ShellQuote.quote(unit))") : "nothing: recovery is left to systemd (measured)"])
            }
            let which = process.pidFile.map { "the pid in \($0)" } ?? "processes matching \(process.pattern.map { ShellQuote.quote($0) } ?? "")"
            let inject = executor == .local ? "kill -\(sig) \(which)" : executor.wrap("kill -\(sig) \(which)")
            let revert = fault.signal == .STOP ? "kill -CONT the same pid(s), if they still exist" : "nothing: recovery is left to the supervisor (measured)"
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
        case .proxy(let fault):
            guard let proxy = step.proxy else { return nil }
            let api = proxy.api ?? "<in-process proxy API>"
            let toxicName = "gameday-\(runID)-\(step.index)"
            if fault.type == .down {
                return CommandPreview(target: proxy.name, inject: ["POST \(api)/proxies/\(proxy.name) {\"enabled\":false}"],
                                      revert: ["POST \(api)/proxies/\(proxy.name) {\"enabled\":true}"])
            }
            let attributes = fault.attributes.keys.sorted().map { "\($0)=\(fault.attributes[$0]!.plainText)" }.joined(separator: " ")
            return CommandPreview(target: proxy.name,
                                  inject: ["POST \(api)/proxies/\(proxy.name)/toxics \(fault.type.toxicType ?? "") \(fault.stream.rawValue) toxicity=\(fault.toxicity) \(attributes)"],
                                  revert: ["DELETE \(api)/proxies/\(proxy.name)/toxics/\(toxicName)"])
        case .network, .zoneLoss, .stress:
            guard let target else { return nil }
            return HostFaultPreview.preview(step: step, target: target, runID: runID)
        case .random:
            return nil
        }
    }
}
