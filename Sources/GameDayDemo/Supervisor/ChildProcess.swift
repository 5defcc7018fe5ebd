#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over `posix_spawn`, `waitpid` and `kill` for the supervisor's own children.
///
/// Children of the supervisor are watched per pid (never `waitpid(-1)`), so other parts of the same process that
/// spawn and reap their own children (swift-subprocess, Foundation) are not disturbed.
enum ChildProcess {
    /// Starts `executable` with `arguments`, stdin from /dev/null and stdout+stderr appended to `logFile`, in its
    /// own process group (so a terminal's Ctrl-C reaches only the supervisor, which then stops children in order),
    /// with default signal dispositions and an empty signal mask whatever the parent had.
    static func spawn(executable: String, arguments: [String], logFile: String) throws -> Int32 {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 1, logFile, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)
        // Descriptors the parent opened without close-on-exec (journals, sockets) must not leak into a child that
        // may outlive it.
        if let closeFrom = closeFromAction {
            _ = closeFrom(&fileActions, 3)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &fileActions, &attributes, argv, environ)
        guard result == 0 else {
            throw DemoFleetError.spawnFailed(executable: executable, reason: String(cString: strerror(result)))
        }
        return pid
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

    /// Reports a status change of `pid` without blocking: exit, death by signal, stop, continue, or vanished.
    static func poll(_ pid: Int32) -> ChildStatus? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG | WUNTRACED | WCONTINUED)
        if result == -1, errno == ECHILD { return .vanished }
        guard result == pid else { return nil }
        return ChildStatus(waitStatus: status)
    }

    /// Sends `signal` to `pid`; the caller guarantees `pid` is its own unreaped child.
    @discardableResult
    static func send(_ signal: Int32, to pid: Int32) -> Bool {
        kill(pid, signal) == 0
    }

    /// True when `path` names an executable file.
    static func isExecutable(_ path: String) -> Bool {
        access(path, X_OK) == 0
    }
}
