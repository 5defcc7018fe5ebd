import GameDayCore
import GameDayYAML
import Yams

/// What the host network kinds share: the `direction:` key.
extension Direction {
    static let key = OptionKey("direction", .oneOf(["inbound", "outbound", "both"]), default: "both",
                               "traffic direction on the selected host")

    /// Reads `direction:` (nil when absent; reported when invalid).
    static func read(_ node: Node?, _ reader: NodeReader) -> Direction? {
        guard let node, let text = reader.string(node, "direction") else { return nil }
        guard let direction = Direction(rawValue: text) else {
            reader.error(node, "direction must be inbound, outbound or both, found '\(text)'")
            return nil
        }
        return direction
    }
}

