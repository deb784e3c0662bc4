import Foundation

/// Ends the process when one HDF5 library call on a file opened for reading does not return
/// within a bound, instead of letting the command spin for ever.
///
/// Why a watchdog that ends the process: HDF5 1.10.8 (Debian 12) loops for ever on some corrupt
/// files. A global-heap object of index 0 and size 0, for example, makes
/// `H5HG__cache_heap_deserialize` step by zero bytes for ever while `H5Aread` reads a
/// variable-length string attribute (`Tests/PPGFormatsTests/Fixtures/hang_global_heap.h5`). The
/// loop is inside one C call: Swift cannot cancel it, a thread cannot be stopped safely, checking
/// every heap, B-tree and offset first would re-implement the HDF5 format parser (and miss the
/// next loop), and reading in a child process would cost every command a second process start
/// and a copy of all data across a pipe. A watchdog thread costs nothing until it fires: every
/// outermost `HDF5.locked` section on a file opened read-only records its file and start time;
/// the thread checks four times a second, and past the bound it removes the command's unfinished
/// outputs (`OutputTemporaries`), prints the message naming the file and ends the process with
/// exit status 1. Nothing half-written survives, because outputs are only renamed into place once
/// complete.
///
/// The bound is 10 s plus 1 s per 10 MB of the file (reading is far faster: the 54 MB S6
/// recording reads in well under a second), or `PPGSCOPE_HDF5_TIMEOUT_S` seconds when set.
enum HDF5Watchdog {
    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var file: String?
        var deadline: UInt64 = 0
        var boundSeconds: Double = 0
        var started = false
    }
    private static let state = State()

    private static let boundFromEnvironment: Double? = {
        guard let text = ProcessInfo.processInfo.environment["PPGSCOPE_HDF5_TIMEOUT_S"], let s = Double(text), s > 0 else { return nil }
        return s
    }()

    /// The time one library call on a file of `bytes` bytes may take, in seconds.
    static func bound(fileBytes bytes: Int) -> Double {
        boundFromEnvironment ?? 10 + Double(bytes) / 10_000_000
    }

    /// Starts watching a library call on `path`; `boundSeconds` from `bound(fileBytes:)`.
    static func arm(_ path: String, boundSeconds: Double) {
        let s = state
        s.lock.lock()
        s.file = path
        s.boundSeconds = boundSeconds
        s.deadline = DispatchTime.now().uptimeNanoseconds + UInt64(boundSeconds * 1e9)
        let start = !s.started
        s.started = true
        s.lock.unlock()
        if start {
            let thread = Thread { watch() }
            thread.name = "HDF5Watchdog"
            thread.stackSize = 1 << 18
            thread.start()
        }
    }

    /// The call armed last has returned.
    static func disarm() {
        state.lock.lock()
        state.file = nil
        state.lock.unlock()
    }

    private static func watch() {
        while true {
            usleep(250_000)
            let s = state
            s.lock.lock()
            let expired = s.file.flatMap { DispatchTime.now().uptimeNanoseconds > s.deadline ? ($0, s.boundSeconds) : nil }
            s.lock.unlock()
            if let (file, bound) = expired {
                OutputTemporaries.removeAll()
                let message = "Error: the HDF5 library did not finish reading \(file) within \(Int(bound.rounded())) s: the file is probably corrupt\n"
                message.withCString { _ = write(2, $0, strlen($0)) }
                _exit(1)
            }
        }
    }
}

