import GameDayTestSupport

/// The calendar's test constructors, shared with the scheduler's tests (GameDayTestSupport/ScheduleFixture.swift).
typealias Fixture = ScheduleFixture
