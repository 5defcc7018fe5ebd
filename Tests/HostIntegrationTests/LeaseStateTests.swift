import Foundation
import GameDayCore
import GameDayFaults
import GameDayInjectors
import Testing

/// The host-side lease state (pid files, the private directory), attacked the way a stale or planted file would.
///
/// Every case runs in its own PID and mount namespace (`unshare --pid --fork --mount --mount-proc`) with fresh
/// tmpfs on /run and /tmp: a `kill -- -1` that the code under test might send reaches only processes of that
/// namespace, everything started there dies with it, and no real lease directory is touched.
@Suite(.serialized, .enabled(if: HostTestGate.enabled, HostTestGate.skipMessage))
struct LeaseStateTests {
    static let nobody = "65534"

    static func commands(marker: String) -> RemoteFaultCommands {
        RemoteFaultCommands(summary: "touch a marker", inject: ShellQuote.join(["touch", marker]),
                            revert: ShellQuote.join(["rm", "-f", marker]))
    }

    /// Runs `script` (with `args` as $1...) as root inside fresh PID and mount namespaces with private /run and /tmp.
    static func isolated(_ script: String, _ args: [String]) async throws -> CommandResult {
        try HostTestGate.requireRoot()
        let prologue = "mount -t tmpfs -o size=4m,mode=755 tmpfs /run && mount -t tmpfs -o size=4m,mode=1777 tmpfs /tmp || exit 99\n"
        return try await RemoteProcess.run(["unshare", "--pid", "--fork", "--mount", "--mount-proc", "sh", "-c", prologue + script, "harness"] + args,
                                           timeout: .seconds(60)).result
    }

    /// A pid file holding `1`, `0`, garbage, or the pid of an unrelated process (in its own session, as a stale
    /// watchdog pid reused by another program would be) is not killed by the revert's lease cancel.
    @Test(arguments: ["1", "0", "12ab", "unrelated"])
    func plantedPidIsNotKilled(planted: String) async throws {
        let lease = Lease(name: "gameday-planted-\(getpid())", seconds: 600, mode: .watchdog)
        let revert = try #require(LeaseCommands.revert(Self.commands(marker: "/tmp/marker"), lease: lease))
        let script = """
            sleep 30 & same=$!
            setsid sleep 30 & other=$!
            n=0; while [ "$(ps -o pgid= -p "$other" | tr -d ' ')" != "$other" ] && [ "$n" -lt 100 ]; do sleep 0.05; n=$((n+1)); done
            mkdir -m 700 /run/gameday
            case "$1" in unrelated) echo "$other" ;; *) echo "$1" ;; esac > /run/gameday/"$3".lease
            sh -c "$2"; rc=$?
            sleep 0.3
            alive=''
            kill -0 "$same" 2>/dev/null && alive="$alive same"
            kill -0 "$other" 2>/dev/null && alive="$alive other"
            echo "rc=$rc alive:$alive"
            """
        let result = try await Self.isolated(script, [planted, revert[2], lease.name])
        #expect(result.stdout.contains("rc=0 alive: same other"), "planted \(planted): \(result.stdout) \(result.stderr)")
    }

    /// The stress revert signals the recorded stress-ng group only if that pid still is this fault's stress-ng:
    /// a planted `1`, `0`, garbage or an unrelated process's pid in its pid file kills nothing.
    @Test(arguments: ["1", "0", "12ab", "unrelated"])
    func plantedStressPidIsNotKilled(planted: String) async throws {
        let name = "gameday-stress-planted-\(getpid())"
        let commands = try Stress.commands(for: StressFault(cpuWorkers: 1), name: name, seconds: 60)
        let revert = try #require(commands.revert)
        let script = """
            sleep 30 & same=$!
            setsid sleep 30 & other=$!
            n=0; while [ "$(ps -o pgid= -p "$other" | tr -d ' ')" != "$other" ] && [ "$n" -lt 100 ]; do sleep 0.05; n=$((n+1)); done
            mkdir -m 700 /run/gameday
            case "$1" in unrelated) echo "$other" ;; *) echo "$1" ;; esac > /run/gameday/"$3".stress
            sh -c "$2"; rc=$?
            sleep 0.3
            alive=''
            kill -0 "$same" 2>/dev/null && alive="$alive same"
            kill -0 "$other" 2>/dev/null && alive="$alive other"
            echo "rc=$rc alive:$alive"
            """
        let result = try await Self.isolated(script, [planted, revert, name])
        #expect(result.stdout.contains("rc=0 alive: same other"), "planted \(planted): \(result.stdout) \(result.stderr)")
    }

