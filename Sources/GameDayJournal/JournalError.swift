import Foundation

/// Why a journal or run directory could not be opened, written or read.
public enum JournalError: Error, Equatable, CustomStringConvertible, LocalizedError {
    case cannotOpen(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case syncFailed(path: String, reason: String)
    case closed(path: String)
    case readFailed(path: String, reason: String)
    case cannotCreateRunDirectory(path: String, reason: String)
    case invalidPlanName(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open journal \(path): \(reason); check that the directory exists and is writable"
        case .writeFailed(let path, let reason):
            return "cannot write to journal \(path): \(reason); check free disk space and permissions"
        case .syncFailed(let path, let reason):
            return "cannot flush journal \(path) to disk (fsync): \(reason); the last event may not be durable"
        case .closed(let path):
            return "journal \(path) is already closed; open a new JournalWriter to append"
        case .readFailed(let path, let reason):
            return "cannot read journal \(path): \(reason); check the run directory path"
        case .cannotCreateRunDirectory(let path, let reason):
            return "cannot create run directory \(path): \(reason); check --runs-dir and its permissions"
        case .invalidPlanName(let name):
            return "plan name '\(name)' cannot name a run directory; use lowercase letters, digits and '-'"
        }
    }

    public var errorDescription: String? { description }
}
