// The daemon's API is stated in the calendar's types (a `ScheduleConfiguration` in, `DecisionStatus`es out), so
// importing the daemon brings them along, for its own files and for its clients.
@_exported import GameDayCalendar
