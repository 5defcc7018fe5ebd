/// The keys each section of a plan (and an inventory file) may have: the decoder's allow-lists and the JSON Schema's
/// `properties`, one list per section, so the two cannot drift. A fault's `with:` keys live in its kind
/// (`FaultKind.keys`).
public enum PlanKeys {
    public static let topLevel = ["version", "name", "description", "environment", "runbook", "risk", "seed", "inventory",
                                  "targets", "proxies", "health", "hypothesis", "guardrails", "timeline", "steps", "alerts"]
    /// An inventory file given as a mapping (it may also be a bare list of targets).
    public static let inventory = ["targets"]
    public static let target = ["name", "address", "tags", "access", "process"]
    /// `access:` given as a mapping.
    public static let access = ["ssh", "local"]
    public static let ssh = ["user", "port", "identity", "options", "knownHosts", "allowLocalCommands"]
    public static let process = ["pidFile", "pattern", "systemdUnit"]
    public static let proxy = ["name", "listen", "upstream", "api"]
    /// The probe kinds of a health check: exactly one of them.
    public static let healthKinds = ["http", "tcp", "command", "prometheus"]
    public static let healthCheck = ["name"] + healthKinds + ["interval", "timeout", "failuresToUnhealthy", "successesToHealthy", "slowerThan"]
    /// `http:` given as a mapping.
    public static let httpCheck = ["url", "method", "expectStatus", "bodyContains", "headers"]
    public static let prometheusCheck = ["url", "query", "healthyBelow", "healthyAbove", "headers", "bearerTokenEnv"]
    public static let hypothesis = ["check", "availability", "latencyP50", "latencyP90", "latencyP99", "phases", "valueBelow", "valueAbove"]
    public static let guardrail = ["check", "unhealthyFor", "availabilityBelow", "window"]
    public static let timeline = ["baseline", "recovery"]
    public static let step = ["name", "at", "duration", "fault", "targets", "proxy", "with"]
    /// A step's `targets:` given as a mapping (a list is short for `names`).
    public static let selector = ["names", "tags", "all", "count", "percent", "maxPercent"]
    public static let alerts = ["webhook", "alertmanager", "matchers", "pollInterval", "tokenEnv"]
}
