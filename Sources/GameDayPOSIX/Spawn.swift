#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one `posix_spawn` setup for the children gameday starts itself (SSH clients, command checks, the demo
/// fleet's processes).
///
/// By default a child gets stdin from /dev/null, its own process group (so a kill of `-pid` reaches everything it
/// started), default dispositions for every signal and an empty signal mask whatever the parent had (ignored signals
/// and the mask survive exec otherwise), and no descriptor above 2 (descriptors opened elsewhere in the process
/// without close-on-exec must not leak into a child that may outlive it).
public enum Spawn {
    /// Where the child's stdin comes from.
    public enum Input: Sendable, Equatable {
        /// /dev/null, read-only.
        case null
        /// The parent's stdin.
        case inherit
    }

    /// Where the child's stdout or stderr goes.
    public enum Output: Sendable, Equatable {
        /// The parent's descriptor.
        case inherit
        /// A descriptor of the parent (a pipe's write end, a temporary file), duplicated onto the child's.
        case descriptor(Int32)
        /// A file opened for appending, created (mode 0644) if missing.
        case appendFile(String)
        /// Wherever stdout goes (for stderr).
        case sameAsStdout
    }

    public struct Options: Sendable {
        public var stdin: Input = .null
        public var stdout: Output = .inherit
        public var stderr: Output = .inherit
        /// Start a new process group whose id is the child's pid.
        public var newProcessGroup = true
        /// Default dispositions for all signals and an empty signal mask in the child.
        public var resetSignals = true
        /// The child closes every descriptor from this one up, after the redirections; nil keeps them.
        /// Skipped where the C library has no `posix_spawn_file_actions_addclosefrom_np` (glibc before 2.34).
        public var closeFrom: Int32? = 3
        /// Look `argv[0]` up on `PATH` (`posix_spawnp`) rather than taking it as a path.
        public var searchPath = true

        public init(stdin: Input = .null, stdout: Output = .inherit, stderr: Output = .inherit,
                    newProcessGroup: Bool = true, resetSignals: Bool = true, closeFrom: Int32? = 3, searchPath: Bool = true) {
            self.stdin = stdin; self.stdout = stdout; self.stderr = stderr
            self.newProcessGroup = newProcessGroup; self.resetSignals = resetSignals
            self.closeFrom = closeFrom; self.searchPath = searchPath
        }
    }

    /// Starts `argv` with `options` and returns the child's pid; the caller reaps it.
    public static func spawn(_ argv: [String], _ options: Options = Options()) throws(SpawnError) -> pid_t {
        guard let executable = argv.first, !executable.isEmpty else {
            throw SpawnError(executable: "", code: EINVAL, description: "cannot run an empty command line")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if options.stdin == .null { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        redirect(options.stdout, to: 1, &actions)
        redirect(options.stderr, to: 2, &actions)
        if let from = options.closeFrom, let closeFrom = closeFromAction { _ = closeFrom(&actions, from) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags: Int32 = 0
        if options.newProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
        }
        if options.resetSignals {
            var all = sigset_t()
            sigfillset(&all)
            var none = sigset_t()
            sigemptyset(&none)
            posix_spawnattr_setsigdefault(&attributes, &all)
            posix_spawnattr_setsigmask(&attributes, &none)
            flags |= Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let result = options.searchPath
            ? posix_spawnp(&pid, executable, &actions, &attributes, cArguments, environ)
            : posix_spawn(&pid, executable, &actions, &attributes, cArguments, environ)
        guard result == 0 else {
            throw SpawnError(executable: executable, code: result,
                             description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    private static func redirect(_ output: Output, to fd: Int32, _ actions: inout posix_spawn_file_actions_t) {
        switch output {
        case .inherit: break
        case .descriptor(let source): posix_spawn_file_actions_adddup2(&actions, source, fd)
        case .appendFile(let path): posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        case .sameAsStdout: posix_spawn_file_actions_adddup2(&actions, 1, fd)
        }
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), looked up at run time because its header
    /// declaration is hidden from the Swift importer; nil where the C library lacks it.
    private static let closeFromAction: CloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            return nil
        }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()
}

/// Why a child could not be started: `code` is the `errno` value (`ENOENT`: no such program), `description` says it
/// in words with the program's name.
public struct SpawnError: Error, Sendable, Equatable, CustomStringConvertible {
    public var executable: String
    public var code: Int32
    public var description: String
}
