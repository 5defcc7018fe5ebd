import GameDayDemo
import Testing

@Suite struct BalancerStateMachineTests {
    private func machine(_ count: Int = 3, policy: BalancerStateMachine.Policy = .init()) -> BalancerStateMachine {
        BalancerStateMachine(replicaNames: (1...count).map { "r\($0)" }, policy: policy)
    }

    private func allHealthy(_ count: Int = 3) -> BalancerStateMachine {
        var state = machine(count)
        for index in 0..<count { _ = state.probeSucceeded(replica: index) }
        return state
    }

    /// Replicas start out of rotation, so before any probe the balancer fails open over all of them.
    @Test func startsOutOfRotationAndFailsOpen() {
        var state = machine()
        #expect(state.healthyReplicas.isEmpty)
        #expect(state.isFailingOpen)
        let route = state.route()
        #expect(route.failOpen)
        #expect(route.attempts.count == 2)
    }

    /// One successful probe puts a replica in rotation (successesToHealthy = 1) and reports the transition once.
    @Test func oneSuccessBringsReplicaIn() {
        var state = machine()
        #expect(state.probeSucceeded(replica: 1) == .cameIntoRotation(replica: "r2"))
        #expect(state.probeSucceeded(replica: 1) == .none)
        #expect(state.healthyReplicas == [1])
        #expect(!state.isFailingOpen)
    }

    /// One failed probe is noise; the second consecutive one takes the replica out of rotation.
    @Test func twoConsecutiveFailuresTakeReplicaOut() {
        var state = allHealthy()
        #expect(state.probeFailed(replica: 0) == .none)
        #expect(state.healthyReplicas == [0, 1, 2])
        #expect(state.probeFailed(replica: 0) == .leftRotation(replica: "r1", consecutiveFailures: 2))
        #expect(state.healthyReplicas == [1, 2])
        #expect(state.probeFailed(replica: 0) == .none)
    }

    /// A success between two failures resets the count, so alternating results keep the replica in rotation.
    @Test func successResetsFailureCount() {
        var state = allHealthy()
        _ = state.probeFailed(replica: 2)
        _ = state.probeSucceeded(replica: 2)
        #expect(state.probeFailed(replica: 2) == .none)
        #expect(state.healthyReplicas.contains(2))
    }

    /// Custom thresholds are honoured: three failures to go out, two successes to come back.
    @Test func customThresholds() {
        var state = machine(2, policy: .init(failuresToUnhealthy: 3, successesToHealthy: 2))
        #expect(state.probeSucceeded(replica: 0) == .none)
        #expect(state.probeSucceeded(replica: 0) == .cameIntoRotation(replica: "r1"))
        _ = state.probeFailed(replica: 0)
        _ = state.probeFailed(replica: 0)
        #expect(state.healthyReplicas == [0])
        #expect(state.probeFailed(replica: 0) == .leftRotation(replica: "r1", consecutiveFailures: 3))
    }

    /// Requests go round-robin over healthy replicas, each with a retry on the next healthy one.
    @Test func roundRobinWithRetryOnNextHealthy() {
        var state = allHealthy()
        #expect(state.route() == .init(attempts: [0, 1], failOpen: false))
        #expect(state.route() == .init(attempts: [1, 2], failOpen: false))
        #expect(state.route() == .init(attempts: [2, 0], failOpen: false))
        #expect(state.route() == .init(attempts: [0, 1], failOpen: false))
    }

    /// A replica out of rotation is neither a primary choice nor a retry.
    @Test func unhealthyReplicaIsSkipped() {
        var state = allHealthy()
        _ = state.probeFailed(replica: 1)
        _ = state.probeFailed(replica: 1)
        for _ in 0..<6 {
            let route = state.route()
            #expect(!route.attempts.contains(1))
            #expect(!route.failOpen)
            #expect(Set(route.attempts).count == route.attempts.count)
        }
    }

    /// With a single healthy replica there is nothing distinct to retry on.
    @Test func singleHealthyReplicaHasNoRetry() {
        var state = machine()
        _ = state.probeSucceeded(replica: 2)
        #expect(state.route() == .init(attempts: [2], failOpen: false))
        #expect(state.route() == .init(attempts: [2], failOpen: false))
    }

    /// When every replica is out of rotation, routes cover all replicas over successive requests and say so.
    @Test func failsOpenOverAllReplicasWhenNoneIsHealthy() {
        var state = allHealthy()
        for index in 0..<3 {
            _ = state.probeFailed(replica: index)
            _ = state.probeFailed(replica: index)
        }
        #expect(state.isFailingOpen)
        var tried = Set<Int>()
        for _ in 0..<3 {
            let route = state.route()
            #expect(route.failOpen)
            tried.formUnion(route.attempts)
        }
        #expect(tried == [0, 1, 2])
        _ = state.probeSucceeded(replica: 1)
        #expect(state.route() == .init(attempts: [1], failOpen: false))
    }

    /// maximumAttempts bounds how many distinct replicas one request tries.
    @Test func maximumAttemptsBoundsRetries() {
        var state = BalancerStateMachine(replicaNames: ["a", "b", "c", "d"], policy: .init(maximumAttempts: 3))
        for index in 0..<4 { _ = state.probeSucceeded(replica: index) }
        #expect(state.route().attempts == [0, 1, 2])
        var single = BalancerStateMachine(replicaNames: ["a", "b"], policy: .init(maximumAttempts: 1))
        _ = single.probeSucceeded(replica: 0)
        _ = single.probeSucceeded(replica: 1)
        #expect(single.route().attempts == [0])
    }

    /// Probe results for unknown replicas are ignored, and an empty balancer routes nowhere without failing open.
    @Test func ignoresUnknownReplicasAndHandlesEmptyFleet() {
        var state = machine()
        #expect(state.probeSucceeded(replica: 7) == .none)
        #expect(state.probeFailed(replica: -1) == .none)
        var empty = BalancerStateMachine(replicaNames: [])
        #expect(empty.route() == .init(attempts: [], failOpen: false))
        #expect(!empty.isFailingOpen)
    }
}
