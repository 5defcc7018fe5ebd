/// Quoting for POSIX shells: the one place a plan value may become part of a shell line.
///
/// Every argument is wrapped in single quotes (with embedded single quotes spelled `'\''`), unless it consists only
/// of characters no shell treats specially, so the result is both safe and readable.
public enum ShellQuote {
    private static let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,@%+")

    /// Quotes one argument for a POSIX shell.
    public static func quote(_ argument: String) -> String {
        if !argument.isEmpty, argument.allSatisfy({ plain.contains($0) }) { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Joins an argument vector into one shell line in which each element stays one word.
    public static func join(_ argv: [String]) -> String {
        argv.map(quote).joined(separator: " ")
    }
}

import Foundation
