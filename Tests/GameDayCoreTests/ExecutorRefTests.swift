import GameDayCore
import Testing

@Suite struct ExecutorRefTests {
    /// An SSH target's commands go to its address (its name when it has none); a local target's, or the
    /// controller's, run locally.
    @Test func forTarget() {
        let access = SSHAccess(user: "ops", port: 2222)
        #expect(ExecutorRef(target: Target(name: "web-1", address: "10.0.0.5", access: .ssh(access)))
                == .ssh(host: "10.0.0.5", access: access))
        #expect(ExecutorRef(target: Target(name: "web-2", access: .ssh(access))) == .ssh(host: "web-2", access: access))
        #expect(ExecutorRef(target: Target(name: "here", address: "10.0.0.6", access: .local)) == .local)
        #expect(ExecutorRef(target: nil) == .local)
    }
}
