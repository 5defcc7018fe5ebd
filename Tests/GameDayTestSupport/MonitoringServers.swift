import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A real Prometheus or Alertmanager (Debian's `prometheus` / `prometheus-alertmanager`) started by a test on a free
/// loopback port, with its configuration and data in a temporary directory; ``stop()`` kills it (only the pid it
/// started) and removes the directory. Alertmanager gets `--cluster.listen-address=` so it binds nothing else.
///
/// `@unchecked Sendable`: `process` is configured before it starts and afterwards only signalled and waited on.
public final class MonitoringServer: @unchecked Sendable {
    public enum Kind: Sendable { case prometheus, alertmanager }

    public let kind: Kind
    public let port: Int
    public let directory: String
    private let process = Process()

    public var url: String { "http://127.0.0.1:\(port)" }

    /// The binary for `kind`, or nil when the package is not installed.
    public static func binary(_ kind: Kind) -> String? {
        let path = kind == .prometheus ? "/usr/bin/prometheus" : "/usr/bin/prometheus-alertmanager"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Starts the server with `configuration` (YAML; `rules` become `rules.yml` beside it) and waits until it is ready.
    public init(_ kind: Kind, configuration: String, rules: String? = nil, name: String) async throws {
        guard let binary = Self.binary(kind) else {
            throw TestSupportError("\(kind) is not installed: run `make deps` as root (apt-get install prometheus prometheus-alertmanager)")
        }
        self.kind = kind
        port = try freeLoopbackPort()
        directory = try temporaryDirectory(name)
        do {
            try configuration.write(toFile: directory + "/config.yml", atomically: true, encoding: .utf8)
            if let rules { try rules.write(toFile: directory + "/rules.yml", atomically: true, encoding: .utf8) }
            var arguments = ["--config.file=\(directory)/config.yml", "--web.listen-address=127.0.0.1:\(port)"]
            switch kind {
            case .prometheus:
                arguments += ["--storage.tsdb.path=\(directory)/data", "--log.level=warn"]
            case .alertmanager:
                arguments += ["--storage.path=\(directory)/data", "--cluster.listen-address=", "--log.level=warn"]
            }
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            FileManager.default.createFile(atPath: directory + "/log.txt", contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/log.txt"))
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            try process.run()
            try? log.close()
            let ready = await eventually(timeout: .seconds(30), every: .milliseconds(100)) { [url, process] in
                guard process.isRunning else { return true }
                return Self.get(url + "/-/ready")?.status == 200
            }
            guard ready, process.isRunning else {
                throw TestSupportError("\(kind) did not become ready on \(url): \(logTail())")
            }
        } catch {
            stop()
            throw error
        }
    }

    /// The last lines the server logged, for failure messages.
    public func logTail() -> String {
        let text = (try? String(contentsOfFile: directory + "/log.txt", encoding: .utf8)) ?? ""
        return String(text.suffix(2000))
    }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its directory. Safe to call twice.
    public func stop() {
        if process.processIdentifier > 0, process.isRunning {
            let pid = process.processIdentifier
            kill(pid, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning, Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(pid, SIGKILL); process.waitUntilExit() }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Suspends (SIGSTOP) or resumes (SIGCONT) the server: the "monitoring is down" fault.
    public func signal(_ number: Int32) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, number)
    }

    /// A blocking GET on loopback (curl, already a test dependency): status and body, or nil when nothing answered.
    public static func get(_ url: String) -> (status: Int, body: String)? {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-s", "--max-time", "2", "-w", "\n%{http_code}", url]
        let out = Pipe()
        curl.standardOutput = out
        curl.standardError = FileHandle.nullDevice
        guard (try? curl.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.lastIndex(of: "\n"), let status = Int(text[text.index(after: split)...]), status > 0 else { return nil }
        return (status, String(text[..<split]))
    }
}
