import Foundation
import GameDayCalendar
import Logging

/// Which store a configuration names: the SQLite `state` file (the default) or a shared PostgreSQL database
/// (`store:` in the configuration, or `--store`).
public enum ScheduleStoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// `store` (a PostgreSQL URL) when given, else the configuration's SQLite state file.
    public init(configuration: ScheduleConfiguration) throws {
        if let url = configuration.store {
            self = .postgres(try PostgresLocation(parsing: url))
        } else {
            self = .sqlite(path: configuration.state)
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let location): return location.description
        }
    }

    /// Whether replicas share it (and so elect a leader).
    public var isShared: Bool { if case .postgres = self { return true } else { return false } }

    /// Opens (creating and migrating) the store for the lifetime of `body`.
    public func withStore<Result: Sendable>(logger: Logger, _ body: @Sendable (any ScheduleStoring) async throws -> Result) async throws -> Result {
        switch self {
        case .sqlite(let path):
            return try await body(try ScheduleStore(path: path))
        case .postgres(let location):
            return try await PostgresScheduleStore.withStore(location, logger: logger) { try await body($0) }
        }
    }
}
