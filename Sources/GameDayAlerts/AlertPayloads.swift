import Foundation
import GameDayCore

/// One alert as Alertmanager reports it, from either a webhook notification or the API v2.
public struct ObservedAlert: Sendable, Equatable {
    public var firing: Bool
    public var labels: [String: String]
    public var fingerprint: String
    public var startsAt: String
    public var endsAt: String?

    public init(firing: Bool, labels: [String: String], fingerprint: String, startsAt: String, endsAt: String? = nil) {
        self.firing = firing; self.labels = labels; self.fingerprint = fingerprint; self.startsAt = startsAt; self.endsAt = endsAt
    }

    /// Alertmanager's fingerprint, or (for senders without one) a stable one from the sorted labels.
    static func fingerprint(_ given: Any?, labels: [String: String]) -> String {
        if let text = given as? String, !text.isEmpty { return text }
        return "labels:" + labels.keys.sorted().map { "\($0)=\(labels[$0] ?? "")" }.joined(separator: ",")
    }
}

/// Why a payload was refused (the HTTP answer says it; the journal is not touched).
public struct AlertPayloadError: Error, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Reads Alertmanager's JSON (pure).
public enum AlertPayloads {
    /// A webhook notification (`webhook_configs`, version 4):
    /// `{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{..},"startsAt":"..","endsAt":"..","fingerprint":".."}],..}`.
    public static func webhook(_ body: [UInt8]) throws(AlertPayloadError) -> [ObservedAlert] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw AlertPayloadError("the body is not a JSON object (expected an Alertmanager webhook notification)")
        }
        guard let alerts = object["alerts"] as? [[String: Any]] else {
            throw AlertPayloadError("the notification has no \"alerts\" list")
        }
        var out: [ObservedAlert] = []
        for alert in alerts {
            guard let status = alert["status"] as? String, status == "firing" || status == "resolved" else {
                throw AlertPayloadError("an alert's \"status\" is not \"firing\" or \"resolved\"")
            }
            let labels = try self.labels(alert["labels"])
            guard let startsAt = alert["startsAt"] as? String else { throw AlertPayloadError("an alert has no \"startsAt\"") }
            out.append(ObservedAlert(firing: status == "firing", labels: labels,
                                     fingerprint: ObservedAlert.fingerprint(alert["fingerprint"], labels: labels),
                                     startsAt: startsAt, endsAt: status == "resolved" ? alert["endsAt"] as? String : nil))
        }
        return out
    }

    /// `GET /api/v2/alerts`: a list of `{"labels":{..},"startsAt":"..","endsAt":"..","fingerprint":"..","status":{"state":"active"}}`.
    /// Only active alerts count as firing (suppressed and unprocessed ones are not).
    public static func apiAlerts(_ body: [UInt8]) throws(AlertPayloadError) -> [ObservedAlert] {
        guard let list = (try? JSONSerialization.jsonObject(with: Data(body))) as? [[String: Any]] else {
            throw AlertPayloadError("the response is not a JSON list (expected Alertmanager's /api/v2/alerts)")
        }
        var out: [ObservedAlert] = []
        for alert in list {
            let state = (alert["status"] as? [String: Any])?["state"] as? String ?? "active"
            guard state == "active" else { continue }
            let labels = try self.labels(alert["labels"])
            out.append(ObservedAlert(firing: true, labels: labels, fingerprint: ObservedAlert.fingerprint(alert["fingerprint"], labels: labels),
                                     startsAt: alert["startsAt"] as? String ?? ""))
        }
        return out
    }

    private static func labels(_ value: Any?) throws(AlertPayloadError) -> [String: String] {
        guard let object = value as? [String: Any] else { throw AlertPayloadError("an alert has no \"labels\" object") }
        var out: [String: String] = [:]
        for (key, value) in object {
            guard let text = value as? String else { throw AlertPayloadError("label \"\(key)\" is not a string") }
            out[key] = text
        }
        return out
    }
}
