/// Which ssh `-o` options a plan or inventory may pass without opting in.
///
/// These make the ssh client run a program (or load code) on the controller: a plan or inventory that carries them
/// executes commands on the operator's machine, not only on its targets. ProxyJump is not among them: it only makes
/// ssh connect through another ssh server.
enum SSHOptionPolicy {
    static let localCommandKeywords = ["proxycommand", "localcommand", "permitlocalcommand", "knownhostscommand",
                                       "pkcs11provider", "securitykeyprovider"]
    /// Canonical spellings, for messages.
    static let spellings = ["ProxyCommand", "LocalCommand", "PermitLocalCommand", "KnownHostsCommand",
                            "PKCS11Provider", "SecurityKeyProvider"]

    /// The first local-command keyword the option names, in any spelling ssh accepts (`Key=Value`, `Key Value`,
    /// `Key = Value`, a quoted key, a leading `-o`, any case), also when several options are crammed into one entry.
    static func localCommandKeyword(in option: String) -> String? {
        let separators: Set<Character> = [" ", "\t", "=", "\"", "'", ","]
        for word in option.split(whereSeparator: { separators.contains($0) }) {
            var name = word.lowercased()
            if name.hasPrefix("-o") { name.removeFirst(2) }
            if let index = localCommandKeywords.firstIndex(of: name) { return spellings[index] }
        }
        return nil
    }
}