    /// The stress revert still ends the real stress-ng it started (its environment carries the fault's marker).
    @Test func stressRevertEndsItsStressNg() async throws {
        let name = "gameday-stress-real-\(getpid())"
        let commands = try Stress.commands(for: StressFault(cpuWorkers: 1, cpuLoadPercent: 5), name: name, seconds: 60)
        let script = """
            sh -c "$1"; echo "inject rc=$?"
            n=0; until [ "$(pgrep -c -x stress-ng)" -ge 2 ] || [ "$n" -ge 100 ]; do sleep 0.05; n=$((n+1)); done
            echo "running $(pgrep -c -x stress-ng)"
            sh -c "$2"; echo "revert rc=$?"
            n=0; while [ "$(pgrep -c -x stress-ng)" != 0 ] && [ "$n" -lt 100 ]; do sleep 0.05; n=$((n+1)); done
            echo "left $(pgrep -c -x stress-ng)"
            """
        let result = try await Self.isolated(script, [commands.inject, try #require(commands.revert)])
        #expect(result.stdout.contains("inject rc=0") && result.stdout.contains("revert rc=0"), "\(result.stdout) \(result.stderr)")
        #expect(!result.stdout.contains("running 0"), "\(result.stdout)")
        #expect(result.stdout.contains("left 0"), "stress-ng survived its revert: \(result.stdout)")
    }

    /// A non-root user's lease directory /tmp/gameday-<uid> that someone else owns, that others may write to, or
    /// that is a symlink is refused with a clear error (exit 70), and nothing is applied.
    @Test(arguments: ["foreign", "open", "symlink"])
    func unsafeTmpDirectoryIsRefused(kind: String) async throws {
        let lease = Lease(name: "gameday-unsafe-\(getpid())", seconds: 600, mode: .watchdog)
        let apply = LeaseCommands.apply(Self.commands(marker: "/tmp/marker"), lease: lease)
        let script = """
            d=/tmp/gameday-\(Self.nobody)
            case "$1" in
              foreign) mkdir -m 755 "$d" ;;
              open) mkdir -m 777 "$d" && chown \(Self.nobody):\(Self.nobody) "$d" && chmod 777 "$d" ;;
              symlink) mkdir -m 700 /tmp/elsewhere && chown \(Self.nobody):\(Self.nobody) /tmp/elsewhere && ln -s /tmp/elsewhere "$d" ;;
            esac
            setpriv --reuid=\(Self.nobody) --regid=\(Self.nobody) --clear-groups env -u XDG_RUNTIME_DIR HOME=/tmp sh -c "$2"
            echo "rc=$?"
            [ -e /tmp/marker ] && echo "marker applied"
            ls /tmp/elsewhere 2>/dev/null
            """
        let result = try await Self.isolated(script, [kind, apply[2]])
        #expect(result.stdout.contains("rc=70"), "\(kind): \(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("/tmp/gameday-\(Self.nobody)") && result.stderr.contains("refus"), "\(kind): \(result.stderr)")
        #expect(!result.stdout.contains("marker applied"))
        #expect(!result.stdout.contains(".lease"), "a lease pid file was written through the symlink")
    }

    /// A revert is never refused: with an unsafe lease directory it still removes the fault (and says why it left
    /// the lease alone), while the inject in the same place is refused before applying anything.
    @Test func revertRunsDespiteUnsafeDirectory() async throws {
        let lease = Lease(name: "gameday-unsafe-revert-\(getpid())", seconds: 600, mode: .watchdog)
        let revert = try #require(LeaseCommands.revert(Self.commands(marker: "/tmp/work/marker"), lease: lease))
        let script = """
            mkdir -m 777 /tmp/gameday-\(Self.nobody) && chmod 777 /tmp/gameday-\(Self.nobody)
            mkdir /tmp/work && touch /tmp/work/marker && chown -R \(Self.nobody):\(Self.nobody) /tmp/work
            setpriv --reuid=\(Self.nobody) --regid=\(Self.nobody) --clear-groups env -u XDG_RUNTIME_DIR HOME=/tmp sh -c "$1"
            echo "rc=$?"
            [ -e /tmp/work/marker ] || echo "reverted"
            """
        let result = try await Self.isolated(script, [revert[2]])
        #expect(result.stdout.contains("rc=0") && result.stdout.contains("reverted"), "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("refusing the lease directory") && result.stderr.contains("left to fire"), "\(result.stderr)")
    }

    /// A non-root user gets a private lease directory: $XDG_RUNTIME_DIR/gameday when that is the user's own, else
    /// /tmp/gameday-<uid> created with mode 0700; the revert finds the lease there and cancels it.
    @Test func privateDirectoryForNonRoot() async throws {
        let lease = Lease(name: "gameday-private-\(getpid())", seconds: 600, mode: .watchdog)
        let commands = Self.commands(marker: "/tmp/marker")
        let apply = LeaseCommands.apply(commands, lease: lease)
        let revert = try #require(LeaseCommands.revert(commands, lease: lease))
        let script = """
            mkdir -m 700 /run/user-\(Self.nobody) && chown \(Self.nobody):\(Self.nobody) /run/user-\(Self.nobody)
            as() { setpriv --reuid=\(Self.nobody) --regid=\(Self.nobody) --clear-groups env "$@"; }
            as -u XDG_RUNTIME_DIR HOME=/tmp sh -c "$1" >/dev/null; echo "tmp apply rc=$?"
            echo "tmp mode $(stat -c '%a %u' /tmp/gameday-\(Self.nobody))"
            [ -s /tmp/gameday-\(Self.nobody)/"$3".lease ] && echo "tmp lease recorded"
            as -u XDG_RUNTIME_DIR HOME=/tmp sh -c "$2"; echo "tmp revert rc=$?"
            [ -e /tmp/gameday-\(Self.nobody)/"$3".lease ] || echo "tmp lease cancelled"
            as XDG_RUNTIME_DIR=/run/user-\(Self.nobody) HOME=/tmp sh -c "$1" >/dev/null; echo "xdg apply rc=$?"
            [ -s /run/user-\(Self.nobody)/gameday/"$3".lease ] && echo "xdg lease recorded"
            echo "xdg mode $(stat -c '%a %u' /run/user-\(Self.nobody)/gameday)"
            as XDG_RUNTIME_DIR=/run/user-\(Self.nobody) HOME=/tmp sh -c "$2"; echo "xdg revert rc=$?"
            [ -e /run/user-\(Self.nobody)/gameday/"$3".lease ] || echo "xdg lease cancelled"
            w=''; for p in $(pgrep -f gameday-lease); do tr '\\0' '\\n' < /proc/"$p"/cmdline 2>/dev/null | grep -qxF gameday-lease && w="$w $p"; done
            [ -z "$w" ] && echo "no watchdog left"
            """
        let result = try await Self.isolated(script, [apply[2], revert[2], lease.name])
        for line in ["tmp apply rc=0", "tmp mode 700 \(Self.nobody)", "tmp lease recorded", "tmp revert rc=0", "tmp lease cancelled",
                     "xdg apply rc=0", "xdg lease recorded", "xdg mode 700 \(Self.nobody)", "xdg revert rc=0", "xdg lease cancelled",
                     "no watchdog left"] {
            #expect(result.stdout.contains(line), "missing '\(line)' in: \(result.stdout) \(result.stderr)")
        }
    }
}
