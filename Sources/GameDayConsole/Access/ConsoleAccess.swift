/// The console's tokens and who they admit (pure: no sockets, no clock).
///
/// Every role has its own random token, carried by its link. Reads (`GET /api/...`) take the token from the
/// `k` query parameter (an `EventSource` cannot send headers); state-changing requests are POSTs that must carry
/// it in the `X-GameDay-Token` header, so a link click or a form on another site can never act (no CSRF). On a
/// loopback bind a read without a token is an observer's; on any other bind every API request needs a token.
public struct ConsoleAccess: Sendable, Equatable {
    /// The header that carries the token on POSTs.
    public static let tokenHeader = "X-GameDay-Token"

    public let tokens: [ConsoleRole: String]
    /// Whether the console listens on loopback only (then token-less reads are allowed, as an observer).
    public let loopback: Bool

    public init(tokens: [ConsoleRole: String], loopback: Bool) {
        self.tokens = tokens
        self.loopback = loopback
    }

    /// Fresh 128-bit tokens for every role from `generator`.
    public static func random<G: RandomNumberGenerator>(loopback: Bool, using generator: inout G) -> ConsoleAccess {
        var tokens: [ConsoleRole: String] = [:]
        for role in ConsoleRole.allCases {
            let words = [generator.next(), generator.next()] as [UInt64]
            tokens[role] = words.map { word in
                let hex = String(word, radix: 16)
                return String(repeating: "0", count: 16 - hex.count) + hex
            }.joined()
        }
        return ConsoleAccess(tokens: tokens, loopback: loopback)
    }

    /// What a request may do.
    public enum Decision: Sendable, Equatable {
        case allowed(ConsoleRole)
        /// 401: no token where one is needed, or a token that is nobody's.
        case unauthorized(String)
        /// 403: a known role asking for more than it may do.
        case forbidden(String)
    }

    /// What a request wants.
    /// `judge`: mark a blind drill's diagnosis correct.
    public enum Need: Sendable, Equatable { case read, mark, judge, abort }

    /// Decides a request from the token it presented (nil: none) and what it wants.
    public func decide(token: String?, need: Need) -> Decision {
        let role: ConsoleRole
        if let token, !token.isEmpty {
            guard let match = Self.role(for: token, in: tokens) else {
                return .unauthorized("that console token is not valid for this run; use a link printed when the console started")
            }
            role = match
        } else if need == .read && loopback {
            role = .observer
        } else {
            return .unauthorized(need == .read
                ? "this console listens beyond loopback: open it with one of the links printed when it started (they carry a token)"
                : "actions need the role's token in the \(Self.tokenHeader) header; open the console with your facilitator or participant link")
        }
        switch need {
        case .read: return .allowed(role)
        case .mark: return role.canMark ? .allowed(role) : .forbidden("observers are read-only; marks need a participant or facilitator link")
        case .abort: return role.canAbort ? .allowed(role) : .forbidden("only the facilitator can abort the run")
        case .judge: return role == .facilitator ? .allowed(role) : .forbidden("only the facilitator marks a diagnosis correct")
        }
    }

    /// The role whose token equals `token`, compared in constant time per token.
    static func role(for token: String, in tokens: [ConsoleRole: String]) -> ConsoleRole? {
        var found: ConsoleRole?
        for role in ConsoleRole.allCases {
            guard let expected = tokens[role] else { continue }
            if constantTimeEqual(Array(token.utf8), Array(expected.utf8)) { found = role }
        }
        return found
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
