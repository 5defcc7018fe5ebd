import Foundation

/// The built `gameday` executable the tests start: `$GAMEDAY_EXECUTABLE` when set, else the one next to the test
/// runner (`<scratch>/debug/gameday`; a few levels up covers bundle layouts).
public enum GameDayExecutable {
    public static var path: String {
        if let override = ProcessInfo.processInfo.environment["GAMEDAY_EXECUTABLE"], !override.isEmpty { return override }
        let runner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = runner.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("gameday").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return runner.deletingLastPathComponent().appendingPathComponent("gameday").path
    }

    /// The path, or an error saying how to build it.
    public static func require() throws -> String {
        let path = path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSupportError("the gameday executable is missing at \(path): build it first with "
                + "`swift build --build-tests` (or set GAMEDAY_EXECUTABLE)")
        }
        return path
    }
}

/// A test's setup failed (not the behaviour under test).
public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
