import Foundation
import Testing
@testable import GameDayConsole

struct BlindViewTests {
    private let runStart = #"{"checks":[{"failuresToUnhealthy":2,"interval":500,"kind":{"http":{"_0":{"url":"http://10.0.0.12:8080/health"}}},"name":"storefront"}],"dryRun":false,"environment":"staging","guardrails":[],"hypothesis":[],"planFile":"/p/checkout-node-loss.yaml","planName":"checkout-node-loss","runID":"20261130-120000-checkout-node-loss","runbook":"../runbooks/replica-loss.md","schedule":{"baseline":5000,"recovery":10000,"seed":7,"planName":"checkout-node-loss","steps":[{"index":0,"name":"lose-web-2","injectAt":5000,"revertAt":65000,"targets":[{"name":"web-2"}]}]},"seq":1,"t":0,"type":"run.start","version":"1","wall":1000}"#

    /// run.start keeps check names and the countdown but loses the plan's name, steps, targets, addresses and runbook.
    @Test func runStartHidesThePlan() throws {
        let shown = try #require(BlindView.redact(runStart))
        for secret in ["checkout-node-loss", "lose-web-2", "web-2", "10.0.0.12", "replica-loss", "schedule"] {
            #expect(!shown.contains(secret), "'\(secret)' leaked: \(shown)")
        }
        #expect(shown.contains(#""name":"storefront""#))
        #expect(shown.contains(#""plannedDuration":75000"#))
        #expect(shown.contains(#""blind":true"#))
        #expect(shown.contains(#""seq":1"#))
    }

    /// Fault, phase and error events are withheld; health and probes pass unchanged.
    @Test func faultEventsAreWithheld() {
        for type in ["inject.begin", "inject.end", "revert.begin", "revert.end", "phase", "error"] {
            #expect(BlindView.redact(#"{"seq":2,"t":1,"type":"\#(type)","wall":1,"faultID":"0.web-2"}"#) == nil, "\(type)")
        }
        let probe = #"{"check":"storefront","ms":3.2,"ok":true,"seq":3,"t":2,"type":"probe","wall":2}"#
        #expect(BlindView.redact(probe) == probe)
    }

    /// Participants' marks and the facilitator's verdicts pass; the facilitator's and the terminal's notes do not.
    @Test func marks() {
        #expect(BlindView.redact(#"{"by":"Ana","kind":"diagnosis","role":"participant","seq":4,"t":3,"text":"web is down","type":"mark","wall":3}"#)?
            .contains("web is down") == true)
        #expect(BlindView.redact(#"{"by":"Fay","kind":"correct","ref":4,"role":"facilitator","seq":5,"t":4,"type":"mark","wall":4}"#)?
            .contains(#""ref":4"#) == true)
        #expect(BlindView.redact(#"{"by":"Fay","kind":"note","role":"facilitator","seq":6,"t":5,"text":"killed web-2","type":"mark","wall":5}"#) == nil)
        #expect(BlindView.redact(#"{"kind":"note","seq":7,"t":6,"text":"web-2 frozen","type":"mark","wall":6}"#) == nil)
    }

    /// run.end keeps its status but not the ids of faults still active.
    @Test func runEnd() throws {
        let shown = try #require(BlindView.redact(#"{"reason":"interrupted","seq":9,"status":"interrupted","stillActive":["0.web-2"],"t":9,"type":"run.end","wall":9}"#))
        #expect(shown.contains(#""status":"interrupted""#) && !shown.contains("web-2"))
    }
}
