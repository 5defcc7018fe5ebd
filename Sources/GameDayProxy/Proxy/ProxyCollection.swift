import Foundation
import GameDayCore
import Logging
import NIOCore
import Prometheus

/// Every proxy of a daemon, with the Toxiproxy API's semantics: what each route does, its JSON and its errors.
///
/// An actor: API requests are applied one at a time, so each sees and leaves a consistent set of proxies.
public actor ProxyCollection {
    private enum State {
        case running
        case shutDown
    }

    private var proxies: [String: TCPProxy] = [:]
    private var state = State.running
    private let seed: UInt64
    private let group: any EventLoopGroup
    private let registry: ToxicRegistry
    private let metrics: PrometheusCollectorRegistry
    private let limits: ProxyLimits
    private let allowRemoteListen: Bool
    private let logger: Logger

    /// - Parameters:
    ///   - seed: drives toxicity and jitter draws (the same seed and connection order give the same faults).
    ///   - group: event loops for listeners and connections.
    ///   - metrics: where per-proxy counters are registered.
    ///   - limits: caps on proxies, toxics, names and connections.
    ///   - allowRemoteListen: whether API requests may put listeners on non-loopback addresses.
    public init(seed: UInt64, group: any EventLoopGroup, metrics: PrometheusCollectorRegistry,
                registry: ToxicRegistry = .standard, limits: ProxyLimits = ProxyLimits(), allowRemoteListen: Bool = false,
                logger: Logger) {
        self.seed = seed
        self.group = group
        self.metrics = metrics
        self.registry = registry
        self.limits = limits
        self.allowRemoteListen = allowRemoteListen
        self.logger = logger
    }

    private func proxy(_ name: String) throws(APIError) -> TCPProxy {
        guard let proxy = proxies[name] else { throw APIError.proxyNotFound }
        return proxy
    }

    private func ensureRunning() throws(APIError) {
        guard case .running = state else { throw APIError(status: 503, "the proxy daemon is shutting down") }
    }

    // MARK: Proxies

    /// `GET /proxies`: every proxy by name.
    public func list() -> JSONValue {
        .object(proxies.mapValues(\.json))
    }

    /// The resolved listen address of a proxy.
    public func listenAddress(of name: String) throws(APIError) -> String { try proxy(name).listen }

    /// Live connections of a proxy (for tests and metrics).
    public func connectionCount(of name: String) throws(APIError) -> Int { try proxy(name).connectionCount }

    /// `POST /proxies`: creates and (unless `enabled: false`) starts a proxy. 201 with the proxy.
    ///
    /// - Parameter fromOwner: the operator's own definition (a plan's proxy, a `--config` file), which may listen
    ///   on any address; API requests (false) may listen on loopback only unless `allowRemoteListen`.
    public func create(_ body: [String: JSONValue], fromOwner: Bool = false) async throws(APIError) -> JSONValue {
        try ensureRunning()
        let definition = try ProxyDefinition(body, position: nil, maxNameLength: limits.maxNameLength)
        guard proxies[definition.name] == nil else { throw APIError.proxyAlreadyExists }
        if !fromOwner { try checkListen(definition.listen) }
        guard proxies.count < limits.maxProxies else { throw APIError.tooManyProxies(limits.maxProxies) }
        let proxy = makeProxy(definition)
        if definition.enabled { try await start(proxy) }
        proxies[definition.name] = proxy
        return proxy.json
    }

    /// `POST /populate`: creates or replaces several proxies; all are validated before any is touched.
    /// `fromOwner` as for `create`.
    public func populate(_ body: JSONValue, fromOwner: Bool = false) async -> (status: Int, body: JSONValue) {
        var applied: [JSONValue] = []
        do throws(APIError) {
            try ensureRunning()
            guard case .array(let items) = body else { throw APIError.badRequestBody("expected a JSON array of proxies") }
            var definitions: [ProxyDefinition] = []
            var names = Set<String>()
            for (index, item) in items.enumerated() {
                guard case .object(let object) = item else {
                    throw APIError.badRequestBody("proxy \(index + 1) must be an object")
                }
                let definition = try ProxyDefinition(object, position: index + 1, maxNameLength: limits.maxNameLength)
                guard names.insert(definition.name).inserted else {
                    throw APIError.badRequestBody("duplicate proxy name \"\(definition.name)\"")
                }
                if !fromOwner { try checkListen(definition.listen) }
                definitions.append(definition)
            }
            let added = definitions.filter { proxies[$0.name] == nil }.count
            guard proxies.count + added <= limits.maxProxies else { throw APIError.tooManyProxies(limits.maxProxies) }
            for definition in definitions {
                if let existing = proxies[definition.name] {
                    if existing.upstream == definition.upstream, existing.listen == definition.listen {
                        if definition.enabled != existing.enabled {
                            if definition.enabled { try await start(existing) } else { await existing.stop() }
                        }
                        applied.append(existing.json)
                        continue
                    }
                    await existing.stop()
                    proxies[definition.name] = nil
                }
                let proxy = makeProxy(definition)
                if definition.enabled { try await start(proxy) }
                proxies[definition.name] = proxy
                applied.append(proxy.json)
            }
            return (201, .object(["proxies": .array(applied)]))
        } catch {
            return (error.status, .object([
                "error": .string(error.message), "status": .number(Double(error.status)), "proxies": .array(applied),
            ]))
        }
    }

    /// `GET /proxies/{name}`.
    public func show(_ name: String) throws(APIError) -> JSONValue { try proxy(name).json }

    /// `POST|PATCH /proxies/{name}`: partial update of `listen`, `upstream`, `enabled`.
    public func update(_ name: String, _ body: [String: JSONValue]) async throws(APIError) -> JSONValue {
        try ensureRunning()
        let proxy = try proxy(name)
        let listen = try JSONBody.string(body, "listen")
        let upstream = try JSONBody.string(body, "upstream")
        let enabled = try JSONBody.bool(body, "enabled") ?? proxy.enabled
        if let listen {
            try ProxyDefinition.validateAddress(listen, field: "listen")
            try checkListen(listen)
        }
        if let upstream { try ProxyDefinition.validateAddress(upstream, field: "upstream") }
        let moved = (listen.map { $0 != proxy.listen } ?? false) || (upstream.map { $0 != proxy.upstream } ?? false)
        if moved || !enabled { await proxy.stop() }
        if let listen { proxy.setListen(listen) }
        if let upstream { proxy.setUpstream(upstream) }
        if enabled { try await start(proxy) }
        return proxy.json
    }

    /// `DELETE /proxies/{name}`.
    public func delete(_ name: String) async throws(APIError) {
        let proxy = try proxy(name)
        proxies[name] = nil
        await proxy.stop()
    }

    /// `POST /reset`: enables every proxy and removes every toxic.
    public func reset() async throws(APIError) {
        for proxy in proxies.values.sorted(by: { $0.name < $1.name }) {
            var toxics = proxy.currentToxics()
            while let last = toxics.popLast() {
                proxy.changeToxics(toxics, change: .remove(name: last.name))
            }
            if !proxy.enabled { try await start(proxy) }
        }
    }

    // MARK: Toxics

    /// `GET /proxies/{name}/toxics`.
    public func toxics(_ proxyName: String) throws(APIError) -> JSONValue {
        .array(try proxy(proxyName).currentToxics().map(\.json))
    }

    /// `POST /proxies/{name}/toxics`: adds a toxic to the proxy and every live connection. 200 with the toxic.
    public func createToxic(_ proxyName: String, _ body: [String: JSONValue]) throws(APIError) -> JSONValue {
        try ensureRunning()
        let proxy = try proxy(proxyName)
        let typeName = try JSONBody.string(body, "type") ?? ""
        guard let type = registry.type(named: typeName) else {
            throw APIError.invalidToxicType(typeName, known: registry.typeNames)
        }
        let stream: ToxicStream
        let fixed = (type as? any FixedStreamToxic.Type)?.stream
        if let text = try JSONBody.string(body, "stream") {
            guard let parsed = ToxicStream(rawValue: text) else { throw APIError.invalidStream }
            if let fixed, parsed != fixed {
                throw APIError.badRequestBody("\(typeName) toxics act on the \(fixed.rawValue) stream only")
            }
            stream = parsed
        } else {
            stream = fixed ?? .downstream
        }
        let toxicity = try Self.toxicity(body, default: 1)
        let name = try JSONBody.string(body, "name").flatMap { $0.isEmpty ? nil : $0 } ?? "\(typeName)_\(stream.rawValue)"
        try ProxyDefinition.validateName(name, kind: "toxic", maxLength: limits.maxNameLength)
        var toxics = proxy.currentToxics()
        guard !toxics.contains(where: { $0.name == name }) else { throw APIError.toxicAlreadyExists }
        guard toxics.count < limits.maxToxicsPerProxy else {
            throw APIError.tooManyToxics(proxy: proxyName, limits.maxToxicsPerProxy)
        }
        let toxic: any Toxic
        do {
            toxic = try type.init(attributes: ToxicAttributes(try JSONBody.attributes(body) ?? [:]))
        } catch let error as ToxicAttributeError {
            throw APIError.badRequestBody(error.message)
        } catch {
            throw APIError.badRequestBody("\(error)")
        }
        let spec = ToxicSpec(name: name, stream: stream, toxicity: toxicity, toxic: toxic)
        toxics.append(spec)
        proxy.changeToxics(toxics, change: .add(spec))
        logger.info("toxic added", metadata: ["proxy": "\(proxyName)", "toxic": "\(name)", "type": "\(typeName)"])
        return spec.json
    }

    /// `GET /proxies/{name}/toxics/{toxic}`.
    public func showToxic(_ proxyName: String, _ toxicName: String) throws(APIError) -> JSONValue {
        guard let spec = try proxy(proxyName).currentToxics().first(where: { $0.name == toxicName }) else {
            throw APIError.toxicNotFound
        }
        return spec.json
    }

    /// `POST|PATCH /proxies/{name}/toxics/{toxic}`: partial update of `attributes` and `toxicity`; live connections
    /// switch to the new configuration without losing data in flight.
    public func updateToxic(_ proxyName: String, _ toxicName: String, _ body: [String: JSONValue]) throws(APIError) -> JSONValue {
        try ensureRunning()
        let proxy = try proxy(proxyName)
        var toxics = proxy.currentToxics()
        guard let index = toxics.firstIndex(where: { $0.name == toxicName }) else { throw APIError.toxicNotFound }
        var spec = toxics[index]
        spec.toxicity = try Self.toxicity(body, default: spec.toxicity)
        if let patch = try JSONBody.attributes(body) {
            let merged = spec.toxic.attributes.merging(patch) { _, new in new }
            do {
                spec.toxic = try type(of: spec.toxic).init(attributes: ToxicAttributes(merged))
            } catch let error as ToxicAttributeError {
                throw APIError.badRequestBody(error.message)
            } catch {
                throw APIError.badRequestBody("\(error)")
            }
        }
        spec.revision += 1
        toxics[index] = spec
        proxy.changeToxics(toxics, change: .update(spec))
        logger.info("toxic updated", metadata: ["proxy": "\(proxyName)", "toxic": "\(toxicName)"])
        return spec.json
    }

    /// `DELETE /proxies/{name}/toxics/{toxic}`: removes the toxic; what it held is forwarded.
    public func deleteToxic(_ proxyName: String, _ toxicName: String) throws(APIError) {
        let proxy = try proxy(proxyName)
        var toxics = proxy.currentToxics()
        guard let index = toxics.firstIndex(where: { $0.name == toxicName }) else { throw APIError.toxicNotFound }
        toxics.remove(at: index)
        proxy.changeToxics(toxics, change: .remove(name: toxicName))
        logger.info("toxic removed", metadata: ["proxy": "\(proxyName)", "toxic": "\(toxicName)"])
    }

    // MARK: Lifecycle

    /// Stops every proxy and refuses further changes.
    public func shutdown() async {
        state = .shutDown
        for proxy in proxies.values { await proxy.stop() }
    }

    private func makeProxy(_ definition: ProxyDefinition) -> TCPProxy {
        TCPProxy(name: definition.name, listen: definition.listen, upstream: definition.upstream, seed: seed,
                 group: group, metrics: ProxyMetrics(registry: metrics, proxy: definition.name),
                 maxConnections: limits.maxConnectionsPerProxy, logger: logger)
    }

    /// New listeners stay on loopback unless the daemon was started with `--allow-remote-listen`: an API caller
    /// must not be able to expose a proxy (and what it reaches) to the network.
    private func checkListen(_ listen: String) throws(APIError) {
        guard !allowRemoteListen else { return }
        guard let address = try? HostPort(parsing: listen, defaultHost: "127.0.0.1"), !address.isLoopback else { return }
        throw APIError(status: 403, "listen address \(listen) is not loopback: new listeners stay on loopback (127.0.0.1, ::1, localhost) unless the daemon is started with --allow-remote-listen")
    }

    private func start(_ proxy: TCPProxy) async throws(APIError) {
        do {
            try await proxy.start()
        } catch {
            throw APIError(status: 500, "listen tcp \(proxy.listen): \(Self.describe(error))")
        }
    }

    private static func describe(_ error: Error) -> String {
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        return "\(error)"
    }

    private static func toxicity(_ body: [String: JSONValue], default value: Double) throws(APIError) -> Double {
        guard let toxicity = try JSONBody.number(body, "toxicity") else { return value }
        guard (0...1).contains(toxicity) else {
            throw APIError.badRequestBody("field \"toxicity\" must be between 0 and 1, got \(toxicity)")
        }
        return toxicity
    }
}

