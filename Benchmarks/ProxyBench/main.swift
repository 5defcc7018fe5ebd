// ProxyBench: measures `gameday proxy` against socat and a direct connection on loopback, and how exactly its
// latency and bandwidth faults match what was asked. Peers (iperf3, sockperf, socat, the proxy) are started and
// stopped here; every loop is bounded. Prints one table of figures and ratios from a single run.
import Foundation
import GameDayCore
import NIOCore
import NIOPosix

// MARK: - Processes

/// A child process we started; stopped (TERM, then KILL) by its pid only.
final class Child: @unchecked Sendable {  // @unchecked: immutable after init; Process is only touched here.
    let process: Process
    let stdout: Pipe
    let name: String

    init(_ name: String, _ path: String, _ arguments: [String]) throws {
        self.name = name
        process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        Child.lock.lock()
        defer { Child.lock.unlock() }
        guard !Child.stopping else { exit(130) }
        try process.run()
        Child.all.append(self)
    }

    var pid: Int32 { process.processIdentifier }

    func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        for _ in 0..<50 where process.isRunning { usleep(100_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    nonisolated(unsafe) static var all: [Child] = []
    nonisolated(unsafe) static var stopping = false
    static let lock = NSLock()

    /// Interrupted: SIGKILL every child at once (no graceful wait); no child starts after this.
    static func killAll() {
        lock.lock()
        stopping = true
        let pids = all.map(\.pid)
        lock.unlock()
        for pid in pids { kill(pid, SIGKILL) }
    }

    /// Stops every child, newest first; no child starts after this.
    static func stopAll() {
        lock.lock()
        stopping = true
        let children = all
        lock.unlock()
        for child in children.reversed() { child.stop() }
    }
}

func which(_ tool: String) -> String {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(dir)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return "/usr/bin/\(tool)"
}

/// Runs a command to completion (bounded by `timeout` seconds) and returns its output.
func run(_ tool: String, _ arguments: [String], timeout: Double = 120) throws -> String {
    let path = NSTemporaryDirectory() + "proxybench-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out"
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let output = FileHandle(forWritingAtPath: path)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: which(tool))
    process.arguments = arguments
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { usleep(20_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    try? output?.close()
    return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ProxyBench: \(message)\n".utf8))
    Child.stopAll()
    exit(1)
}

// MARK: - Ports and sockets

func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

func connectTCP(_ port: Int, timeout: Int = 30) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var tv = timeval(tv_sec: timeout, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if result != 0 {
        close(fd)
        return -1
    }
    return fd
}

func waitForPort(_ port: Int, seconds: Double = 15) {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        let fd = connectTCP(port, timeout: 1)
        if fd >= 0 { close(fd); return }
        usleep(50_000)
    }
    fail("nothing listens on 127.0.0.1:\(port)")
}

// MARK: - The proxy's API

struct API {
    let base: String

    @discardableResult
    func call(_ method: String, _ path: String, _ body: String? = nil) -> String {
        var args = ["-sS", "-X", method, base + path, "-H", "Content-Type: application/json"]
        if let body { args += ["-d", body] }
        return (try? run("curl", args, timeout: 30)) ?? ""
    }

    func proxy(_ name: String, upstream: Int) -> Int {
        let reply = call("POST", "/proxies", #"{"name":"\#(name)","listen":"127.0.0.1:0","upstream":"127.0.0.1:\#(upstream)"}"#)
        guard let range = reply.range(of: #""listen":"127.0.0.1:"#),
              let port = Int(reply[range.upperBound...].prefix(while: \.isNumber)) else { fail("could not create proxy \(name): \(reply)") }
        return port
    }

    func metric(_ line: String) -> Double? {
        for row in call("GET", "/metrics").split(separator: "\n") where row.hasPrefix(line + " ") {
            return Double(row.split(separator: " ").last ?? "")
        }
        return nil
    }
}

func rssKB(_ pid: Int32, _ field: String) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }
    return -1
}

// MARK: - In-process peers (NIO)

final class HoldHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
}

final class EchoHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.writeAndFlush(data, promise: nil) }
}

