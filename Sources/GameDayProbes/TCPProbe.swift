import CCurl
import Foundation
import GameDayCore

/// One TCP connect check, run through libcurl's CONNECT_ONLY mode so it shares the HTTP checks' multi loop (and its
/// asynchronous DNS) instead of needing a thread or a blocking connect.
///
/// A connect-only transfer keeps its socket open in the easy handle, so each probe gets a new handle that is cleaned
/// up (closing the socket) as soon as the probe finishes. Confined to the probe thread.
final class TCPProbe {
    let name: String
    let timeout: TimeSpan
    private let index: Int
    private let host: String
    private let url: String
    private var easy: Curl.Easy?

    init(index: Int, spec: HealthCheckSpec, host: String, port: Int) {
        self.index = index
        name = spec.name
        timeout = spec.timeout
        let address = HostPort(host: host, port: port)
        self.host = address.host
        // The description brackets an IPv6 literal, as a URL needs.
        url = "http://\(address)/"
    }

    /// Starts one connect attempt. Returns a failure sample if it cannot even start.
    func start(multi: UnsafeMutableRawPointer) -> ProbeSample? {
        guard let easy = curl_easy_init() else {
            return ProbeSample(check: name, ok: false, ms: nil, error: "could not start the probe: out of memory")
        }
        do {
            try Curl.tag(easy, index: index)
            try Curl.setCommonOptions(easy, timeout: timeout, protocols: "http")
            try Curl.set(easy, CURLOPT_CONNECT_ONLY, 1, "CURLOPT_CONNECT_ONLY")
            try Curl.set(easy, CURLOPT_URL, url, "CURLOPT_URL")
        } catch {
            curl_easy_cleanup(easy)
            return ProbeSample(check: name, ok: false, ms: nil, error: "could not start the probe: \(error)")
        }
        let code = curl_multi_add_handle(multi, easy)
        guard code == CURLM_OK else {
            curl_easy_cleanup(easy)
            return ProbeSample(check: name, ok: false, ms: nil,
                               error: "could not start the probe: \(String(cString: curl_multi_strerror(code)))")
        }
        self.easy = easy
        return nil
    }

    /// Judges the finished connect attempt and closes its socket.
    func finish(multi: UnsafeMutableRawPointer, result: CURLcode) -> ProbeSample {
        guard let easy else {
            return ProbeSample(check: name, ok: false, ms: nil, error: "internal error: no connect attempt in flight")
        }
        defer { close(multi: multi) }
        guard result == CURLE_OK else {
            let error = Curl.describeFailure(code: result, osErrno: Curl.long(easy, CURLINFO_OS_ERRNO), detail: "",
                                             host: host, timeout: timeout)
            return ProbeSample(check: name, ok: false, ms: nil, error: error)
        }
        return ProbeSample(check: name, ok: true, ms: Curl.milliseconds(easy, CURLINFO_CONNECT_TIME_T))
    }

    /// Abandons any attempt in flight and closes its socket.
    func close(multi: UnsafeMutableRawPointer) {
        guard let easy else { return }
        curl_multi_remove_handle(multi, easy)
        curl_easy_cleanup(easy)
        self.easy = nil
    }
}
