/// The gameday version, reported by `gameday --version` and written into every journal.
public enum GameDayVersion {
    public static let current = "0.1.0"
}