final class SourceHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let bytes: Int
    init(bytes: Int) { self.bytes = bytes }
    func channelActive(context: ChannelHandlerContext) {
        let buffer = ByteBuffer(repeating: 0x42, count: bytes)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }
}

func serve(_ make: @escaping @Sendable () -> any ChannelHandler & Sendable) throws -> (Channel, Int) {
    let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.backlog, value: 8192)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(make()) }
        }
        .bind(host: "127.0.0.1", port: 0).wait()
    return (channel, channel.localAddress!.port!)
}

// MARK: - Measurements

struct Row {
    var name: String
    var values: [String]
}

func iperf(_ port: Int) -> Double {
    let output = (try? run("iperf3", ["-c", "127.0.0.1", "-p", String(port), "-t", "5", "-J"], timeout: 60)) ?? ""
    guard let data = output.data(using: .utf8),
          let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let end = json["end"] as? [String: Any], let received = end["sum_received"] as? [String: Any],
          let bps = received["bits_per_second"] as? Double else { fail("iperf3 through port \(port) failed: \(output.prefix(300))") }
    return bps / 8 / 1_000_000
}

func sockperf(_ port: Int) -> (p50: Double, p99: Double) {
    let output = (try? run("sockperf", ["pp", "--tcp", "-i", "127.0.0.1", "-p", String(port), "-t", "3"], timeout: 60)) ?? ""
    func percentile(_ label: String) -> Double? {
        for line in output.split(separator: "\n") where line.contains("percentile \(label) =") {
            return Double(line.split(separator: "=").last?.trimmingCharacters(in: .whitespaces) ?? "")
        }
        return nil
    }
    guard let p50 = percentile("50.000"), let p99 = percentile("99.000") else { fail("sockperf through port \(port) failed: \(output.suffix(300))") }
    return (p50, p99)
}

func pingPong(_ port: Int, count: Int) -> [Double] {
    let fd = connectTCP(port)
    guard fd >= 0 else { fail("cannot connect to \(port)") }
    defer { close(fd) }
    var samples: [Double] = []
    var byte: UInt8 = 0x61
    for _ in 0..<count {
        let start = DispatchTime.now().uptimeNanoseconds
        guard send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) == 1, recv(fd, &byte, 1, 0) == 1 else { fail("ping-pong through \(port) broke") }
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
    }
    return samples
}

/// Top-percentile definition (as the postmortem): drop the slowest (100-p)% and take the largest remaining.
func percentile(_ samples: [Double], _ p: Double) -> Double {
    let sorted = samples.sorted()
    let keep = max(1, Int((Double(sorted.count) * p / 100).rounded(.down)))
    return sorted[keep - 1]
}