/// Turns a crash (SIGSEGV, SIGBUS, SIGFPE, or SIGABRT from glibc finding its heap corrupted) inside
/// an HDF5 library call on a file opened for reading into exit status 1 and a message naming the file.
///
/// HDF5 1.10.8 reads past its buffers on some corrupt files: a global-heap object whose size was
/// overwritten makes `H5HG_read` copy far beyond the heap (`H5Aread` of a vlen string attribute,
/// `tools/fuzz/regressions/segv_global_heap_size.h5`), and writes past them on others (glibc then
/// aborts in `free` when the file is closed). The process cannot go on after such a fault, but it
/// can end as for any other bad input. The handler only calls `write`, `unlink`, `rmdir` and
/// `_exit` (async-signal-safe, no allocation). It is armed while an input HDF5 file is open (reading
/// a model or a recording); other faults go to the handler that was there before (Swift's
/// backtracer), unchanged.
enum HDF5CrashGuard {
    /// The message naming the input file opened last (a C string made when it was opened), or nil
    /// when no input HDF5 file is open. Messages are never freed: a handler may be reading one.
    nonisolated(unsafe) private static var message: UnsafePointer<CChar>?
    nonisolated(unsafe) private static var messageLength = 0
    /// Input HDF5 files open now (changed under the HDF5 lock).
    nonisolated(unsafe) private static var openFiles = 0
    nonisolated(unsafe) private static var previous: [Int32: sigaction] = [:]
    private static let signals: [Int32] = [SIGSEGV, SIGBUS, SIGFPE, SIGABRT]
    /// Set by the first fault handled: a second fault (the process is going down) ends it at once.
    nonisolated(unsafe) private static var handling = false
    private static let installed: Bool = {
        OutputTemporaries.prepare()   // its table must exist before a handler reads it
        for sig in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = { sig, _, _ in HDF5CrashGuard.fault(sig) }
            action.sa_flags = SA_SIGINFO | SA_ONSTACK
            sigfillset(&action.sa_mask)
            var old = sigaction()
            sigaction(sig, &action, &old)
            previous[sig] = old
        }
        return true
    }()

    /// The message to print should the library crash reading `path`: made when the file is
    /// opened, so that the handler need not allocate.
    static func crashMessage(for path: String) -> (UnsafePointer<CChar>, Int) {
        let text = "Error: the HDF5 library crashed reading \(path): the file is probably corrupt\n"
        return (UnsafePointer(strdup(text)!), text.utf8.count)
    }

    /// An input file was opened (call under the HDF5 lock). Until it is closed, a fault on any
    /// thread is taken for the library's: a heap overflow inside an HDF5 call can make another
    /// thread, or ppgscope's own code reading the results, fault after the call has returned.
    static func opened(message text: UnsafePointer<CChar>, length: Int) {
        _ = installed
        openFiles += 1
        messageLength = length
        message = text
    }

    /// An input file was closed (call under the HDF5 lock).
    static func closed() {
        openFiles -= 1
        if openFiles == 0 { message = nil }
    }

    private static func fault(_ sig: Int32) {
        guard let text = message else {
            // Not in an HDF5 call: restore the previous handler; the fault recurs and reaches it.
            if var old = previous[sig] { sigaction(sig, &old, nil) } else { signal(sig, SIG_DFL) }
            if sig == SIGABRT { raise(sig) }
            return
        }
        if handling { _exit(1) }
        handling = true
        _ = write(2, text, messageLength)
        OutputTemporaries.removeAllSignalSafe()
        _exit(1)
    }
}

/// The temporary outputs of the running command (files and directories that `AtomicOutput` and
/// `RecordingIO.write` rename into place when complete), so that a command ended from outside its
/// normal flow (`HDF5Watchdog`, `HDF5CrashGuard`) can remove them first. Paths are also kept as C
/// strings in a fixed table, which the crash handler reads without allocating (after a heap
/// overflow in the library, malloc itself may crash).
public enum OutputTemporaries {
    private final class Registry: @unchecked Sendable {
        let lock = NSLock()
        var paths: [String: UnsafeMutablePointer<CChar>] = [:]
        /// The C strings of `paths`, nil-padded: read by the crash handler.
        let table = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        static let capacity = 64
        init() { table.initialize(repeating: nil, count: Registry.capacity) }
    }
    private static let registry = Registry()

    /// Creates the table (the first use of a Swift global allocates).
    static func prepare() { _ = registry }

    static func register(_ path: String) {
        let r = registry
        r.lock.lock(); defer { r.lock.unlock() }
        guard r.paths[path] == nil, let c = strdup(path) else { return }
        r.paths[path] = c
        if let slot = (0..<Registry.capacity).first(where: { r.table[$0] == nil }) { r.table[slot] = c }
    }

    static func unregister(_ path: String) {
        let r = registry
        r.lock.lock(); defer { r.lock.unlock() }
        guard let c = r.paths.removeValue(forKey: path) else { return }
        if let slot = (0..<Registry.capacity).first(where: { r.table[$0] == c }) { r.table[slot] = nil }
        free(c)
    }

    /// Removes every registered temporary (recursively for directories).
    static func removeAll() {
        let r = registry
        r.lock.lock()
        let paths = Array(r.paths.keys)
        r.lock.unlock()
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Removes the registered temporary files (and empty directories) with `unlink`/`rmdir` only:
    /// no lock, no allocation, safe in a signal handler.
    static func removeAllSignalSafe() {
        let table = registry.table
        for slot in 0..<Registry.capacity {
            if let c = table[slot], unlink(c) != 0 { rmdir(c) }
        }
    }
}
