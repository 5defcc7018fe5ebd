import Foundation
import GameDayCore
import GameDayFaults
import Testing

/// Journals written before fault kinds were descriptors stored `Fault` as a Swift enum; they must still load.
@Suite struct LegacyFaultCodingTests {
    /// The old enum shapes decode to the kind with the plan's name, typed with the registry and raw without it.
    @Test(arguments: [
        (#"{"nodeLoss":{"_0":{"signal":"STOP"}}}"#, "node-loss", "node-loss"),
        (#"{"command":{"_0":{"inject":["true"],"timeout":30000}}}"#, "command", "command"),
        (#"{"network":{"_0":{"kind":"packetLoss","direction":"both","action":"drop","cidrs":[],"lossPercent":30}}}"#, "packet-loss", "packet-loss"),
        (#"{"proxy":{"_0":{"type":"httpError","stream":"downstream","toxicity":1,"attributes":{"status_code":503}}}}"#, "http-error", "proxy.http-error"),
        (#"{"zoneLoss":{"_0":{"tag":"zone","value":"b","mode":"isolate","signal":"KILL"}}}"#, "zone-loss", "zone-loss"),
        (#"{"random":{"_0":{"choices":[{"fault":{"stress":{"_0":{"cpuWorkers":1}}},"weight":1}]}}}"#, "random", "random"),
    ])
    func oldShapesLoad(json: String, name: String, kind: String) throws {
        let raw = try JSONDecoder().decode(Fault.self, from: Data(json.utf8))
        #expect(raw.kindName == name)
        let typed = try FaultRegistry.standard.jsonDecoder().decode(Fault.self, from: Data(json.utf8))
        #expect(typed.kindName == name)
        #expect(typed.kind == kind)
    }

    /// Where the old payload has the options' shape, they come back typed (a STOP stays a STOP).
    @Test func oldOptionsComeBackTyped() throws {
        let json = #"{"nodeLoss":{"_0":{"signal":"STOP"}}}"#
        let fault = try FaultRegistry.standard.jsonDecoder().decode(Fault.self, from: Data(json.utf8))
        #expect(fault.options(as: NodeLoss.Options.self)?.signal == .STOP)
        #expect(fault == NodeLoss.fault(NodeLoss.Options(signal: .STOP)))
    }

    /// Something that is neither shape is refused with a message, not a crash.
    @Test func garbageIsRefused() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Fault.self, from: Data(#"{"a":1,"b":2}"#.utf8)) }
    }
}
