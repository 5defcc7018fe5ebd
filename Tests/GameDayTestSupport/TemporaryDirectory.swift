import Foundation

/// A new, empty, private directory under the system's temporary directory, named after the test
/// (`gameday-test-<name>-XXXXXX`). The caller removes it.
public func temporaryDirectory(_ name: String) throws -> String {
    let pattern = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("gameday-test-\(name)-XXXXXX").path
    var template = Array(pattern.utf8CString)
    guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        throw TestSupportError("mkdtemp(\(pattern)) failed: \(String(cString: strerror(errno)))")
    }
    return String(cString: result)
}

/// ``temporaryDirectory(_:)`` as a file URL, for suites that work with URLs.
public func temporaryDirectoryURL(_ name: String) throws -> URL {
    URL(fileURLWithPath: try temporaryDirectory(name), isDirectory: true)
}
