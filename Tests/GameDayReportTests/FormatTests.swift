import Testing
@testable import GameDayReport

@Suite struct FormatTests {
    /// Run offsets read `T+mm:ss.SSS`, with hours once past an hour.
    @Test func offsets() {
        #expect(Format.offset(0) == "T+00:00.000")
        #expect(Format.offset(12_345) == "T+00:12.345")
        #expect(Format.offset(61_001) == "T+01:01.001")
        #expect(Format.offset(3_723_004) == "T+1:02:03.004")
        #expect(Format.offset(-1_500) == "T-00:01.500")
    }

    /// Wall clocks are UTC, computed without a calendar or time zone database.
    @Test func wallClock() {
        #expect(Format.clock(1_795_484_246_123) == "01:37:26.123")
        #expect(Format.dateTime(1_795_484_246_123) == "2026-11-24 01:37:26.123 UTC")
        #expect(Format.dateTime(0) == "1970-01-01 00:00:00.000 UTC")
        #expect(Format.dateTime(951_782_400_000) == "2000-02-29 00:00:00.000 UTC")
        #expect(Format.dateTime(-1) == "1969-12-31 23:59:59.999 UTC")
    }

    /// Numbers are fixed-point and locale-free.
    @Test func numbers() {
        #expect(Format.percent(99.5) == "99.50%")
        #expect(Format.percent(100) == "100%")
        #expect(Format.percent(0) == "0%")
        #expect(Format.percent(99.999) == "100.00%")
        #expect(Format.milliseconds(12.25) == "12.3 ms")
        #expect(Format.milliseconds(0.04) == "0.0 ms")
        #expect(Format.count(1_000_000) == "1,000,000")
        #expect(Format.count(999) == "999")
        #expect(Format.span(2_496) == "2.496s")
    }

    /// Cells and code spans survive pipes, newlines and backticks.
    @Test func escaping() {
        #expect(Format.cell("a|b\nc") == "a\\|b c")
        #expect(Format.code("kill -CONT 1") == "`kill -CONT 1`")
        #expect(Format.code("echo `x`") == "`` echo `x` ``")
    }
}
