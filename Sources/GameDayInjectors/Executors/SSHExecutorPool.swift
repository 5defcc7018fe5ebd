import Foundation
import GameDayCore
import GameDayEngine
import Logging

/// The SSH executors of one run: one per host, all multiplexing over one master connection per host, with the
/// control sockets in a short per-run directory that `close()` removes after ending every master.
public actor SSHExecutorPool {
    /// What every executor of the pool shares.
    public struct Configuration: Sendable {
        public var retry: BackoffPolicy
        public var connectTimeout: TimeSpan
        public var controlPersist: TimeSpan
        /// Prefix for the ssh client's command line (e.g. `["ip", "netns", "exec", "ctl"]` in the test fleet).
        public var argvPrefix: [String]
        /// Seeds retry jitter; each host's executor derives its own stream from it.
        public var seed: UInt64?
        public var sshPath: String

        public init(retry: BackoffPolicy = BackoffPolicy(), connectTimeout: TimeSpan = .seconds(10),
                    controlPersist: TimeSpan = .minutes(5), argvPrefix: [String] = [], seed: UInt64? = nil,
                    sshPath: String = "ssh") {
            self.retry = retry; self.connectTimeout = connectTimeout; self.controlPersist = controlPersist
            self.argvPrefix = argvPrefix; self.seed = seed; self.sshPath = sshPath
        }
    }

    private enum State {
        case open([ExecutorKey: SSHExecutor])
        case closed
    }

    private struct ExecutorKey: Hashable {
        var host: String
        var access: SSHAccess
    }

    public nonisolated let configuration: Configuration
    /// The per-run directory holding control sockets and command output files.
    public nonisolated let controlDirectory: String
    private var state: State = .open([:])
    private let logger: Logger

    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "gameday.ssh")) throws {
        self.configuration = configuration
        self.logger = logger
        // /tmp rather than $TMPDIR: the socket path (directory + 40-char hash + ssh's temporary suffix) must stay
        // under the 107-byte limit of Unix socket paths.
        Self.removeStaleControlDirectories()
        var template = Array("/tmp/gdssh-\(getpid())-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw CommandExecutorError("cannot create the ssh control directory in /tmp: \(String(cString: strerror(errno)))")
        }
        controlDirectory = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes control directories left by controllers that died without closing their pool (e.g. SIGKILL):
    /// `/tmp/gdssh-<pid>-*` whose process no longer exists. Their masters, if any survive, time out by themselves
    /// (ControlPersist).
    private static func removeStaleControlDirectories() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/tmp") else { return }
        for entry in entries where entry.hasPrefix("gdssh-") {
            let parts = entry.split(separator: "-")
            guard parts.count == 3, let pid = Int32(parts[1]), pid > 0 else { continue }
            if kill(pid, 0) == -1 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: "/tmp/" + entry)
            }
        }
    }

    /// The executor for a target reached over ssh (its address, or its name when it has none).
    public func executor(for target: Target) throws -> SSHExecutor {
        guard case .ssh(let access) = target.access else {
            throw CommandExecutorError("target \(target.name) is not reached over ssh (access: local)")
        }
        return try executor(host: target.address ?? target.name, access: access, name: target.name)
    }

    /// The executor for a host as an `ExecutorRef.ssh` names it (used when reverting from a journal).
    public func executor(host: String, access: SSHAccess, name: String? = nil) throws -> SSHExecutor {
        guard case .open(var executors) = state else {
            throw CommandExecutorError("the ssh connections of this run are already closed")
        }
        let key = ExecutorKey(host: host, access: access)
        if let existing = executors[key] { return existing }
        let builder = SSHCommandBuilder(host: host, access: access, controlDirectory: controlDirectory,
                                        controlPersist: configuration.controlPersist,
                                        connectTimeout: configuration.connectTimeout,
                                        argvPrefix: configuration.argvPrefix, sshPath: configuration.sshPath)
        var seed: UInt64?
        if let base = configuration.seed {
            var generator = SeededGenerator(seed: base, stream: "ssh:\(host)")
            seed = generator.next()
        }
        let executor = SSHExecutor(name: name ?? host, builder: builder, retry: configuration.retry, seed: seed,
                                   logger: logger)
        executors[key] = executor
        state = .open(executors)
        return executor
    }

    /// Ends every master connection and removes the control directory. Idempotent.
    public func close() async {
        guard case .open(let executors) = state else { return }
        state = .closed
        _ = await SSHFanOut.run(Array(executors.values), maxConcurrent: 16) { await $0.close() }
        try? FileManager.default.removeItem(atPath: controlDirectory)
    }
}

extension SSHExecutorPool {
    /// Opens the master connection to every ssh target now, at most `maxConcurrent` at once (e.g. during the
    /// baseline), so the first fault pays no handshakes. Returns the targets that could not be reached, by name.
    public func connectAll(_ targets: [Target], maxConcurrent: Int = 32, timeout: TimeSpan = .seconds(20)) async -> [String: String] {
        var executors: [(String, SSHExecutor)] = []
        for target in targets {
            guard case .ssh = target.access else { continue }
            do { executors.append((target.name, try executor(for: target))) } catch { return [target.name: "\(error)"] }
        }
        let results = await SSHFanOut.run(executors, maxConcurrent: maxConcurrent) { _, executor in
            try await executor.connect(timeout: timeout)
        }
        var failures: [String: String] = [:]
        for (index, result) in results.enumerated() {
            if case .failure(let error) = result { failures[executors[index].0] = "\(error)" }
        }
        return failures
    }
}
