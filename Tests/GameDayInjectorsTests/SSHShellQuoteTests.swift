import Foundation
import GameDayCore
import GameDayInjectors
import Testing

/// `ShellQuote` is the one function through which plan values reach a remote shell; these tests defend it with a
/// real POSIX shell, once and twice over (the remote login shell, then `sh -c`).
@Suite struct SSHShellQuoteTests {
    static let hostile = [
        "plain", "", " ", "two words", "it's", "'", "''", "\"double\"", "$(touch /tmp/gameday-pwned)", "`id`",
        "$HOME", "a;b", "a&&b", "a|b", "*", "?", "[a-z]", "~", "-n", "--", "line\nbreak", "tab\there", "back\\slash",
        "\\'", "#comment", "!bang", "{a,b}", "ünïcødé ✓", "%s", "a=b", "10.0.0.1/24",
    ]

    /// Characters no shell treats specially stay readable, unquoted.
    @Test func plainWordsAreNotQuoted() {
        #expect(ShellQuote.quote("nft") == "nft")
        #expect(ShellQuote.quote("10.0.0.0/24") == "10.0.0.0/24")
        #expect(ShellQuote.quote("--unit=gameday-x") == "--unit=gameday-x")
    }

    /// Empty strings, spaces and metacharacters are single-quoted; embedded quotes become '\''.
    @Test func specialWordsAreSingleQuoted() {
        #expect(ShellQuote.quote("") == "''")
        #expect(ShellQuote.quote("a b") == "'a b'")
        #expect(ShellQuote.quote("it's") == "'it'\\''s'")
        #expect(ShellQuote.quote("$(id)") == "'$(id)'")
        #expect(ShellQuote.join(["echo", "a b", ""]) == "echo 'a b' ''")
    }

    /// Every hostile value survives one shell as exactly one word, byte for byte, and runs nothing.
    @Test func roundTripThroughOneShell() async throws {
        let line = ShellQuote.join(["printf", "%s\\0"] + Self.hostile)
        let outcome = try await RemoteProcess.run(["sh", "-c", line], timeout: .seconds(30))
        #expect(outcome.result.exitCode == 0)
        #expect(outcome.result.stdout.split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init) == Self.hostile)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/gameday-pwned"))
    }

    /// Quoted twice, as a remote command is (`ssh host 'sh -c ...'`), the words still arrive unchanged.
    @Test func roundTripThroughTwoShells() async throws {
        let inner = ShellQuote.join(["printf", "%s\\0"] + Self.hostile)
        let outer = ShellQuote.join(["sh", "-c", inner])
        let outcome = try await RemoteProcess.run(["sh", "-c", outer], timeout: .seconds(30))
        #expect(outcome.result.exitCode == 0)
        #expect(outcome.result.stdout.split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init) == Self.hostile)
    }
}
