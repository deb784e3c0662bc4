import Foundation

/// Work started on its own thread now and collected later with `value()` (which rethrows its
/// error): lets a command overlap independent stages, e.g. the spectral baseline while HDF5 loads
/// the model on the calling thread.
final class BackgroundTask<Value>: @unchecked Sendable {
    private var result: Result<Value, Error>?
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            result = Result(catching: work)
            done.signal()
        }
        thread.start()
    }

    /// Waits for the work and discards its result. Call it before leaving on another error: exiting
    /// while the work runs tears down libraries under it (a crash, found by the fuzzer, when a
    /// damaged model failed to load while the windows were still being made).
    func finish() { _ = try? value() }

    /// Waits for the work and returns its value or throws its error.
    func value() throws -> Value {
        done.wait()
        done.signal()   // later calls return at once
        return try result!.get()
    }
}
