import CKernels
import Foundation

/// The process-wide set-up ppgscope's computation wants, done once and explicitly by the program
/// that links it (the `ppgscope` launcher calls `configureProcess()`); a library user who never
/// calls it gets the same numbers, with BLAS loaded on first use and no helper thread.
public enum ComputeRuntime {
    /// Chooses OpenBLAS's core type, loads BLAS single-threaded, keeps freed layer buffers in the
    /// heap (glibc `mallopt`) and lets single-window work use a second thread (`TileSharingWorker`).
    /// Throws when no CBLAS library can be loaded.
    public static func configureProcess() throws {
        try configureProcessInBackground().wait()
    }

    /// `configureProcess()` with BLAS loaded on another thread: its dlopen(3), whose relocations and
    /// constructors take 2–5 ms, overlaps the caller's start (argument parsing, a model's loading).
    /// Call `wait()` before the first BLAS call, and before exiting.
    public static func configureProcessInBackground() -> PendingConfiguration {
        ppgscope_keep_buffers_in_heap()
        TileSharingWorker.enable()
        return PendingConfiguration()
    }

    /// BLAS being loaded on another thread (`configureProcessInBackground()`).
    public final class PendingConfiguration: @unchecked Sendable {
        private var outcome: Result<Void, Error>?
        private let done = DispatchSemaphore(value: 0)

        /// Whether this set OPENBLAS_CORETYPE for the load (and removes it again in `wait()`).
        private let setCoreType: Bool

        fileprivate init() {
            // The environment is changed here, on the caller's thread, not beside its getenv calls.
            setCoreType = BLASLibrary.chooseCoreType()
            Thread { [self] in
                outcome = Result { try BLASLibrary.load() }
                done.signal()
            }.start()
        }

        /// Waits for the load; throws when no CBLAS library could be loaded.
        public func wait() throws {
            done.wait()
            done.signal()   // later calls return at once
            if setCoreType { unsetenv("OPENBLAS_CORETYPE") }
            try outcome!.get()
        }
    }

    /// The versions and choices of the compute libraries, for `ppgscope info --libraries`.
    public static var libraryDescription: [(name: String, value: String)] {
        var rows: [(String, String)] = []
        if (try? BLASLibrary.load()) != nil {
            rows.append(("BLAS", BLASLibrary.path ?? "?"))
            if let config = BLASLibrary.configuration { rows.append(("OpenBLAS build", config)) }
            if let core = BLASLibrary.coreName { rows.append(("OpenBLAS core", core)) }
            rows.append(("OpenBLAS threads", BLASLibrary.hasThreadPool ? "pthread build, pool stopped" : "serial build"))
        } else {
            rows.append(("BLAS", "not found"))
        }
        rows.append(("conv kernel", DirectConvKernel.isAvailable ? "direct AVX-512F" : "BLAS (no AVX-512F)"))
        return rows
    }
}

/// The CBLAS ppgscope calls, loaded at run time. Debian's single-threaded OpenBLAS is preferred
/// (no thread pool to start and stop: ppgscope parallelises over windows itself), then whatever
/// `libopenblas.so.0` or reference CBLAS the system provides.
public enum BLASLibrary {
    static let candidates = ["x86_64-linux-gnu", "aarch64-linux-gnu"].map { "/usr/lib/\($0)/openblas-serial/libopenblas.so.0" }
        + ["libopenblas.so.0", "libopenblas.so", "libcblas.so.3", "libblas.so.3"]

    private static let loaded: Result<Void, BLASLoadError> = {
        // OpenBLAS reads OPENBLAS_CORETYPE only while it loads; unset, version 0.3.21 runs its
        // Prescott (SSE3) kernels on CPUs it does not recognise (about 3.5× slower). So the core
        // type this CPU supports is set for the load (a user's own setting wins) and then removed
        // again, so that child processes see the environment they were given.
        let setCore = chooseCoreType()
        defer { if setCore { unsetenv("OPENBLAS_CORETYPE") } }
        var message = [CChar](repeating: 0, count: 512)
        let paths = candidates.map { strdup($0) }
        defer { paths.forEach { free($0) } }
        let ok = paths.map { UnsafePointer($0) }.withUnsafeBufferPointer { p in
            ppgscope_blas_load(p.baseAddress, Int32(p.count), &message, Int32(message.count))
        }
        guard ok == 1 else { return .failure(BLASLoadError(message: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))) }
        ppgscope_blas_single_threaded()
        return .success(())
    }()

    /// Sets OPENBLAS_CORETYPE to the core type this CPU supports unless the user set it; returns
    /// whether it did (the caller then removes it again once the library is loaded).
    static func chooseCoreType() -> Bool {
        guard getenv("OPENBLAS_CORETYPE") == nil, let core = ppgscope_cpu_openblas_coretype() else { return false }
        setenv("OPENBLAS_CORETYPE", core, 1)
        return true
    }

    /// Loads the library once (every BLAS call does this first).
    public static func load() throws { try loaded.get() }

    /// The file loaded.
    public static var path: String? { ppgscope_blas_path().map { String(cString: $0) } }
    /// OpenBLAS's core ("SkylakeX", "Haswell", ...), nil for another CBLAS.
    public static var coreName: String? { ppgscope_blas_corename().map { String(cString: $0) } }
    /// OpenBLAS's build configuration string.
    public static var configuration: String? {
        ppgscope_blas_config().map { String(cString: $0).trimmingCharacters(in: .whitespaces) }
    }
    /// Whether the library is OpenBLAS's pthread build (its pool is stopped at load).
    public static var hasThreadPool: Bool { ppgscope_blas_has_thread_pool() == 1 }

    @inline(__always) static func ensureLoaded() {
        if case .failure(let error) = loaded { fatalError(error.message) }
    }
}

/// No CBLAS library could be loaded.
public struct BLASLoadError: Error, CustomStringConvertible {
    public var message: String
    public var description: String {
        "\(message). ppgscope needs a CBLAS library: on Debian, apt install libopenblas0-serial (or libopenblas0)"
    }
}
