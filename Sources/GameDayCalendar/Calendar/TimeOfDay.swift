import Foundation

/// A wall-clock time of day (`09:00` or `09:00:30`), as seconds after local midnight.
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var secondsAfterMidnight: Int

    public init?(hour: Int, minute: Int, second: Int = 0) {
        guard (0...24).contains(hour), (0...59).contains(minute), (0...59).contains(second),
              hour < 24 || (minute == 0 && second == 0) else { return nil }
        secondsAfterMidnight = hour * 3600 + minute * 60 + second
    }

    /// Parses `HH:MM` or `HH:MM:SS` (24-hour; `24:00` is the end of the day).
    public init?(parsing text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let h = Int(parts[0]), let m = Int(parts[1]) else { return nil }
        let s = parts.count == 3 ? Int(parts[2]) ?? -1 : 0
        self.init(hour: h, minute: m, second: s)
    }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool { lhs.secondsAfterMidnight < rhs.secondsAfterMidnight }

    public var description: String {
        let h = secondsAfterMidnight / 3600, m = secondsAfterMidnight / 60 % 60, s = secondsAfterMidnight % 60
        return s == 0 ? String(format: "%02d:%02d", h, m) : String(format: "%02d:%02d:%02d", h, m, s)
    }
}