/// A proxy as given to `POST /proxies`, `POST /populate` or a `--config` file.
struct ProxyDefinition: Sendable {
    var name: String
    var listen: String
    var upstream: String
    var enabled: Bool

    init(_ object: [String: JSONValue], position: Int?, maxNameLength: Int) throws(APIError) {
        let suffix = position.map { " at proxy \($0)" } ?? ""
        guard let name = try JSONBody.string(object, "name"), !name.isEmpty else { throw APIError.missingField("name\(suffix)") }
        guard let upstream = try JSONBody.string(object, "upstream"), !upstream.isEmpty else {
            throw APIError.missingField("upstream\(suffix)")
        }
        try Self.validateName(name, kind: "proxy", maxLength: maxNameLength)
        let listen = try JSONBody.string(object, "listen").flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1:0"
        let enabled = try JSONBody.bool(object, "enabled") ?? true
        try Self.validateAddress(listen, field: "listen")
        try Self.validateAddress(upstream, field: "upstream")
        self.name = name; self.listen = listen; self.upstream = upstream; self.enabled = enabled
    }

    /// Names go into URLs, logs and metric labels: 1...maxLength characters of `A-Z a-z 0-9 . _ -`.
    static func validateName(_ name: String, kind: String, maxLength: Int) throws(APIError) {
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_" || scalar == "-")
        }
        guard !name.isEmpty, name.count <= maxLength, allowed else {
            let shown = name.count > 60 ? "\(name.prefix(60))…" : name
            throw APIError.badRequestBody("\(kind) name \"\(shown)\" (\(name.count) characters) must be 1-\(maxLength) characters of letters, digits, '.', '_' and '-'")
        }
    }

    static func validateAddress(_ text: String, field: String) throws(APIError) {
        do {
            _ = try HostPort(parsing: text, defaultHost: "127.0.0.1")
        } catch {
            throw APIError.badRequestBody("field \"\(field)\": \(error)")
        }
    }
}
