import Foundation

/// Whether a host names this machine's loopback interface: `localhost`, an IPv4 address in 127.0.0.0/8, or the
/// IPv6 loopback `::1` (brackets allowed). Only literals count: any other name could resolve anywhere, so
/// `127.example.com` is not loopback.
public enum LoopbackHost {
    public static func contains(_ host: String) -> Bool {
        var text = Substring(host)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        let lowered = text.lowercased()
        if lowered == "localhost" || lowered == "localhost." { return true }
        if let octets = ipv4(lowered) { return octets[0] == 127 }
        if let groups = ipv6(lowered) { return groups.dropLast().allSatisfy { $0 == 0 } && groups.last == 1 }
        return false
    }

    /// Four dotted decimal octets, or nil.
    private static func ipv4(_ text: String) -> [Int]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [Int] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), let value = Int(part), (0...255).contains(value) else {
                return nil
            }
            octets.append(value)
        }
        return octets
    }

    /// Eight 16-bit groups (with `::` expanded; no embedded IPv4, no zone), or nil.
    private static func ipv6(_ text: String) -> [Int]? {
        guard text.contains(":"), !text.contains("%") else { return nil }
        func groups(_ part: Substring) -> [Int]? {
            if part.isEmpty { return [] }
            var out: [Int] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), let value = Int(group, radix: 16) else { return nil }
                out.append(value)
            }
            return out
        }
        let halves = text.components(separatedBy: "::")
        switch halves.count {
        case 1:
            guard let all = groups(Substring(text)), all.count == 8 else { return nil }
            return all
        case 2:
            guard let head = groups(Substring(halves[0])), let tail = groups(Substring(halves[1])), head.count + tail.count < 8 else { return nil }
            return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        default:
            return nil
        }
    }
}
