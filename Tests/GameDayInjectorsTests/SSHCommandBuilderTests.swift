import GameDayCore
import GameDayInjectors
import Testing

@Suite struct SSHCommandBuilderTests {
    static let access = SSHAccess(user: "ops", port: 2222, identity: "/keys/id", options: ["StrictHostKeyChecking=accept-new"],
                                  knownHosts: "/fleet/known_hosts")

    static func value(_ argv: [String], option: String) -> String? {
        for (index, word) in argv.enumerated() where word == "-o" && index + 1 < argv.count {
            if argv[index + 1].hasPrefix(option + "=") { return String(argv[index + 1].dropFirst(option.count + 1)) }
        }
        return nil
    }

    /// The remote command is one argument: the argv quoted once, after `--` and the host.
    @Test func remoteCommandIsOneQuotedArgument() {
        let builder = SSHCommandBuilder(host: "10.0.0.7", access: SSHAccess(), controlDirectory: nil)
        let argv = builder.command(["sh", "-c", "echo 'hi'; rm -rf /"])
        #expect(argv.first == "ssh")
        #expect(Array(argv.suffix(3)) == ["--", "10.0.0.7", "sh -c 'echo '\\''hi'\\''; rm -rf /'"])
    }

    /// Batch mode and strict host-key checking are on by default, with the inventory's known_hosts file.
    @Test func safeDefaults() {
        let argv = SSHCommandBuilder(host: "h", access: SSHAccess(knownHosts: "/k"), controlDirectory: nil).command(["true"])
        #expect(Self.value(argv, option: "BatchMode") == "yes")
        #expect(Self.value(argv, option: "StrictHostKeyChecking") == "yes")
        #expect(Self.value(argv, option: "UserKnownHostsFile") == "/k")
        #expect(Self.value(argv, option: "ControlMaster") == nil)
    }

    /// ssh keeps the first value of an option: the user's options override defaults, never the control socket.
    @Test func userOptionsOverrideDefaultsButNotMultiplexing() {
        let builder = SSHCommandBuilder(host: "h", access: SSHAccess(options: ["ControlPath=/evil", "StrictHostKeyChecking=accept-new"]),
                                        controlDirectory: "/tmp/gdssh-1", controlPersist: .seconds(90))
        let argv = builder.command(["true"])
        #expect(Self.value(argv, option: "ControlPath") == "/tmp/gdssh-1/%C")
        #expect(Self.value(argv, option: "ControlMaster") == "auto")
        #expect(Self.value(argv, option: "ControlPersist") == "90s")
        #expect(Self.value(argv, option: "StrictHostKeyChecking") == "accept-new")
    }

    /// Port, identity and user from the inventory reach the client.
    @Test func accessFields() {
        let argv = SSHCommandBuilder(host: "web-1", access: Self.access, controlDirectory: nil).command(["true"])
        let line = argv.joined(separator: " ")
        #expect(line.contains("-p 2222"))
        #expect(line.contains("-i /keys/id -o IdentitiesOnly=yes"))
        #expect(line.contains("-l ops"))
    }

    /// The argv prefix wraps the client (the test fleet runs ssh inside the controller's namespace).
    @Test func argvPrefixComesFirst() {
        let builder = SSHCommandBuilder(host: "h", access: SSHAccess(), controlDirectory: "/tmp/c", argvPrefix: ["ip", "netns", "exec", "ctl"])
        #expect(Array(builder.command(["true"]).prefix(5)) == ["ip", "netns", "exec", "ctl", "ssh"])
        let exit = builder.exitMaster()
        #expect(Array(exit.suffix(4)) == ["-O", "exit", "--", "h"])
    }
}
