import Foundation
import GameDayCore
import Testing
@testable import GameDayCalendar

@Suite struct BusinessCalendarTests {
    let everyDay: Set<Weekday> = Set(Weekday.allCases)

    /// Berlin springs forward on 2027-03-28: the window keeps its local hours and its UTC offset changes.
    @Test func berlinSpringForward() {
        let calendar = Fixture.calendar(workdays: everyDay)
        let before = calendar.window(on: Fixture.day("2027-03-27"))
        #expect(before.start == Fixture.utc("2027-03-27T08:00:00Z"))
        #expect(before.end == Fixture.utc("2027-03-27T14:00:00Z"))
        let after = calendar.window(on: Fixture.day("2027-03-28"))
        #expect(after.start == Fixture.utc("2027-03-28T07:00:00Z"))
        #expect(after.end == Fixture.utc("2027-03-28T13:00:00Z"))
        #expect(calendar.format(after.start) == "2027-03-28 09:00 +02:00")
        #expect(calendar.format(before.start) == "2027-03-27 09:00 +01:00")
        // A window across the change is an hour short.
        let night = Fixture.calendar(workdays: everyDay, hours: ("01:00", "04:00")).window(on: Fixture.day("2027-03-28"))
        #expect(night.length == 2 * 3600)
    }

    /// Berlin falls back on 2027-10-31: a window across the change is an hour longer, and 02:30 means the first one.
    @Test func berlinFallBack() {
        let calendar = Fixture.calendar(workdays: everyDay)
        #expect(calendar.window(on: Fixture.day("2027-10-30")).start == Fixture.utc("2027-10-30T07:00:00Z"))
        #expect(calendar.window(on: Fixture.day("2027-10-31")).start == Fixture.utc("2027-10-31T08:00:00Z"))
        #expect(calendar.format(Fixture.utc("2027-10-31T08:00:00Z")) == "2027-10-31 09:00 +01:00")
        let night = Fixture.calendar(workdays: everyDay, hours: ("01:00", "04:00")).window(on: Fixture.day("2027-10-31"))
        #expect(night.length == 4 * 3600)
        #expect(calendar.instant(Fixture.day("2027-10-31"), Fixture.time("02:30")) == Fixture.utc("2027-10-31T00:30:00Z"))
    }

    /// New York springs forward on 2027-03-14: 09:00 is 14:00Z before and 13:00Z after; 02:30 does not exist.
    @Test func newYorkSpringForward() {
        let calendar = Fixture.calendar("America/New_York", workdays: everyDay)
        #expect(calendar.window(on: Fixture.day("2027-03-13")).start == Fixture.utc("2027-03-13T14:00:00Z"))
        #expect(calendar.window(on: Fixture.day("2027-03-14")).start == Fixture.utc("2027-03-14T13:00:00Z"))
        #expect(calendar.format(Fixture.utc("2027-03-14T13:00:00Z")) == "2027-03-14 09:00 -04:00")
        // The skipped 02:30 maps to 03:30 EDT.
        #expect(calendar.instant(Fixture.day("2027-03-14"), Fixture.time("02:30")) == Fixture.utc("2027-03-14T07:30:00Z"))
        #expect(calendar.localDate(of: Fixture.utc("2027-03-15T03:59:00Z")) == Fixture.day("2027-03-14"))
        #expect(calendar.localDate(of: Fixture.utc("2027-03-15T04:00:00Z")) == Fixture.day("2027-03-15"))
    }

    /// Weekends and holidays are excluded with their reason; workdays are eligible.
    @Test func workdaysAndHolidays() {
        let calendar = Fixture.calendar(holidays: ["2026-12-24", "2026-12-25"])
        #expect(calendar.status(of: Fixture.day("2026-12-24")) == .excluded(.holiday))
        #expect(calendar.status(of: Fixture.day("2026-12-26")) == .excluded(.notWorkday(.sat)))
        #expect(calendar.status(of: Fixture.day("2026-12-23")).window != nil)
        #expect(!calendar.isBusinessDay(Fixture.day("2026-12-25")))
    }

    /// Range blackouts include both ends and carry their reason.
    @Test func rangeBlackouts() {
        let calendar = Fixture.calendar(blackouts: [.range(from: Fixture.day("2026-12-20"), to: Fixture.day("2027-01-04"), reason: "year-end freeze")])
        #expect(calendar.status(of: Fixture.day("2026-12-21")) == .excluded(.blackout("year-end freeze")))
        #expect(calendar.status(of: Fixture.day("2027-01-04")) == .excluded(.blackout("year-end freeze")))
        #expect(calendar.status(of: Fixture.day("2027-01-05")).window != nil)
        #expect(calendar.status(of: Fixture.day("2026-12-18")).window != nil)
    }

    /// The quarter rule blacks out the last N business days, skipping weekends and holidays when counting.
    @Test func quarterClose() {
        let rule = Blackout.lastBusinessDaysOfQuarter(count: 3, reason: "quarter close")
        let calendar = Fixture.calendar(blackouts: [rule])
        // Q1 2027 ends on Wednesday 31 March: Mon 29, Tue 30, Wed 31 are out; Fri 26 is in.
        for d in ["2027-03-29", "2027-03-30", "2027-03-31"] {
            #expect(calendar.status(of: Fixture.day(d)) == .excluded(.blackout("quarter close")), "\(d)")
        }
        #expect(calendar.status(of: Fixture.day("2027-03-26")).window != nil)
        #expect(calendar.status(of: Fixture.day("2027-04-01")).window != nil)
        // With a holiday on the 30th, the three are Fri 26, Mon 29, Wed 31.
        let withHoliday = Fixture.calendar(holidays: ["2027-03-30"], blackouts: [rule])
        #expect(withHoliday.status(of: Fixture.day("2027-03-26")) == .excluded(.blackout("quarter close")))
        #expect(withHoliday.status(of: Fixture.day("2027-03-30")) == .excluded(.holiday))
        #expect(withHoliday.status(of: Fixture.day("2027-03-25")).window != nil)
        // Q4 2026 ends on Thursday 31 December.
        #expect(calendar.status(of: Fixture.day("2026-12-29")) == .excluded(.blackout("quarter close")))
        #expect(calendar.status(of: Fixture.day("2026-12-28")).window != nil)
    }

    /// Minimum gaps count business days only: weekends and holidays do not count.
    @Test func businessDayGaps() {
        let calendar = Fixture.calendar(holidays: ["2027-03-17"])
        let monday = Fixture.day("2027-03-15")
        #expect(!calendar.businessDays(atLeast: 2, after: monday, upTo: Fixture.day("2027-03-16")))
        // Tue 16 is one, Wed 17 is a holiday, Thu 18 is two.
        #expect(!calendar.businessDays(atLeast: 2, after: monday, upTo: Fixture.day("2027-03-17")))
        #expect(calendar.businessDays(atLeast: 2, after: monday, upTo: Fixture.day("2027-03-18")))
        // Friday to Monday is one business day.
        #expect(!calendar.businessDays(atLeast: 2, after: Fixture.day("2027-03-19"), upTo: Fixture.day("2027-03-22")))
        #expect(calendar.businessDays(atLeast: 0, after: monday, upTo: monday))
        #expect(!calendar.businessDays(atLeast: 1, after: monday, upTo: monday))
    }
}
