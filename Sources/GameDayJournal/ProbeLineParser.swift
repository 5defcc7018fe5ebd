import GameDayCore

/// A strict, allocation-light parser for `probe` lines, the bulk of every journal.
///
/// It accepts only what it fully understands: a flat object with the keys `JournalWriter` writes for a probe event,
/// no escapes in strings, integers where the model has integers. For anything else it returns nil and the caller
/// falls back to `JSONDecoder`, so it can make reading faster but never change what a line means.
enum ProbeLineParser {
    static func parse(_ line: UnsafeBufferPointer<UInt8>) -> JournalEvent? {
        var scanner = Scanner(bytes: line)
        return scanner.probeEvent()
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        private struct Seen: OptionSet {
            let rawValue: UInt16
            static let seq = Seen(rawValue: 1 << 0)
            static let t = Seen(rawValue: 1 << 1)
            static let wall = Seen(rawValue: 1 << 2)
            static let type = Seen(rawValue: 1 << 3)
            static let check = Seen(rawValue: 1 << 4)
            static let ok = Seen(rawValue: 1 << 5)
            static let ms = Seen(rawValue: 1 << 6)
            static let status = Seen(rawValue: 1 << 7)
            static let error = Seen(rawValue: 1 << 8)
            static let timings = Seen(rawValue: 1 << 9)
            static let value = Seen(rawValue: 1 << 10)
            static let slow = Seen(rawValue: 1 << 11)
            static let required: Seen = [.seq, .t, .wall, .type, .check, .ok]
        }

        mutating func probeEvent() -> JournalEvent? {
            guard consume(UInt8(ascii: "{")) else { return nil }
            var seen: Seen = []
            var seq = 0, t: Int64 = 0, wall: Int64 = 0
            var check = "", ok = false
            var ms: Double?, status: Int?, error: String?, timings: PhaseTimings?, value: Double?, slow: String?
            while true {
                guard let key = key(), consume(UInt8(ascii: ":")) else { return nil }
                let field: Seen
                switch key {
                case "seq":
                    guard let v = integer(), let s = Int(exactly: v) else { return nil }
                    seq = s; field = .seq
                case "t":
                    guard let v = integer() else { return nil }
                    t = v; field = .t
                case "wall":
                    guard let v = integer() else { return nil }
                    wall = v; field = .wall
                case "type":
                    guard let v = rawString(), v.elementsEqual("probe".utf8) else { return nil }
                    field = .type
                case "check":
                    guard let v = string() else { return nil }
                    check = v; field = .check
                case "ok":
                    guard let v = boolean() else { return nil }
                    ok = v; field = .ok
                case "ms":
                    if null() { ms = nil } else { guard let v = double() else { return nil }; ms = v }
                    field = .ms
                case "status":
                    if null() { status = nil } else {
                        guard let v = integer(), let s = Int(exactly: v) else { return nil }
                        status = s
                    }
                    field = .status
                case "error":
                    if null() { error = nil } else { guard let v = string() else { return nil }; error = v }
                    field = .error
                case "timings":
                    if null() { timings = nil } else { guard let v = phaseTimings() else { return nil }; timings = v }
                    field = .timings
                case "value":
                    if null() { value = nil } else { guard let v = double() else { return nil }; value = v }
                    field = .value
                case "slow":
                    if null() { slow = nil } else { guard let v = string() else { return nil }; slow = v }
                    field = .slow
                default:
                    return nil
                }
                guard !seen.contains(field) else { return nil }
                seen.insert(field)
                if consume(UInt8(ascii: ",")) { continue }
                guard consume(UInt8(ascii: "}")) else { return nil }
                break
            }
            skipWhitespace()
            guard i == bytes.count, seen.isSuperset(of: .required) else { return nil }
            let sample = ProbeSample(check: check, ok: ok, ms: ms, status: status, error: error, timings: timings,
                                     value: value, slow: slow)
            return JournalEvent(seq: seq, t: t, wall: wall, body: .probe(sample))
        }

        private mutating func phaseTimings() -> PhaseTimings? {
            guard consume(UInt8(ascii: "{")) else { return nil }
            var values: [Double?] = [nil, nil, nil, nil, nil]
            while true {
                guard let key = key(), consume(UInt8(ascii: ":")), let v = double() else { return nil }
                let slot: Int
                switch key {
                case "dns": slot = 0
                case "connect": slot = 1
                case "tls": slot = 2
                case "firstByte": slot = 3
                case "total": slot = 4
                default: return nil
                }
                guard values[slot] == nil else { return nil }
                values[slot] = v
                if consume(UInt8(ascii: ",")) { continue }
                guard consume(UInt8(ascii: "}")) else { return nil }
                break
            }
            guard let dns = values[0], let connect = values[1], let tls = values[2], let firstByte = values[3],
                  let total = values[4] else { return nil }
            return PhaseTimings(dns: dns, connect: connect, tls: tls, firstByte: firstByte, total: total)
        }

        // MARK: Tokens

        private mutating func skipWhitespace() {
            while i < bytes.count {
                let b = bytes[i]
                guard b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A else { return }
                i += 1
            }
        }

        private mutating func consume(_ byte: UInt8) -> Bool {
            skipWhitespace()
            guard i < bytes.count, bytes[i] == byte else { return false }
            i += 1
            return true
        }

        /// A key as a small string (keys of probe lines are short ASCII without escapes).
        private mutating func key() -> String? {
            guard let raw = rawString() else { return nil }
            return String(decoding: raw, as: UTF8.self)
        }

        /// The bytes between quotes; nil for escapes or control characters (left to the generic decoder).
        private mutating func rawString() -> UnsafeBufferPointer<UInt8>? {
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
            let start = i + 1
            var j = start
            while j < bytes.count {
                let b = bytes[j]
                if b == UInt8(ascii: "\"") {
                    i = j + 1
                    return UnsafeBufferPointer(rebasing: bytes[start..<j])
                }
                if b == UInt8(ascii: "\\") || b < 0x20 { return nil }
                j += 1
            }
            return nil
        }

        private mutating func string() -> String? {
            guard let raw = rawString() else { return nil }
            return String(validating: raw, as: UTF8.self)
        }

        private mutating func boolean() -> Bool? {
            if literal("true") { return true }
            if literal("false") { return false }
            return nil
        }

        private mutating func null() -> Bool { literal("null") }

        private mutating func literal(_ word: StaticString) -> Bool {
            skipWhitespace()
            let count = word.utf8CodeUnitCount
            guard bytes.count - i >= count else { return false }
            let w = UnsafeBufferPointer(start: word.utf8Start, count: count)
            for k in 0..<count where bytes[i + k] != w[k] { return false }
            i += count
            return true
        }

        /// A JSON integer (no fraction or exponent; those go to the generic decoder).
        private mutating func integer() -> Int64? {
            skipWhitespace()
            var j = i
            var negative = false
            if j < bytes.count, bytes[j] == UInt8(ascii: "-") { negative = true; j += 1 }
            let digitsStart = j
            var value: Int64 = 0
            while j < bytes.count, bytes[j] >= 0x30, bytes[j] <= 0x39 {
                let digit = Int64(bytes[j] - 0x30)
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = negative ? m.subtractingReportingOverflow(digit) : m.addingReportingOverflow(digit)
                guard !o1, !o2 else { return nil }
                value = s
                j += 1
            }
            let digits = j - digitsStart
            guard digits > 0, !(digits > 1 && bytes[digitsStart] == 0x30) else { return nil }
            if j < bytes.count {
                let b = bytes[j]
                if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") { return nil }
            }
            i = j
            return value
        }

        /// A JSON number as a Double, parsed by the standard library (correctly rounded, locale-free).
        private mutating func double() -> Double? {
            skipWhitespace()
            var j = i
            if j < bytes.count, bytes[j] == UInt8(ascii: "-") { j += 1 }
            let intStart = j
            while j < bytes.count, bytes[j] >= 0x30, bytes[j] <= 0x39 { j += 1 }
            let intDigits = j - intStart
            guard intDigits > 0, !(intDigits > 1 && bytes[intStart] == 0x30) else { return nil }
            if j < bytes.count, bytes[j] == UInt8(ascii: ".") {
                j += 1
                let fracStart = j
                while j < bytes.count, bytes[j] >= 0x30, bytes[j] <= 0x39 { j += 1 }
                guard j > fracStart else { return nil }
            }
            if j < bytes.count, bytes[j] == UInt8(ascii: "e") || bytes[j] == UInt8(ascii: "E") {
                j += 1
                if j < bytes.count, bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-") { j += 1 }
                let expStart = j
                while j < bytes.count, bytes[j] >= 0x30, bytes[j] <= 0x39 { j += 1 }
                guard j > expStart else { return nil }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<j]), as: UTF8.self)
            guard let value = Double(text), value.isFinite else { return nil }
            i = j
            return value
        }
    }
}
