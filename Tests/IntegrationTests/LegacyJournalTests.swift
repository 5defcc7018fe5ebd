import Foundation
import Testing
import GameDayTestSupport

/// Journals written before fault kinds were descriptors (gameday at f4509b7) still load: `report` renders them and
/// `recover` reverts what they left open. The journal below is verbatim from that version's `gameday run`, SIGKILLed
/// during its step (the command fault applied, never reverted).
@Suite struct LegacyJournalTests {
    static let plan = #"""
version: 1
name: legacy-journal
environment: staging
targets:
  - { name: here, tags: { role: web }, process: { pidFile: /nonexistent/gameday-legacy.pid } }
health:
  - name: local
    command: ["true"]
    interval: 1s
timeline: { baseline: 1s, recovery: 1s }
steps:
  - name: touch-flag
    at: 0s
    duration: 60s
    fault: command
    with: { inject: ["true"], revert: ["true"] }
"""#

    static let journal = [
        #"{"checks":[{"failuresToUnhealthy":3,"interval":1000,"kind":{"command":{"argv":["true"]}},"name":"local","successesToHealthy":2,"timeout":2000}],"dryRun":false,"environment":"staging","guardrails":[],"hypothesis":[],"planFile":"/tmp/oldj/p.yaml","planName":"legacy-journal","runID":"20261130-123824-legacy-journal","schedule":{"baseline":1000,"planName":"legacy-journal","recovery":1000,"seed":67564,"steps":[{"fault":{"command":{"_0":{"inject":["true"],"revert":["true"],"timeout":30000}}},"index":0,"injectAt":1000,"name":"touch-flag","preview":[{"inject":["true","(under the fault's flock, shared with its revert; stopped there after 28s by timeout -k 1)"],"revert":["true","(waits for the fault's flock: never overlaps a still-running inject)"],"target":"controller"}],"revertAt":61000,"targets":[]}]},"seq":1,"t":2,"type":"run.start","version":"0.1.0","wall":1796042304940}"#,
        #"{"phase":"baseline","seq":2,"t":14,"type":"phase","wall":1796042304952}"#,
        #"{"check":"local","ms":1.578929,"ok":true,"seq":3,"t":14,"type":"probe","wall":1796042304952}"#,
        #"{"phase":"chaos","seq":4,"t":1000,"type":"phase","wall":1796042305938}"#,
        #"{"description":"run true (local)","fault":"command","faultID":"0.controller","recipe":{"command":{"_0":{"argv":["sh","-c","d=$(u=$(id -u)\nif [ \"$u\" = 0 ]; then d=/run/gameday\nelif [ -n \"${XDG_RUNTIME_DIR:-}\" ] && [ -d \"$XDG_RUNTIME_DIR\" ] && [ ! -L \"$XDG_RUNTIME_DIR\" ] && [ \"$(ls -ldn \"$XDG_RUNTIME_DIR\" | awk '{print $3}')\" = \"$u\" ]; then d=$XDG_RUNTIME_DIR/gameday\nelse d=/tmp/gameday-$u; fi\nmkdir -m 700 \"$d\" 2>/dev/null\nm=$(ls -ldn \"$d\" 2>/dev/null | awk '{print $1, $3}')\ncase \"$m\" in\n\"drwx------ $u\"|\"drwx------. $u\") ;;\nd????[!w]??[!w]?\" $u\"|d????[!w]??[!w]?\". $u\") chmod 700 \"$d\" || exit 70 ;;\n*) echo \"gameday: refusing the lease directory $d (${m:-missing}): it must be a directory, not a symlink, owned by uid $u and writable by no one else; remove it (or chmod 700 it if it is yours) and retry\" >&2; exit 70 ;;\nesac\necho \"$d\") || d=\nl=\"$d\"/gameday-20261130-123824-legacy-journal-0-touch-flag-controller-685b05b0.lock\nif [ -n \"$d\" ] && command -v timeout >/dev/null 2>&1 && command -v flock >/dev/null 2>&1; then\ntimeout -k 1 28 flock -o -w 28 -E 75 \"$l\" \"$@\"; rc=$?\n[ \"$rc\" -ne 0 ] || rm -f \"$l\"\nexit \"$rc\"\nfi\nexec \"$@\"","gameday-command-revert","true"],"executor":{"local":{}},"timeout":30000}}},"seq":5,"step":"touch-flag","stepIndex":0,"t":1001,"target":"controller","type":"inject.begin","wall":1796042305939}"#,
        #"{"check":"local","ms":0.977794,"ok":true,"seq":6,"t":1015,"type":"probe","wall":1796042305953}"#,
        #"{"check":"local","from":"unknown","reason":"2 consecutive successful probes","seq":7,"t":1015,"to":"healthy","type":"health","wall":1796042305953}"#,
        #"{"detail":"true exited 0","faultID":"0.controller","ok":true,"seq":8,"t":1037,"type":"inject.end","wall":1796042305975}"#,
        #"{"check":"local","ms":2.312306,"ok":true,"seq":9,"t":2016,"type":"probe","wall":1796042306954}"#,
        #"{"check":"local","ms":1.002505,"ok":true,"seq":10,"t":3015,"type":"probe","wall":1796042307953}"#,
    ].joined(separator: "\n") + "\n"

    /// `gameday report` renders the old journal, and `gameday recover` reverts its open fault and journals it.
    @Test func oldJournalIsReportedAndRecovered() async throws {
        let runs = try temporaryDirectory("legacy-journal")
        defer { try? FileManager.default.removeItem(atPath: runs) }
        let run = runs + "/20261130-123824-legacy-journal"
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        try Self.plan.write(toFile: run + "/plan.yaml", atomically: true, encoding: .utf8)
        try Self.journal.write(toFile: run + "/journal.jsonl", atomically: true, encoding: .utf8)

        let report = try GameDayProcess(["report", run, "--stdout"])
        #expect(await report.wait() == 0, "\(report.stderr)")
        #expect(report.stdout.contains("touch-flag"))
        #expect(report.stdout.contains("command"))

        let recover = try GameDayProcess(["recover", "--runs-dir", runs])
        #expect(await recover.wait() == 0, "\(recover.stderr)")
        let journal = try String(contentsOfFile: run + "/journal.jsonl", encoding: .utf8)
        #expect(journal.contains("\"type\":\"revert.end\""))
        #expect(journal.contains("\"faultID\":\"0.controller\""))
    }
}
