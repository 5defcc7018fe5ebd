import Foundation
import GameDayCore
import Testing
@testable import GameDayJournal

@Suite struct ProbeLineParserTests {
    /// The fast probe parser agrees with JSONDecoder where it answers, and declines what it does not fully handle.
    @Test func probeFastPathAgreesWithDecoder() throws {
        let accepted = [
            #"{"check":"web","ms":12.5,"ok":true,"seq":1,"status":200,"t":5,"type":"probe","wall":17}"#,
            #"{ "seq" : 2 , "t" : -3 , "wall" : 0 , "type" : "probe" , "check" : "wéb" , "ok" : false , "ms" : null , "error" : "refused" }"#,
            #"{"check":"web","ms":1e2,"ok":true,"seq":3,"t":5,"timings":{"connect":0.5,"dns":0,"firstByte":9.25,"tls":0,"total":10},"type":"probe","wall":17}"#,
            #"{"check":"web","ms":0.1,"ok":true,"seq":4,"t":9223372036854775807,"type":"probe","wall":-9223372036854775808}"#,
            #"{"check":"ratio","ms":3.5,"ok":false,"error":"value 0.5 is not below 0.01","seq":5,"status":200,"t":5,"type":"probe","value":0.5,"wall":17}"#,
            #"{"check":"web","ms":334.2,"ok":true,"seq":6,"slow":"slow: 334 ms > 200 ms","status":200,"t":5,"type":"probe","wall":17}"#,
        ]
        for line in accepted {
            let fast = line.utf8CString.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: UInt8.self) { ProbeLineParser.parse(UnsafeBufferPointer(rebasing: $0.dropLast())) }
            }
            let reference = try JSONDecoder().decode(JournalEvent.self, from: Data(line.utf8))
            #expect(fast == reference, "\(line)")
        }
        let declined = [
            #"{"check":"w\"eb","ok":true,"seq":1,"t":5,"type":"probe","wall":17}"#,
            #"{"check":"web","ok":true,"seq":1,"t":5,"type":"probe","wall":17,"extra":1}"#,
            #"{"check":"web","ok":true,"seq":1,"t":5.5,"type":"probe","wall":17}"#,
            #"{"check":"web","ok":true,"seq":1,"seq":2,"t":5,"type":"probe","wall":17}"#,
            #"{"check":"web","ok":true,"seq":1,"t":5,"type":"phase","wall":17}"#,
            #"{"check":"web","ok":true,"seq":1,"t":5,"type":"probe"}"#,
            #"{"check":"web","ok":true,"seq":01,"t":5,"type":"probe","wall":17}"#,
            #"{"check":"web","ok":true,"seq":1,"t":5,"type":"probe","wall":17} x"#,
            #"{"check":"web","ok":true,"seq":1,"t":99999999999999999999,"type":"probe","wall":17}"#,
            #"{"check":"web","ok":true,"seq":1,"t":5,"type":"probe","wall":1"#,
        ]
        for line in declined {
            let fast = line.utf8CString.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: UInt8.self) { ProbeLineParser.parse(UnsafeBufferPointer(rebasing: $0.dropLast())) }
            }
            #expect(fast == nil, "\(line)")
        }
        // Declined lines that are valid still read through the generic decoder.
        let contents = JournalReader.decode(Data((declined[0] + "\n" + declined[1] + "\n").utf8))
        #expect(contents.events.count == 2)
        #expect(contents.events.first?.body == .probe(ProbeSample(check: "w\"eb", ok: true, ms: nil)))
    }

    /// Probe lines as the writer encodes them (Prometheus values and slow reasons included), with arbitrary doubles,
    /// parse back to exactly the same event.
    @Test func writerOutputRoundTripsExactly() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var generator = SeededGenerator(seed: 99)
        for i in 0..<2_000 {
            let r = Double(generator.next() % 1_000_000_007) / 1_000_003
            let timings = i % 3 == 0 ? PhaseTimings(dns: r / 7, connect: r / 5, tls: 0, firstByte: r / 2, total: r) : nil
            let sample = ProbeSample(check: "check-\(i % 5)", ok: i % 4 != 0, ms: i % 9 == 0 ? nil : r,
                                     status: i % 4 == 0 ? 503 : 200, error: i % 4 == 0 ? "HTTP 503" : nil, timings: timings,
                                     value: i % 7 == 0 ? r * 3 : nil, slow: i % 11 == 0 ? "slow: \(Int(r)) ms > 1 ms" : nil)
            let event = JournalEvent(seq: i + 1, t: Int64(i) * 997, wall: 1_795_484_246_000 + Int64(i), body: .probe(sample))
            let data = try encoder.encode(event)
            let parsed = data.withUnsafeBytes { ProbeLineParser.parse($0.bindMemory(to: UInt8.self)) }
            #expect(parsed == event)
        }
    }
}
