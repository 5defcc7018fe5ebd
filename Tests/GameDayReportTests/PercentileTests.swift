import Testing
@testable import GameDayReport

@Suite struct PercentileTests {
    /// TP90 of 1...10 drops the slowest 10% and takes the largest remaining: 9.
    @Test func topPercentileDropsSlowest() {
        let values = (1...10).map(Double.init)
        #expect(Percentile.top(90, of: values) == 9)
        #expect(Percentile.top(50, of: values) == 5)
        #expect(Percentile.top(99, of: values) == 10)
        #expect(Percentile.top(100, of: values) == 10)
    }

    /// The rank is exact for counts where floating point would overshoot (ceil(n*0.99) with n = 100 is 99, not 100).
    @Test func rankIsExactInIntegers() {
        let hundred = (1...100).map(Double.init).shuffled()
        #expect(Percentile.top(99, of: hundred) == 99)
        #expect(Percentile.top(90, of: hundred) == 90)
        let thousand = (1...1000).map(Double.init)
        #expect(Percentile.top(99, ofSorted: thousand) == 990)
        #expect(Percentile.top(50, ofSorted: [7]) == 7)
        #expect(Percentile.top(99, ofSorted: [1, 2]) == 2)
        #expect(Percentile.top(50, ofSorted: [1, 2, 3]) == 2)
    }

    /// No samples, no percentile.
    @Test func emptyHasNone() {
        #expect(Percentile.top(50, of: []) == nil)
    }
}
