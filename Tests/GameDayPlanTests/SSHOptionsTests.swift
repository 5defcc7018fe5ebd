import Foundation
import GameDayCore
import GameDayTestSupport
import Testing
@testable import GameDayPlan

/// A plan whose one ssh target has the given `options` list (YAML flow items) and extra ssh keys.
func sshPlan(options: String, extra: String = "") -> String {
    """
    version: 1
    name: ssh-options
    targets:
      - name: web-1
        address: 127.0.0.1
        access:
          ssh:
            user: gameday
            options: [\(options)]\(extra)
    steps: []

    """
}

struct SSHOptionsTests {
    /// ssh options that run a local command are refused in every spelling, at the option's own position.
    @Test(arguments: ["\"ProxyCommand=nc %h %p\"", "\"proxycommand nc %h %p\"", "\"LocalCommand=touch /tmp/x\"",
                      "\"PermitLocalCommand=yes\"", "\"KnownHostsCommand /bin/true %H\"", "\"-oProxyCommand=nc %h %p\"",
                      "\"-o ProxyCommand=nc %h %p\"", "\"  PROXYCOMMAND\tnc %h %p\"", "'\"ProxyCommand\" nc %h %p'",
                      "\"ProxyCommand = nc %h %p\""])
    func localCommandOptionsAreRefused(_ option: String) {
        let result = load(sshPlan(options: "\"ConnectTimeout=5\", \(option)"))
        #expect(result.plan == nil)
        let error = result.errors.first { $0.message.contains("runs a local command") }
        #expect(error != nil, "\(result.errors)")
        #expect(error?.line == 9)
        #expect(error?.column == 39, "\(result.errors)")
        #expect(error?.message.contains("allowLocalCommands: true") == true)
    }

    /// `allowLocalCommands: true` on the target's ssh access lets such options through, and is recorded.
    @Test func optInAllowsLocalCommands() throws {
        let result = load(sshPlan(options: "\"ProxyCommand=nc %h %p\"", extra: "\n        allowLocalCommands: true"))
        #expect(result.errors.isEmpty, "\(result.errors)")
        let plan = try #require(result.plan)
        guard case .ssh(let ssh) = plan.targets[0].access else { Issue.record("expected ssh access"); return }
        #expect(ssh.options == ["ProxyCommand=nc %h %p"])
        #expect(ssh.allowLocalCommands)
    }

    /// ProxyJump (which runs no local command) and ordinary options stay allowed without the opt-in.
    @Test func proxyJumpStaysAllowed() {
        let result = load(sshPlan(options: "\"ProxyJump=bastion.example\", \"StrictHostKeyChecking=yes\", \"ServerAliveInterval 5\""))
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.plan != nil)
    }

    /// The same refusal applies to targets read from an inventory file, positioned in that file.
    @Test func inventoryOptionsAreChecked() throws {
        let directory = try temporaryDirectoryURL("plan")
        defer { try? FileManager.default.removeItem(at: directory) }
        let inventory = directory.appendingPathComponent("inventory.yaml")
        try Data("targets:\n  - name: w\n    address: h\n    access: { ssh: { options: [\"LocalCommand=id\"] } }\n".utf8).write(to: inventory)
        let plan = "version: 1\nname: inv\ninventory: inventory.yaml\nsteps: []\n"
        let result = PlanLoader.load(data: Data(plan.utf8), file: "plan.yaml", baseDirectory: directory)
        let error = result.errors.first { $0.message.contains("runs a local command") }
        #expect(error?.file == inventory.path, "\(result.errors)")
        #expect(position(error) == "4:32", "\(result.errors)")
    }

    /// Journals written before `allowLocalCommands` existed still decode (the key defaults to false).
    @Test func oldJournalAccessDecodes() throws {
        let json = #"{"user":"gameday","options":["ConnectTimeout=5"]}"#
        let access = try JSONDecoder().decode(SSHAccess.self, from: Data(json.utf8))
        #expect(access.options == ["ConnectTimeout=5"])
        #expect(!access.allowLocalCommands)
        let encoded = String(decoding: try JSONEncoder().encode(access), as: UTF8.self)
        #expect(encoded.contains("\"allowLocalCommands\":false"))
    }
}
