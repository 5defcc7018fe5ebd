import Testing
@testable import GameDayConsole

struct ConsoleAccessTests {
    let tokens: [ConsoleRole: String] = [.facilitator: "f0f0f0f0", .participant: "a1a1a1a1", .observer: "0b0b0b0b"]

    /// Each role's token admits exactly what that role may do: facilitator everything, participant marks, observer reads.
    @Test func rolesGetWhatTheyMayDo() {
        let access = ConsoleAccess(tokens: tokens, loopback: true)
        #expect(access.decide(token: "f0f0f0f0", need: .abort) == .allowed(.facilitator))
        #expect(access.decide(token: "a1a1a1a1", need: .mark) == .allowed(.participant))
        #expect(access.decide(token: "0b0b0b0b", need: .read) == .allowed(.observer))
        guard case .forbidden = access.decide(token: "a1a1a1a1", need: .abort) else { Issue.record("participant aborted"); return }
        guard case .forbidden = access.decide(token: "0b0b0b0b", need: .mark) else { Issue.record("observer marked"); return }
        #expect(access.decide(token: "f0f0f0f0", need: .judge) == .allowed(.facilitator))
        guard case .forbidden = access.decide(token: "a1a1a1a1", need: .judge) else { Issue.record("participant judged"); return }
    }

    /// A wrong token is refused (401) even on loopback, and actions never work without a token.
    @Test func wrongOrMissingTokenIsRefused() {
        let access = ConsoleAccess(tokens: tokens, loopback: true)
        guard case .unauthorized = access.decide(token: "f0f0f0f1", need: .read) else { Issue.record("wrong token read"); return }
        guard case .unauthorized = access.decide(token: nil, need: .mark) else { Issue.record("token-less mark"); return }
        guard case .unauthorized = access.decide(token: "", need: .abort) else { Issue.record("empty-token abort"); return }
    }

    /// Token-less reads are an observer's on loopback only; beyond loopback every request needs a token.
    @Test func tokenlessReadsOnlyOnLoopback() {
        #expect(ConsoleAccess(tokens: tokens, loopback: true).decide(token: nil, need: .read) == .allowed(.observer))
        guard case .unauthorized = ConsoleAccess(tokens: tokens, loopback: false).decide(token: nil, need: .read) else {
            Issue.record("token-less read beyond loopback"); return
        }
    }

    /// Fresh tokens are 32 hex digits and differ per role.
    @Test func randomTokensAreDistinct() {
        var generator = SystemRandomNumberGenerator()
        let access = ConsoleAccess.random(loopback: true, using: &generator)
        let values = ConsoleRole.allCases.compactMap { access.tokens[$0] }
        #expect(values.count == 3)
        #expect(Set(values).count == 3)
        #expect(values.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) })
    }
}
