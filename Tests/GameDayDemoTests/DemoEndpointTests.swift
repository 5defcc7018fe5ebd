import GameDayDemo
import Testing

@Suite struct DemoEndpointTests {
    /// Host, port and an optional path prefix are parsed; request paths go under the prefix.
    @Test func parsesHTTPURLs() throws {
        let plain = try DemoEndpoint(url: "http://127.0.0.1:8080")
        #expect(plain == DemoEndpoint(host: "127.0.0.1", port: 8080))
        #expect(plain.requestPath("/pay") == "/pay")
        #expect(plain.url == "http://127.0.0.1:8080")
        let prefixed = try DemoEndpoint(url: "http://localhost:9000/payments/")
        #expect(prefixed.pathPrefix == "/payments")
        #expect(prefixed.requestPath("/pay") == "/payments/pay")
    }

    /// Anything but http://host:port[/prefix] is refused with the reason.
    @Test(arguments: [
        ("not a url at all", "only http://"),
        ("https://127.0.0.1:443", "only http://"),
        ("http://127.0.0.1", "explicit port"),
        ("http://:80", "no host"),
        ("http://127.0.0.1:0", "explicit port"),
        ("http://127.0.0.1:80/?x=1", "query"),
        ("127.0.0.1:80", "invalid URL '127.0.0.1:80'"),
    ])
    func rejectsOtherURLs(url: String, reason: String) {
        do {
            _ = try DemoEndpoint(url: url)
            Issue.record("'\(url)' was accepted")
        } catch {
            #expect("\(error)".contains(reason), "error for '\(url)': \(error)")
        }
    }
}
