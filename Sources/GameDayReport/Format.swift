import GameDayCore

/// Text formatting for the postmortem: pure, locale-free and deterministic.
public enum Format {
    /// `T+mm:ss.SSS` (or `T+h:mm:ss.SSS` past an hour) for a run offset in milliseconds.
    public static func offset(_ ms: Int64) -> String {
        let sign = ms < 0 ? "-" : "+"
        let v = ms.magnitude
        let h = v / 3_600_000, m = v / 60_000 % 60, s = v / 1000 % 60, milli = v % 1000
        let clock = h > 0 ? "\(h):\(pad(m, 2)):\(pad(s, 2))" : "\(pad(m, 2)):\(pad(s, 2))"
        return "T\(sign)\(clock).\(pad(milli, 3))"
    }

    /// `HH:mm:ss.SSS` in UTC for a Unix time in milliseconds.
    public static func clock(_ wall: Int64) -> String {
        let (_, time) = split(wall)
        return "\(pad(time.h, 2)):\(pad(time.m, 2)):\(pad(time.s, 2)).\(pad(time.ms, 3))"
    }

    /// `yyyy-MM-dd HH:mm:ss.SSS UTC` for a Unix time in milliseconds.
    public static func dateTime(_ wall: Int64) -> String {
        let (date, _) = split(wall)
        return "\(pad(UInt64(max(0, date.y)), 4))-\(pad(date.m, 2))-\(pad(date.d, 2)) \(clock(wall)) UTC"
    }

    /// A duration as plans spell it (`850ms`, `3.1s`, `1m30s`).
    public static func span(_ ms: Int64) -> String { TimeSpan(milliseconds: ms).description }

    /// `99.25%`, with `100%` and `0%` exact.
    public static func percent(_ value: Double) -> String {
        if value >= 100 { return "100%" }
        if value <= 0 { return "0%" }
        return fixed(value, decimals: 2) + "%"
    }

    /// `12.3 ms`.
    public static func milliseconds(_ value: Double) -> String { fixed(value, decimals: 1) + " ms" }

    /// `1,000,000`.
    public static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return value < 0 ? "-" + out : out
    }

    /// A value safe inside a Markdown table cell: one line, `|` escaped.
    public static func cell(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "|": out += "\\|"
            case "\n", "\r", "\r\n": out += " "
            default: out.append(c)
            }
        }
        return out
    }

    /// Inline code that survives any content: backticks in the text get a longer fence.
    public static func code(_ text: String) -> String {
        let flat = cell(text)
        var longest = 0, run = 0
        for c in flat { if c == "`" { run += 1; longest = max(longest, run) } else { run = 0 } }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = flat.hasPrefix("`") || flat.hasSuffix("`") ? " " : ""
        return fence + pad + flat + pad + fence
    }

    /// A fixed-point number without Foundation's locale-dependent formatting.
    static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf") }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value.magnitude * scale).rounded()
        guard scaled < 9e18 else { return String(value) }
        let n = UInt64(scaled)
        let whole = n / UInt64(scale)
        let fraction = n % UInt64(scale)
        let sign = value < 0 && n > 0 ? "-" : ""
        return decimals == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(pad(fraction, decimals))"
    }

    static func pad<T: BinaryInteger>(_ value: T, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// Civil date and time in UTC (proleptic Gregorian).
    private static func split(_ wall: Int64) -> (date: (y: Int64, m: Int64, d: Int64), time: (h: Int64, m: Int64, s: Int64, ms: Int64)) {
        let msPerDay: Int64 = 86_400_000
        var days = wall / msPerDay
        var rest = wall % msPerDay
        if rest < 0 { rest += msPerDay; days -= 1 }
        let date = CivilDate(ordinal: Int(days))
        return ((Int64(date.year), Int64(date.month), Int64(date.day)), (rest / 3_600_000, rest / 60_000 % 60, rest / 1000 % 60, rest % 1000))
    }
}
