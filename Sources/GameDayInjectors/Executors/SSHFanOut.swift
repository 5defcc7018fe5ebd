/// Runs an operation on many hosts with at most K at once.
///
/// Results come back in input order, one per item, so a caller can report exactly which hosts failed.
public enum SSHFanOut {
    public static func run<Item: Sendable, Value: Sendable>(
        _ items: [Item], maxConcurrent: Int,
        _ body: @escaping @Sendable (Item) async throws -> Value
    ) async -> [Result<Value, any Error>] {
        let limit = max(1, maxConcurrent)
        var results = [Result<Value, any Error>?](repeating: nil, count: items.count)
        await withTaskGroup(of: (Int, Result<Value, any Error>).self) { group in
            var next = 0
            func submit() {
                let index = next
                let item = items[index]
                next += 1
                group.addTask {
                    do { return (index, .success(try await body(item))) } catch { return (index, .failure(error)) }
                }
            }
            while next < items.count && next < limit { submit() }
            while let (index, result) = await group.next() {
                results[index] = result
                if next < items.count { submit() }
            }
        }
        return results.map { $0! }
    }
}
