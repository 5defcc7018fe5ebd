import GameDayInjectors
import Synchronization
import Testing

@Suite struct SSHFanOutTests {
    final class Gauge: Sendable {
        let state = Mutex((current: 0, peak: 0))
        func enter() { state.withLock { $0.current += 1; $0.peak = max($0.peak, $0.current) } }
        func leave() { state.withLock { $0.current -= 1 } }
        var peak: Int { state.withLock { $0.peak } }
    }

    struct Failure: Error, Equatable { var item: Int }

    /// No more than K operations run at once, and results come back in input order, failures included.
    @Test func boundedAndOrdered() async {
        let gauge = Gauge()
        let results = await SSHFanOut.run(Array(0..<40), maxConcurrent: 4) { item in
            gauge.enter()
            defer { gauge.leave() }
            await Task.yield()
            try await Task.sleep(for: .milliseconds(2))
            if item % 7 == 0 { throw Failure(item: item) }
            return item * 2
        }
        #expect(gauge.peak <= 4)
        #expect(results.count == 40)
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let value): #expect(value == index * 2 && index % 7 != 0)
            case .failure(let error): #expect(error as? Failure == Failure(item: index))
            }
        }
    }

    /// An empty list and a limit below one are handled.
    @Test func edgeCases() async {
        let none: [Result<Int, any Error>] = await SSHFanOut.run([Int](), maxConcurrent: 3) { $0 }
        #expect(none.isEmpty)
        let one = await SSHFanOut.run([1, 2], maxConcurrent: 0) { $0 + 1 }
        #expect(one.compactMap { try? $0.get() } == [2, 3])
    }
}
