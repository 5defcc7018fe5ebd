/// What went wrong while configuring, starting or running the demo fleet, and what to do about it.
public enum DemoFleetError: Error, Equatable, CustomStringConvertible {
    case invalidURL(String, reason: String)
    case invalidConfiguration(String)
    case directoryUnusable(path: String, reason: String)
    case noFreePort(reason: String)
    case serverFailedToStart(component: String, reason: String)
    case spawnFailed(executable: String, reason: String)
    case notReady(waited: Duration, detail: String)
    case pidFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason):
            return "invalid URL '\(url)': \(reason); use the form http://127.0.0.1:PORT"
        case .invalidConfiguration(let message):
            return "invalid demo fleet configuration: \(message)"
        case .directoryUnusable(let path, let reason):
            return "cannot use directory '\(path)' for pid files and logs: \(reason); pass a writable directory"
        case .noFreePort(let reason):
            return "could not find a free loopback port: \(reason); pass an explicit base port"
        case .serverFailedToStart(let component, let reason):
            return "the demo \(component) did not start: \(reason); is the port already in use? Try another base port or 0"
        case .spawnFailed(let executable, let reason):
            return "could not start '\(executable)': \(reason); pass the path of the built gameday executable"
        case .notReady(let waited, let detail):
            return "the demo fleet was not ready after \(waited): \(detail); see the replica logs in the fleet directory"
        case .pidFile(let path, let reason):
            return "pid file '\(path)': \(reason)"
        }
    }
}
