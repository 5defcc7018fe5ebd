/// Top percentiles, as the postmortem reports latency.
///
/// TP*p*: sort ascending, drop the slowest (100 - *p*)% of the samples, take the largest that remains, that is
/// `sorted[ceil(n * p / 100) - 1]`. The rank is computed in integers so that, e.g., TP90 of 10 samples is exactly
/// the 9th, never the 10th through a rounding error.
public enum Percentile {
    /// The TP`percent` of already ascending-sorted values; nil when there are none.
    public static func top(_ percent: Int, ofSorted sorted: [Double]) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let p = min(max(percent, 0), 100)
        let rank = max(1, (sorted.count * p + 99) / 100)
        return sorted[rank - 1]
    }

    /// The TP`percent` of values in any order.
    public static func top(_ percent: Int, of values: [Double]) -> Double? {
        top(percent, ofSorted: values.sorted())
    }
}
