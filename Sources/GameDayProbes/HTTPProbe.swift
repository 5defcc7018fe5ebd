import CCurl
import Foundation
import GameDayCore

/// One HTTP check's libcurl easy handle, set up once and re-added to the multi handle at each slot.
///
/// Confined to the probe thread: created, started, finished and closed only there.
final class HTTPProbe {
    let name: String
    let check: HTTPCheck
    let timeout: TimeSpan
    private let easy: Curl.Easy
    private let capture: UnsafeMutablePointer<ccurl_capture>
    private var headers: UnsafeMutablePointer<curl_slist>?
    private let host: String
    private let needle: [UInt8]?
    private var inFlight = false

    /// - Parameter bodyCapacity: bytes of body to keep for a caller that reads it (``completedBody``); by default
    ///   the body is kept only for `bodyContains`.
    init(index: Int, spec: HealthCheckSpec, check: HTTPCheck, configuration: ProbeRunner.Configuration,
         bodyCapacity: Int? = nil) throws {
        name = spec.name
        self.check = check
        timeout = spec.timeout
        host = URLComponents(string: check.url)?.host ?? check.url
        needle = check.bodyContains.map { Array($0.utf8) }
        guard let easy = curl_easy_init() else { throw ProbeError.curl("curl_easy_init failed (out of memory?)") }
        // Only keep a body when something will read it.
        let capacity = bodyCapacity ?? (check.bodyContains == nil ? 0 : max(configuration.maxBodyBytes, 1))
        guard let capture = ccurl_capture_create(capacity) else {
            curl_easy_cleanup(easy)
            throw ProbeError.curl("could not allocate a \(capacity)-byte response buffer")
        }
        self.easy = easy
        self.capture = capture
        do {
            try configure(index: index, configuration: configuration)
        } catch {
            release()
            throw error
        }
    }

    private func configure(index: Int, configuration: ProbeRunner.Configuration) throws {
        try Curl.tag(easy, index: index)
        try Curl.setCommonOptions(easy, timeout: timeout, protocols: "http,https")
        guard ccurl_easy_attach_capture(easy, capture) == CURLE_OK else {
            throw ProbeError.curl("libcurl rejected the response capture callbacks")
        }
        try Curl.set(easy, CURLOPT_URL, check.url, "CURLOPT_URL")
        try Curl.set(easy, CURLOPT_USERAGENT, configuration.userAgent, "CURLOPT_USERAGENT")
        if configuration.followRedirects {
            try Curl.set(easy, CURLOPT_FOLLOWLOCATION, 1, "CURLOPT_FOLLOWLOCATION")
            try Curl.set(easy, CURLOPT_MAXREDIRS, 5, "CURLOPT_MAXREDIRS")
            try Curl.set(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https", "CURLOPT_REDIR_PROTOCOLS_STR")
        } else {
            try Curl.set(easy, CURLOPT_FOLLOWLOCATION, 0, "CURLOPT_FOLLOWLOCATION")
        }
        switch check.method.uppercased() {
        case "GET":
            try Curl.set(easy, CURLOPT_HTTPGET, 1, "CURLOPT_HTTPGET")
        case "HEAD":
            try Curl.set(easy, CURLOPT_NOBODY, 1, "CURLOPT_NOBODY")
        case let method:
            if ["POST", "PUT", "PATCH"].contains(method) {
                // An explicit empty body: without one libcurl would read the request body from stdin.
                try Curl.set(easy, CURLOPT_COPYPOSTFIELDS, "", "CURLOPT_COPYPOSTFIELDS")
            }
            try Curl.set(easy, CURLOPT_CUSTOMREQUEST, method, "CURLOPT_CUSTOMREQUEST")
        }
        for (name, value) in check.headers.sorted(by: { $0.key < $1.key }) {
            guard let list = curl_slist_append(headers, "\(name): \(value)") else {
                throw ProbeError.curl("could not allocate the header list")
            }
            headers = list
        }
        if let headers {
            guard ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headers) == CURLE_OK else {
                throw ProbeError.curl("libcurl rejected CURLOPT_HTTPHEADER")
            }
        }
    }

