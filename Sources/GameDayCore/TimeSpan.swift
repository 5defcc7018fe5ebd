/// A non-negative or negative span of time with millisecond precision, as plans and journals write it.
///
/// Plans spell spans as `250ms`, `10s`, `5m`, `1h` (and combinations such as `1m30s`); journals store them as
/// integer milliseconds, which keeps the JSON readable and exact.
public struct TimeSpan: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func milliseconds(_ value: Int64) -> TimeSpan { TimeSpan(milliseconds: value) }
    public static func seconds(_ value: Int64) -> TimeSpan { TimeSpan(milliseconds: value * 1000) }
    public static func minutes(_ value: Int64) -> TimeSpan { TimeSpan(milliseconds: value * 60_000) }
    public static let zero = TimeSpan(milliseconds: 0)

    /// The span as a Swift `Duration`, for clocks and sleeping.
    public var duration: Duration { .milliseconds(milliseconds) }
    public var seconds: Double { Double(milliseconds) / 1000 }

    public init(_ duration: Duration) {
        let (s, atto) = duration.components
        self.milliseconds = s * 1000 + atto / 1_000_000_000_000_000
    }

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.milliseconds < rhs.milliseconds }
    public static func + (lhs: TimeSpan, rhs: TimeSpan) -> TimeSpan { TimeSpan(milliseconds: lhs.milliseconds + rhs.milliseconds) }
    public static func - (lhs: TimeSpan, rhs: TimeSpan) -> TimeSpan { TimeSpan(milliseconds: lhs.milliseconds - rhs.milliseconds) }

    public init(from decoder: any Decoder) throws {
        milliseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(milliseconds)
    }

    /// Parses `250ms`, `10s`, `1.5s`, `5m`, `1h`, `1h30m`. Returns nil for anything else (including a bare number).
    public init?(parsing text: String) {
        let units: [(String, Double)] = [("ms", 1), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        var negative = false
        if rest.first == "-" { negative = true; rest = rest.dropFirst() }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let (unit, factor) = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * factor
        }
        guard total.isFinite, total < 1e15 else { return nil }
        milliseconds = Int64((negative ? -total : total).rounded())
    }

    /// The shortest exact spelling: `250ms`, `10s`, `1m30s`, `1h`.
    public var description: String {
        if milliseconds == 0 { return "0s" }
        var ms = abs(milliseconds)
        var out = milliseconds < 0 ? "-" : ""
        if ms % 1000 != 0 && ms < 60_000 {
            if ms >= 1000 { return out + Self.trim(Double(ms) / 1000) + "s" }
            return out + "\(ms)ms"
        }
        let h = ms / 3_600_000; ms %= 3_600_000
        let m = ms / 60_000; ms %= 60_000
        if h > 0 { out += "\(h)h" }
        if m > 0 { out += "\(m)m" }
        if ms > 0 { out += ms % 1000 == 0 ? "\(ms / 1000)s" : Self.trim(Double(ms) / 1000) + "s" }
        return out
    }

    private static func trim(_ value: Double) -> String {
        var s = String(format: "%.3f", value)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}

import Foundation
