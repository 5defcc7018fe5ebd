import GameDayCore
import Testing

@Suite struct HostPortTests {
    /// The spellings plans, the proxy API and the scheduler configuration use all parse, IPv6 with or without brackets.
    @Test func parsesAddresses() throws {
        #expect(try HostPort(parsing: "127.0.0.1:8080") == HostPort(host: "127.0.0.1", port: 8080))
        #expect(try HostPort(parsing: "localhost:0") == HostPort(host: "localhost", port: 0))
        #expect(try HostPort(parsing: "[::1]:5432") == HostPort(host: "::1", port: 5432))
        #expect(try HostPort(parsing: "::1:5432") == HostPort(host: "::1", port: 5432))
        #expect(try HostPort(parsing: " db.internal:65535\n") == HostPort(host: "db.internal", port: 65535))
    }

    /// An empty host takes the default where there is one, and is an error where there is none.
    @Test func defaultHost() throws {
        #expect(try HostPort(parsing: ":9000", defaultHost: "127.0.0.1") == HostPort(host: "127.0.0.1", port: 9000))
        #expect(try HostPort(parsing: "[]:9000", defaultHost: "::1") == HostPort(host: "::1", port: 9000))
        #expect(throws: HostPortError.self) { try HostPort(parsing: ":9000") }
        #expect(HostPort.parse(":9000") == nil)
    }

    /// Each malformed address is refused with the problem named and the text quoted (the proxy API shows this).
    @Test(arguments: [
        ("localhost", HostPortError.Problem.noPort, "address \"localhost\" must be host:port"),
        ("host:", .invalidPort, "address \"host:\" has no valid port (0-65535)"),
        ("host:65536", .invalidPort, "address \"host:65536\" has no valid port (0-65535)"),
        ("host:-1", .invalidPort, "address \"host:-1\" has no valid port (0-65535)"),
        ("host:+80", .invalidPort, "address \"host:+80\" has no valid port (0-65535)"),
        ("host:80x", .invalidPort, "address \"host:80x\" has no valid port (0-65535)"),
        ("http://example.com:80", .invalidHost, "address \"http://example.com:80\" has an invalid host"),
        ("a b:80", .invalidHost, "address \"a b:80\" has an invalid host"),
        ("[::1:80", .invalidHost, "address \"[::1:80\" has an invalid host"),
        (":80", .noHost, "address \":80\" has no host"),
    ])
    func refusesMalformed(text: String, problem: HostPortError.Problem, message: String) {
        let error = #expect(throws: HostPortError.self) { try HostPort(parsing: text) }
        #expect(error?.problem == problem)
        #expect(error?.description == message)
        #expect(error?.text == text)
        #expect(HostPort.parse(text) == nil)
    }

    /// The description brackets an IPv6 host, so it can go into a URL and parses back to the same address.
    @Test func descriptionRoundTrips() throws {
        for address in [HostPort(host: "127.0.0.1", port: 80), HostPort(host: "::1", port: 443), HostPort(host: "[fe80::2]", port: 1)] {
            #expect(try HostPort(parsing: address.description) == address)
        }
        #expect(HostPort(host: "::1", port: 443).description == "[::1]:443")
        #expect(HostPort(host: "[::1]", port: 443).host == "::1")
        #expect(HostPort(host: "example.com", port: 80).description == "example.com:80")
    }

    /// Only loopback literals count as loopback; a name that merely starts like one does not.
    @Test func loopback() throws {
        #expect(try HostPort(parsing: "127.0.0.2:1").isLoopback)
        #expect(try HostPort(parsing: "[::1]:1").isLoopback)
        #expect(try HostPort(parsing: "localhost:1").isLoopback)
        #expect(try !HostPort(parsing: "0.0.0.0:1").isLoopback)
        #expect(try !HostPort(parsing: "127.example.com:1").isLoopback)
    }
}
