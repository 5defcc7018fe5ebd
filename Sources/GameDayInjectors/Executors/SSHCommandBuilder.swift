import GameDayCore

/// Builds the `ssh` client's argument vectors for one host. Pure: tested without a network.
///
/// The remote command is an argument vector quoted once with `ShellQuote.join`, so the remote shell splits it back
/// into exactly those words. Options gameday depends on (batch mode, the control socket) come first because ssh
/// keeps the first value it sees for an option; the user's `options` come next and so override gameday's defaults
/// (strict host-key checking, timeouts) but not the multiplexing it needs.
public struct SSHCommandBuilder: Sendable, Equatable {
    /// The host as ssh should reach it (address or a name from the user's ssh config).
    public var host: String
    public var access: SSHAccess
    /// Directory of the per-run control sockets (keep it short: socket paths are limited to 107 bytes).
    public var controlDirectory: String?
    /// How long an idle master connection stays up; bounded so a killed controller leaves no master behind for long.
    public var controlPersist: TimeSpan
    public var connectTimeout: TimeSpan
    /// Runs the ssh client through this prefix, e.g. `["ip", "netns", "exec", "ctl"]` in the namespaced test fleet.
    public var argvPrefix: [String]
    public var sshPath: String

    public init(host: String, access: SSHAccess, controlDirectory: String?, controlPersist: TimeSpan = .minutes(5),
                connectTimeout: TimeSpan = .seconds(10), argvPrefix: [String] = [], sshPath: String = "ssh") {
        self.host = host; self.access = access; self.controlDirectory = controlDirectory
        self.controlPersist = controlPersist; self.connectTimeout = connectTimeout; self.argvPrefix = argvPrefix
        self.sshPath = sshPath
    }

    /// The remote shell line for `argv`.
    public static func remoteLine(_ argv: [String]) -> String { ShellQuote.join(argv) }

    /// Options shared by every invocation for this host.
    public var commonOptions: [String] {
        var out = ["-o", "BatchMode=yes"]
        if let controlDirectory {
            // %C is a hash of local host, remote host, port and user: short and unique per destination.
            out += ["-o", "ControlMaster=auto", "-o", "ControlPath=\(controlDirectory)/%C",
                    "-o", "ControlPersist=\(max(1, controlPersist.milliseconds / 1000))s"]
        }
        for option in access.options { out += ["-o", option] }
        out += ["-o", "StrictHostKeyChecking=yes"]
        if let knownHosts = access.knownHosts { out += ["-o", "UserKnownHostsFile=\(knownHosts)"] }
        out += ["-o", "ConnectTimeout=\(max(1, connectTimeout.milliseconds / 1000))",
                "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3", "-o", "LogLevel=ERROR"]
        if let identity = access.identity { out += ["-i", identity, "-o", "IdentitiesOnly=yes"] }
        if let port = access.port { out += ["-p", String(port)] }
        if let user = access.user { out += ["-l", user] }
        return out
    }

    /// The full client command line that runs `argv` on the host.
    public func command(_ argv: [String]) -> [String] {
        // `--` ends ssh's options, so a host name can never be read as one.
        argvPrefix + [sshPath] + commonOptions + ["-T", "--", host, Self.remoteLine(argv)]
    }

    /// Asks the master connection for this host to exit (`ssh -O exit`).
    public func exitMaster() -> [String] {
        argvPrefix + [sshPath] + commonOptions + ["-O", "exit", "--", host]
    }
}
