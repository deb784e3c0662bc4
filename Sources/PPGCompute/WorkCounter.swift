import Foundation

/// Hands out work items `0..<limit` to threads, one claim at a time (a lock-protected counter).
public final class WorkCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    public let limit: Int

    public init(limit: Int) { self.limit = limit }

    /// The next item, or nil when all are taken.
    public func next() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }

    /// The next claim of consecutive items: a share of what is left (a quarter of it per thread,
    /// so that threads finish together), between 1 and `most` items; nil when none are left.
    public func claim(upTo most: Int, threads: Int) -> Range<Int>? {
        lock.lock(); defer { lock.unlock() }
        guard value < limit else { return nil }
        let size = max(1, min(most, (limit - value) / (4 * threads)))
        defer { value += size }
        return value..<(value + size)
    }
}
