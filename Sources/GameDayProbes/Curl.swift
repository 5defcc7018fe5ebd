import CCurl
import Foundation
import GameDayCore

/// Typed helpers over the CCurl shim, shared by the HTTP and TCP probes. Every function runs on the probe thread.
enum Curl {
    /// An easy handle (`CURL *`).
    typealias Easy = UnsafeMutableRawPointer

    static func set(_ easy: Easy, _ option: CURLoption, _ value: Int, _ name: String) throws {
        try check(ccurl_easy_setopt_long(easy, option, value), name)
    }

    static func set(_ easy: Easy, _ option: CURLoption, _ value: String, _ name: String) throws {
        try check(ccurl_easy_setopt_string(easy, option, value), name)
    }

    /// Stores `index` as the handle's CURLOPT_PRIVATE, so a finished transfer maps back to its check.
    static func tag(_ easy: Easy, index: Int) throws {
        try check(ccurl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, UnsafeMutableRawPointer(bitPattern: index + 1)), "CURLOPT_PRIVATE")
    }

    /// The check index stored by ``tag(_:index:)``, or nil for a handle we did not tag.
    static func index(of easy: Easy) -> Int? {
        var pointer: UnsafeMutableRawPointer?
        guard ccurl_easy_getinfo_private(easy, &pointer) == CURLE_OK, let pointer else { return nil }
        return Int(bitPattern: pointer) - 1
    }

    /// A CURLINFO_*_TIME_T value (microseconds from the start of the transfer) in milliseconds.
    static func milliseconds(_ easy: Easy, _ info: CURLINFO) -> Double {
        var value: curl_off_t = 0
        guard ccurl_easy_getinfo_off_t(easy, info, &value) == CURLE_OK else { return 0 }
        return Double(value) / 1000
    }

    static func long(_ easy: Easy, _ info: CURLINFO) -> Int {
        var value = 0
        guard ccurl_easy_getinfo_long(easy, info, &value) == CURLE_OK else { return 0 }
        return value
    }

    private static func check(_ code: CURLcode, _ name: String) throws {
        guard code == CURLE_OK else {
            throw ProbeError.curl("libcurl rejected \(name): \(String(cString: curl_easy_strerror(code)))")
        }
    }

    /// The options every probe handle shares: no signals (we are one thread among many), no proxies from the
    /// environment (a probe measures the path to the service, not a corporate proxy), one deadline for the whole probe.
    static func setCommonOptions(_ easy: Easy, timeout: TimeSpan, protocols: String) throws {
        try set(easy, CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        try set(easy, CURLOPT_TIMEOUT_MS, Int(timeout.milliseconds), "CURLOPT_TIMEOUT_MS")
        try set(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(timeout.milliseconds), "CURLOPT_CONNECTTIMEOUT_MS")
        try set(easy, CURLOPT_PROXY, "", "CURLOPT_PROXY")
        try set(easy, CURLOPT_PROTOCOLS_STR, protocols, "CURLOPT_PROTOCOLS_STR")
        // No DNS cache: a name is resolved afresh by every probe, so a DNS fault shows in the very next sample.
        try set(easy, CURLOPT_DNS_CACHE_TIMEOUT, 0, "CURLOPT_DNS_CACHE_TIMEOUT")
        // A new connection per probe: each sample then sees DNS, connect and TLS as a new client would.
        try set(easy, CURLOPT_FRESH_CONNECT, 1, "CURLOPT_FRESH_CONNECT")
        try set(easy, CURLOPT_FORBID_REUSE, 1, "CURLOPT_FORBID_REUSE")
    }

    /// A human-readable reason for a transfer that failed before a usable response arrived.
    static func describeFailure(code: CURLcode, osErrno: Int, detail: String, host: String, timeout: TimeSpan) -> String {
        let detail = detail.trimmingCharacters(in: .whitespacesAndNewlines)
        let fallback = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return "timed out after \(timeout)"
        case CURLE_COULDNT_RESOLVE_HOST:
            return "could not resolve host \(host)"
        case CURLE_COULDNT_CONNECT:
            switch Int32(osErrno) {
            case ECONNREFUSED: return "connection refused"
            case EHOSTUNREACH: return "no route to host \(host)"
            case ENETUNREACH: return "network unreachable for \(host)"
            case ETIMEDOUT: return "timed out after \(timeout)"
            default: return "could not connect to \(host): \(fallback)"
            }
        case CURLE_GOT_NOTHING:
            return "the server closed the connection without a response"
        case CURLE_RECV_ERROR:
            return Int32(osErrno) == ECONNRESET ? "connection reset by the server" : "error reading the response: \(fallback)"
        case CURLE_SEND_ERROR:
            return Int32(osErrno) == ECONNRESET ? "connection reset by the server" : "error sending the request: \(fallback)"
        case CURLE_URL_MALFORMAT:
            return "invalid URL: \(fallback)"
        case CURLE_UNSUPPORTED_PROTOCOL:
            return "unsupported URL scheme (use http or https): \(fallback)"
        case CURLE_PEER_FAILED_VERIFICATION:
            return "TLS certificate not trusted: \(fallback)"
        case CURLE_SSL_CONNECT_ERROR:
            return "TLS handshake failed: \(fallback)"
        case CURLE_TOO_MANY_REDIRECTS:
            return "too many redirects"
        case CURLE_WEIRD_SERVER_REPLY:
            return "invalid HTTP response: \(fallback)"
        default:
            return fallback
        }
    }
}
