import Foundation
import Synchronization

/// A second thread for single-window latency (streaming): one GEMM's rows are split between the
/// calling thread and a persistent worker, which spins briefly between layers (a window's layers
/// follow each other within microseconds) and sleeps after ~100 µs without work.
///
/// Used only when nothing else runs in parallel (`parallelRegions == 0`): batches already keep both
/// cores busy with one chunk of windows each, and a third busy thread would only compete. One
/// caller at a time; a concurrent caller runs both halves itself. Measured on the streaming figure
/// of `ppgscope bench`: 0.18–0.20 ms → 0.155–0.175 ms per new KID-PPG window.
final class RowSplitWorker: @unchecked Sendable {
    static let shared = RowSplitWorker()

    /// Number of `parallelChunks` regions currently running on more than one thread.
    static let parallelRegions = Atomic<Int>(0)

    private let generation = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleeping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let callers = NSLock()
    /// Written by the caller before `generation` is published, read by the worker after it.
    private var job: ((Int) -> Void)?

    private init() {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "ppgscope-row-split"
        thread.start()
    }

    private func loop() {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins > 100_000 {
                    // Dekker-style hand-shake with `run`: either the caller sees `sleeping` and
                    // signals, or this thread sees the new generation and does not wait.
                    sleeping.store(true, ordering: .sequentiallyConsistent)
                    if generation.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                    sleeping.store(false, ordering: .sequentiallyConsistent)
                    spins = 0
                }
            }
            seen = generation.load(ordering: .acquiring)
            job?(1)
            finished.store(seen, ordering: .releasing)
        }
    }

    /// Runs `body(0)` on the calling thread and `body(1)` on the worker and returns when both are
    /// done; runs both here when the worker is taken or a parallel region is running.
    func run(_ body: (Int) -> Void) {
        guard Self.parallelRegions.load(ordering: .relaxed) == 0, callers.try() else {
            body(0)
            body(1)
            return
        }
        defer { callers.unlock() }
        withoutActuallyEscaping(body) { escaping in
            job = escaping
            let g = generation.add(1, ordering: .sequentiallyConsistent).newValue
            if sleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
            escaping(0)
            while finished.load(ordering: .acquiring) != g {}
            job = nil
        }
    }
}
