import Foundation
import GameDayCore

/// Where the CLI writes: results on stdout, diagnostics and progress on stderr.
enum Console {
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func err(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func diagnostics(_ list: [Diagnostic]) {
        for d in list { err(d.description) }
    }
}

/// Exit codes of the CLI contract (DESIGN.md).
enum ExitCodes {
    static let held: Int32 = 0
    static let violated: Int32 = 1
    static let invalid: Int32 = 2
    static let aborted: Int32 = 3
    static let revertFailed: Int32 = 4
}