    /// Adds the handle to `multi` for one probe. Returns a failure sample if libcurl refuses it.
    func start(multi: UnsafeMutableRawPointer) -> ProbeSample? {
        ccurl_capture_reset(capture)
        let code = curl_multi_add_handle(multi, easy)
        guard code == CURLM_OK else {
            return ProbeSample(check: name, ok: false, ms: nil,
                               error: "could not start the probe: \(String(cString: curl_multi_strerror(code)))")
        }
        inFlight = true
        return nil
    }

    /// Takes the finished transfer out of `multi` and judges it.
    func finish(multi: UnsafeMutableRawPointer, result: CURLcode) -> ProbeSample {
        curl_multi_remove_handle(multi, easy)
        inFlight = false
        let status = Curl.long(easy, CURLINFO_RESPONSE_CODE)
        guard result == CURLE_OK else {
            let detail = withUnsafeBytes(of: capture.pointee.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let error = Curl.describeFailure(code: result, osErrno: Curl.long(easy, CURLINFO_OS_ERRNO), detail: detail,
                                             host: host, timeout: timeout)
            return ProbeSample(check: name, ok: false, ms: nil, status: status > 0 ? status : nil, error: error)
        }
        let timings = self.timings()
        return ProbeSample(check: name, ok: judge(status: status) == nil, ms: timings.total, status: status,
                           error: judge(status: status), timings: timings)
    }

    /// The body of the finished transfer (at most the capacity given at init) and whether more arrived than was kept.
    /// Valid after ``finish(multi:result:)`` until the next ``start(multi:)``.
    var completedBody: (bytes: [UInt8], truncated: Bool) {
        let c = capture.pointee
        let bytes = c.body.map { Array(UnsafeRawBufferPointer(start: $0, count: c.length)) } ?? []
        return (bytes, c.received > c.length)
    }

    /// Why a completed response is unhealthy, or nil when it is healthy.
    private func judge(status: Int) -> String? {
        let accepted = check.expectStatus.isEmpty ? (200...299).contains(status) : check.expectStatus.contains(status)
        guard accepted else {
            let expected = check.expectStatus.isEmpty ? "2xx" : "[" + check.expectStatus.map(String.init).joined(separator: ", ") + "]"
            return "status \(status) not in \(expected)"
        }
        if let needle, let text = check.bodyContains {
            let found = needle.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { ccurl_capture_contains(capture, $0.baseAddress, $0.count) != 0 }
            }
            if !found {
                let truncated = capture.pointee.received > capture.pointee.capacity
                return "body does not contain \"\(text)\"" + (truncated ? " (searched the first \(capture.pointee.capacity) bytes)" : "")
            }
        }
        return nil
    }

    /// Cumulative phase ends in milliseconds; a plain-HTTP probe has no TLS phase, so its TLS end is its connect end,
    /// which keeps dns <= connect <= tls <= firstByte <= total for every sample.
    private func timings() -> PhaseTimings {
        let dns = Curl.milliseconds(easy, CURLINFO_NAMELOOKUP_TIME_T)
        let connect = max(dns, Curl.milliseconds(easy, CURLINFO_CONNECT_TIME_T))
        let appConnect = Curl.milliseconds(easy, CURLINFO_APPCONNECT_TIME_T)
        let tls = max(connect, appConnect)
        let firstByte = max(tls, Curl.milliseconds(easy, CURLINFO_STARTTRANSFER_TIME_T))
        let total = max(firstByte, Curl.milliseconds(easy, CURLINFO_TOTAL_TIME_T))
        return PhaseTimings(dns: dns, connect: connect, tls: tls, firstByte: firstByte, total: total)
    }

    /// Abandons any transfer in flight and frees the handle, header list and buffer.
    func close(multi: UnsafeMutableRawPointer) {
        if inFlight {
            curl_multi_remove_handle(multi, easy)
            inFlight = false
        }
        release()
    }

    private func release() {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headers)
        headers = nil
        ccurl_capture_destroy(capture)
    }
}
