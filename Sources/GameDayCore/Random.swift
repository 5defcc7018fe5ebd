/// A small, fast, seedable generator (SplitMix64) so that target picks and random faults are reproducible.
///
/// The standard library's generator is deliberately unseedable; determinism (invariant 3) needs our own.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for one named purpose under a run seed, so that adding a step does not shift the picks of others.
    public init(seed: UInt64, stream: String) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in stream.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        state = seed ^ h
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Array {
    /// A Fisher–Yates shuffle driven by the given generator (the standard `shuffled(using:)` does not promise a
    /// stable algorithm across toolchains; this one does).
    public func deterministicShuffle(using generator: inout SeededGenerator) -> [Element] {
        var copy = self
        guard copy.count > 1 else { return copy }
        for i in stride(from: copy.count - 1, to: 0, by: -1) {
            let j = Int(generator.next() % UInt64(i + 1))
            copy.swapAt(i, j)
        }
        return copy
    }
}
