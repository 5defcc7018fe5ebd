import Foundation
import GameDayCore
import Testing
@testable import GameDayCalendar

@Suite struct CivilDateTests {
    /// Ordinals and dates convert both ways across leap years and centuries.
    @Test func ordinalRoundTrip() {
        for ordinal in stride(from: -700_000, through: 2_900_000, by: 997) {
            let date = CivilDate(ordinal: ordinal)
            #expect(date.ordinal == ordinal)
            #expect(CivilDate(year: date.year, month: date.month, day: date.day) == date)
        }
        #expect(Fixture.day("1970-01-01").ordinal == 0)
        #expect(Fixture.day("2000-03-01").ordinal - Fixture.day("2000-02-28").ordinal == 2)
        #expect(Fixture.day("1900-03-01").ordinal - Fixture.day("1900-02-28").ordinal == 1)
    }

    /// Weekdays match the real calendar (2027-03-28 is a Sunday, 2026-12-24 a Thursday).
    @Test func weekdays() {
        #expect(Fixture.day("2027-03-28").weekday == .sun)
        #expect(Fixture.day("2026-12-24").weekday == .thu)
        #expect(Fixture.day("1970-01-01").weekday == .thu)
        #expect(Fixture.day("2027-03-29").weekday == .mon)
    }

    /// Only real YYYY-MM-DD dates parse.
    @Test func parsing() {
        #expect(CivilDate(parsing: "2027-02-29") == nil)
        #expect(CivilDate(parsing: "2028-02-29") != nil)
        #expect(CivilDate(parsing: "2027-3-1") == nil)
        #expect(CivilDate(parsing: "27-03-01") == nil)
        #expect(CivilDate(parsing: "２０２７-03-01") == nil)
        #expect(CivilDate(parsing: "") == nil)
        #expect(Fixture.day("2027-03-31").endOfQuarter == Fixture.day("2027-03-31"))
        #expect(Fixture.day("2027-11-05").endOfQuarter == Fixture.day("2027-12-31"))
        #expect(TimeOfDay(parsing: "24:00") != nil && TimeOfDay(parsing: "24:01") == nil && TimeOfDay(parsing: "9:00") == nil)
        #expect(TimeOfDay(parsing: "09:00:30")?.secondsAfterMidnight == 9 * 3600 + 30)
    }
}
