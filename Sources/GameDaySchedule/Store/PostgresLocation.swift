import Foundation

/// Where a PostgreSQL scheduler store lives: `postgres://USER@HOST:PORT/DATABASE[?sslmode=disable|prefer|require]`.
///
/// The password never comes from the URL (it would show in `ps`, shell history and unit files): it comes from
/// `PGPASSWORD`, else from the password file (`PGPASSFILE`, else `~/.pgpass`, the format libpq reads; ignored unless
/// only its owner can read it), else none (trust or peer authentication).
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable { case disable, prefer, require }

    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode

    public init(user: String, host: String, port: Int = 5432, database: String, tls: TLSMode = .prefer) {
        self.user = user; self.host = host; self.port = port; self.database = database; self.tls = tls
    }

    /// The URL without any secret.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// Whether `text` names a PostgreSQL store (rather than a SQLite file path).
    public static func isPostgresURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a store URL; every mistake is a message that says how to write it.
    public init(parsing text: String) throws {
        let usage = "write it as postgres://USER@HOST:PORT/DATABASE"
        guard Self.isPostgresURL(text), let components = URLComponents(string: text) else {
            throw ScheduleStoreError(message: "'\(Self.redacted(text))' is not a PostgreSQL store URL: \(usage)")
        }
        if components.password != nil || components.percentEncodedPassword != nil {
            throw ScheduleStoreError(message: "the store URL \(Self.redacted(text)) holds a password; passwords never go on the command line or in the configuration. Remove it and set PGPASSWORD in the daemon's environment, or put it in ~/.pgpass (mode 0600)")
        }
        guard let user = components.user, !user.isEmpty else {
            throw ScheduleStoreError(message: "the store URL \(text) names no user: \(usage)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw ScheduleStoreError(message: "the store URL \(text) names no host: \(usage)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw ScheduleStoreError(message: "the store URL \(text) names no database: \(usage)")
        }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode", let value = item.value, let mode = TLSMode(rawValue: value) else {
                throw ScheduleStoreError(message: "the store URL \(text) has an unknown option '\(item.name)=\(item.value ?? "")': only sslmode=disable|prefer|require is understood")
            }
            tls = mode
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw ScheduleStoreError(message: "the store URL \(text) has port \(port), outside 1-65535") }
        self.init(user: user.removingPercentEncoding ?? user, host: host, port: port,
                  database: database.removingPercentEncoding ?? database, tls: tls)
    }

    /// The password to log in with: `PGPASSWORD`, else the first matching line of the password file, else nil.
    public func password(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        if let password = environment["PGPASSWORD"], !password.isEmpty { return password }
        let file = environment["PGPASSFILE"]
            ?? environment["HOME"].map { URL(fileURLWithPath: $0).appendingPathComponent(".pgpass").path }
        guard let file, FileManager.default.fileExists(atPath: file) else { return nil }
        var info = stat()
        if stat(file, &info) == 0, info.st_mode & 0o077 != 0 {
            throw ScheduleStoreError(message: "the password file \(file) can be read by others (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 \(file)")
        }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw ScheduleStoreError(message: "cannot read the password file \(file)")
        }
        return Self.match(passfile: text, host: host, port: port, database: database, user: user)
    }

    /// The password of the first line of a `.pgpass` text matching host, port, database and user (`*` matches any;
    /// `\:` and `\\` are escapes), as libpq reads it.
    static func match(passfile text: String, host: String, port: Int, database: String, user: String) -> String? {
        for line in text.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("#") { continue }
            var fields: [String] = [""]
            var escaped = false
            for character in line {
                if escaped { fields[fields.count - 1].append(character); escaped = false }
                else if character == "\\" { escaped = true }
                else if character == ":" && fields.count < 5 { fields.append("") }
                else { fields[fields.count - 1].append(character) }
            }
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    /// `text` with anything between `://user:` and `@` replaced, for messages.
    static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@") else { return text }
        let userInfo = text[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}
