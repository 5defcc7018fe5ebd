import GameDayCore

/// The toxic types a proxy knows, by API `type` name. Adding a toxic: one line in `standard`.
public struct ToxicRegistry: Sendable {
    private let types: [String: any Toxic.Type]

    /// Every built-in toxic.
    public static let standard = ToxicRegistry([
        LatencyToxic.self,
        BandwidthToxic.self,
        SlowCloseToxic.self,
        TimeoutToxic.self,
        ResetPeerToxic.self,
        SlicerToxic.self,
        LimitDataToxic.self,
        HTTPErrorToxic.self,
        SlowOpenToxic.self,
    ])

    public init(_ types: [any Toxic.Type]) {
        var map: [String: any Toxic.Type] = [:]
        for type in types { map[type.typeName] = type }
        self.types = map
    }

    /// The known type names, sorted.
    public var typeNames: [String] { types.keys.sorted() }

    /// The toxic type registered under `name`.
    public func type(named name: String) -> (any Toxic.Type)? { types[name] }
}
