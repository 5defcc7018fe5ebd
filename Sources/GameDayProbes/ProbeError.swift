import GameDayCore

/// Why the probe runner could not start or keep running. Single failed probes are not errors: they are samples.
public enum ProbeError: Error, Equatable, CustomStringConvertible {
    /// A check's settings cannot be probed (e.g. a zero interval); fix the plan's `health` entry.
    case invalidCheck(check: String, reason: String)
    /// libcurl failed in a way no single probe explains (out of memory, broken installation).
    case curl(String)

    public var description: String {
        switch self {
        case let .invalidCheck(check, reason):
            "health check \"\(check)\": \(reason); fix it under `health:` in the plan"
        case let .curl(detail):
            "the HTTP/TCP probe loop failed: \(detail); check that libcurl (libcurl4) is installed and memory is available"
        }
    }
}