func drain(_ port: Int) -> (bytes: Int, seconds: Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let fd = connectTCP(port)
    guard fd >= 0 else { fail("cannot connect to \(port)") }
    defer { close(fd) }
    var total = 0
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        total += n
    }
    return (total, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

// MARK: - Main

var arguments = CommandLine.arguments.dropFirst()
var gamedayPath = ".build-bench/release/gameday"
var idleCount = 10_000
while let arg = arguments.popFirst() {
    switch arg {
    case "--gameday": gamedayPath = arguments.popFirst() ?? gamedayPath
    case "--idle": idleCount = Int(arguments.popFirst() ?? "") ?? idleCount
    default: fail("unknown argument \(arg) (use --gameday PATH, --idle N)")
    }
}
signal(SIGPIPE, SIG_IGN)
// Stop the peers we started if we are interrupted (SIGINT/SIGTERM), so no iperf3/socat/proxy is left behind.
var stopSources: [DispatchSourceSignal] = []
for number in [SIGINT, SIGTERM] {
    signal(number, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
    source.setEventHandler {
        Child.killAll()
        exit(130)
    }
    source.resume()
    stopSources.append(source)
}

// Each proxied connection holds two descriptors in the proxy, and this process holds both of its peers' ends: the
// per-process hard limit (not raisable here without CAP_SYS_RESOURCE) can cap the idle count below the goal's 10,000.
var fileLimit = rlimit()
getrlimit(Int32(RLIMIT_NOFILE.rawValue), &fileLimit)
fileLimit.rlim_cur = fileLimit.rlim_max
setrlimit(Int32(RLIMIT_NOFILE.rawValue), &fileLimit)
let requestedIdle = idleCount
idleCount = min(idleCount, max(100, (Int(fileLimit.rlim_max) - 200) / 2))

let apiPort = freePort()
// The idle-connection test holds all its connections through one proxy: lift the per-proxy cap (4096 by default).
let gameday = try Child("gameday", gamedayPath, ["proxy", "--port", String(apiPort), "--seed", "1", "--log-level", "error",
                                                 "--max-connections", String(idleCount + 100)])
waitForPort(apiPort)
let api = API(base: "http://127.0.0.1:\(apiPort)")
let baselineRSS = rssKB(gameday.pid, "VmRSS")

// 1. Idle connections first, so the peak RSS is theirs and not the bulk tests' buffers.
let (holdServer, holdPort) = try serve { HoldHandler() }
let idleProxy = api.proxy("idle", upstream: holdPort)
var idleFDs: [Int32] = []
idleFDs.reserveCapacity(idleCount)
for _ in 0..<idleCount {
    let fd = connectTCP(idleProxy)
    if fd < 0 { break }
    idleFDs.append(fd)
}
var active = 0.0
let idleDeadline = Date().addingTimeInterval(60)
while Date() < idleDeadline {
    active = api.metric(#"gameday_proxy_active_connections{proxy="idle"}"#) ?? 0
    if Int(active) >= idleFDs.count { break }
    usleep(200_000)
}
usleep(500_000)
let idleRSS = rssKB(gameday.pid, "VmRSS")
let idlePeak = rssKB(gameday.pid, "VmHWM")
for fd in idleFDs { close(fd) }
try? holdServer.close().wait()

// 2. Bulk throughput.
let iperfPort = freePort()
_ = try Child("iperf3", which("iperf3"), ["-s", "-p", String(iperfPort)])
waitForPort(iperfPort)
let socatIperf = freePort()
_ = try Child("socat", which("socat"), ["TCP-LISTEN:\(socatIperf),bind=127.0.0.1,reuseaddr,fork", "TCP:127.0.0.1:\(iperfPort)"])
waitForPort(socatIperf)
let proxyIperf = api.proxy("iperf", upstream: iperfPort)
let directMBs = iperf(iperfPort)
let socatMBs = iperf(socatIperf)
let proxyMBs = iperf(proxyIperf)
let bulkPeak = rssKB(gameday.pid, "VmHWM")

// 3. Ping-pong latency.
let sockperfPort = freePort()
_ = try Child("sockperf", which("sockperf"), ["sr", "--tcp", "-i", "127.0.0.1", "-p", String(sockperfPort)])
waitForPort(sockperfPort)
let socatSockperf = freePort()
_ = try Child("socat", which("socat"), ["TCP-LISTEN:\(socatSockperf),bind=127.0.0.1,reuseaddr,fork,nodelay", "TCP:127.0.0.1:\(sockperfPort),nodelay"])
waitForPort(socatSockperf)
let proxySockperf = api.proxy("sockperf", upstream: sockperfPort)
// Three alternating rounds, median of each: load on a shared machine shifts between back-to-back runs.
var latencyRounds: [[(p50: Double, p99: Double)]] = [[], [], []]
for _ in 0..<3 {
    for (index, port) in [sockperfPort, socatSockperf, proxySockperf].enumerated() { latencyRounds[index].append(sockperf(port)) }
}
func median(_ rounds: [(p50: Double, p99: Double)]) -> (p50: Double, p99: Double) {
    (rounds.map(\.p50).sorted()[rounds.count / 2], rounds.map(\.p99).sorted()[rounds.count / 2])
}
let directLat = median(latencyRounds[0])
let socatLat = median(latencyRounds[1])
let proxyLat = median(latencyRounds[2])

// 4. Latency fault accuracy: 100 ms downstream; round trips through an echo server.
let (echoServer, echoPort) = try serve { EchoHandler() }
let latencyProxy = api.proxy("accuracy-latency", upstream: echoPort)
api.call("POST", "/proxies/accuracy-latency/toxics", #"{"type":"latency","attributes":{"latency":100}}"#)
let rtts = pingPong(latencyProxy, count: 100)
let rttP50 = percentile(rtts, 50)
let rttP99 = percentile(rtts, 99)
try? echoServer.close().wait()

// 5. Bandwidth fault accuracy: 1000 KB/s downstream; 5 MB from a source server.
let (sourceServer, sourcePort) = try serve { SourceHandler(bytes: 5_000_000) }
let bandwidthProxy = api.proxy("accuracy-bandwidth", upstream: sourcePort)
api.call("POST", "/proxies/accuracy-bandwidth/toxics", #"{"type":"bandwidth","attributes":{"rate":1000}}"#)
let (drained, seconds) = drain(bandwidthProxy)
let measuredKBs = Double(drained) / 1000 / seconds
try? sourceServer.close().wait()
let finalPeak = rssKB(gameday.pid, "VmHWM")

Child.stopAll()

// MARK: - Table

func f(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
print("")
print("gameday proxy benchmark (loopback, one run, release build, \(ProcessInfo.processInfo.activeProcessorCount) cores)")
print("")
print("| measure | direct | socat | gameday proxy | proxy/socat | goal | Toxiproxy (published) |")
print("|---|---|---|---|---|---|---|")
print("| bulk TCP stream, iperf3 (MB/s) | \(f(directMBs)) | \(f(socatMBs)) | \(f(proxyMBs)) | \(f(proxyMBs / socatMBs, 2))x | >= 1.2x socat | ~1000 MB/s |")
print("| ping-pong p50, sockperf (µs, one way; median of 3) | \(f(directLat.p50, 2)) | \(f(socatLat.p50, 2)) | \(f(proxyLat.p50, 2)) | \(f(proxyLat.p50 / socatLat.p50, 2))x | <= 1.0x socat | < 100 µs added |")
print("| ping-pong p99, sockperf (µs, one way; median of 3) | \(f(directLat.p99, 2)) | \(f(socatLat.p99, 2)) | \(f(proxyLat.p99, 2)) | \(f(proxyLat.p99 / socatLat.p99, 2))x | <= 1.0x socat | < 100 µs added |")
print("| added p50 over direct (µs) | – | \(f(socatLat.p50 - directLat.p50, 2)) | \(f(proxyLat.p50 - directLat.p50, 2)) | | | < 100 µs |")
print("| \(idleFDs.count) idle connections: RSS / peak RSS (MB) | – | – | \(f(Double(idleRSS) / 1024)) / \(f(Double(idlePeak) / 1024)) (baseline \(f(Double(baselineRSS) / 1024))) | | < 300 MB | |")
print("| latency 100 ms: round trip p50 / p99 (ms) | – | – | \(f(rttP50, 2)) / \(f(rttP99, 2)) (p99 off by \(f(abs(rttP99 - 100), 2))) | | p99 within 2 ms | |")
print("| bandwidth 1000 KB/s: measured (KB/s) | – | – | \(f(measuredKBs)) (\(f((measuredKBs - 1000) / 10, 2))%) | | within 3% | |")
print("")
print("idle connections through the proxy: \(Int(active)) of \(idleFDs.count) opened; proxy peak RSS after the bulk stream \(f(Double(bulkPeak) / 1024)) MB, over the whole run \(f(Double(finalPeak) / 1024)) MB")
if idleCount < requestedIdle {
    print("idle count capped at \(idleCount) (asked \(requestedIdle)): the open-file hard limit is \(fileLimit.rlim_max) per process and each proxied connection needs 2 in the proxy")
}
let perConnectionKB = Double(idleRSS - baselineRSS) / Double(max(1, idleFDs.count))
print("RSS per idle connection: \(f(perConnectionKB, 2)) KB -> \(f((Double(baselineRSS) + perConnectionKB * 10_000) / 1024)) MB projected at 10,000")
let ok = proxyMBs >= 1.2 * socatMBs && proxyLat.p50 <= socatLat.p50 && proxyLat.p99 <= socatLat.p99
    && idlePeak < 300 * 1024 && abs(rttP99 - 100) <= 2 && abs(measuredKBs - 1000) <= 30
print(ok ? "all goals met" : "some goals NOT met (see the goal column)")
