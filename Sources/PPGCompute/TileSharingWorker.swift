import Foundation
import Synchronization

/// A second thread for single-window latency (streaming) and other small parallel steps (the two
/// halves of a training batch): one step's work, cut into tiles (row blocks of a conv, column
/// blocks of a dense layer, halves of a batch), is shared between the calling thread, which
/// claims tiles from the front, and a persistent worker, which claims them from the back. Neither
/// waits for the other to start: a worker that is still waking up finds fewer tiles or none, and
/// when both run at the same speed each keeps meeting the same half of the weights in its cache.
///
/// The worker spins for about 2 ms after its last tile (a window's layers follow each other within
/// microseconds) and then sleeps. Used only when nothing else runs in parallel
/// (`parallelRegions == 0`): batches already keep both cores busy with one chunk of windows each.
/// One caller at a time; a concurrent caller runs every tile itself.
///
/// The worker thread exists only once a program asks for it (`enable()`, which
/// `ComputeRuntime.configureProcess()` calls): until then, and in programs that never do,
/// `run` does every tile on the calling thread, with the same results.
public final class TileSharingWorker: @unchecked Sendable {
    private static let enabled = Atomic<Bool>(false)
    private static let shared = TileSharingWorker()

    /// Lets `run` share tiles with the worker thread, which starts at the first call that can use it.
    public static func enable() { enabled.store(true, ordering: .releasing) }

    /// Number of parallel regions (batches spread over threads) currently running; while any
    /// runs, `run` keeps every tile on its calling thread. Enter and leave in pairs.
    public static func enterParallelRegion() { parallelRegions.add(1, ordering: .relaxed) }
    public static func leaveParallelRegion() { parallelRegions.subtract(1, ordering: .relaxed) }
    private static let parallelRegions = Atomic<Int>(0)

    /// The open run: generation (bits 48…63), next front tile (bits 24…47), end of the unclaimed
    /// tiles (bits 0…23). A claim is a compare-and-swap, so a stale claim for an ended generation fails.
    private let claims = Atomic<Int>(0)
    /// Tiles finished in the current run.
    private let completed = Atomic<Int>(0)
    /// Generation of the newest run, published to wake the worker.
    private let generation = Atomic<Int>(0)
    /// Generation the worker is working on (0 when idle), and the newest generation whose caller
    /// has stopped accepting help: either the worker sees the run closed and leaves `job` alone,
    /// or the caller sees the worker active and waits for it (a Dekker-style hand-shake).
    private let active = Atomic<Int>(0)
    private let closed = Atomic<Int>(0)
    private let sleeping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let callers = NSLock()
    /// Written by the caller before `generation` is published, read by the worker after it.
    private var job: ((Int) -> Void)?

    private init() {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "ppgscope-tiles"
        thread.start()
    }

    private static func pack(_ generation: Int, _ front: Int, _ end: Int) -> Int { generation << 48 | front << 24 | end }

    /// Claims the next tile of `generation` from the front (caller) or the back (worker).
    private func claim(_ generation: Int, fromBack: Bool) -> Int? {
        var current = claims.load(ordering: .acquiring)
        while true {
            let g = current >> 48, front = (current >> 24) & 0xFF_FFFF, end = current & 0xFF_FFFF
            guard g == generation & 0x7FFF, front < end else { return nil }
            let next = fromBack ? Self.pack(g, front, end - 1) : Self.pack(g, front + 1, end)
            let (exchanged, original) = claims.compareExchange(expected: current, desired: next, ordering: .acquiringAndReleasing)
            if exchanged { return fromBack ? end - 1 : front }
            current = original
        }
    }

    private func loop() {
        var seen = 0
        while true {
            var spins = 0
            var idleSince = DispatchTime.now().uptimeNanoseconds
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins & 1023 == 0, DispatchTime.now().uptimeNanoseconds - idleSince > 2_000_000 {
                    sleeping.store(true, ordering: .sequentiallyConsistent)
                    if generation.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                    sleeping.store(false, ordering: .sequentiallyConsistent)
                    idleSince = DispatchTime.now().uptimeNanoseconds
                }
            }
            seen = generation.load(ordering: .acquiring)
            active.store(seen, ordering: .sequentiallyConsistent)
            if closed.load(ordering: .sequentiallyConsistent) < seen, let body = job {
                while let tile = claim(seen, fromBack: true) {
                    body(tile)
                    completed.add(1, ordering: .releasing)
                }
            }
            active.store(0, ordering: .sequentiallyConsistent)
        }
    }

    /// Runs `body(tile)` for every tile in `0..<tiles`, on the calling thread and the worker, and
    /// returns when all are done; runs them all here when the worker is not enabled, taken, or a
    /// parallel region is running. The worker thread is started by the first call that can use
    /// it, so a batch-only process never starts it.
    /// Whether `run` would share its tiles with the worker now (enabled, and no parallel region running).
    public static var isSharing: Bool {
        enabled.load(ordering: .relaxed) && parallelRegions.load(ordering: .relaxed) == 0
    }

    public static func run(tiles: Int, _ body: (Int) -> Void) {
        guard tiles > 1, enabled.load(ordering: .relaxed), parallelRegions.load(ordering: .relaxed) == 0 else {
            for tile in 0..<tiles { body(tile) }
            return
        }
        shared.run(tiles: tiles, body)
    }

    private func run(tiles: Int, _ body: (Int) -> Void) {
        precondition(tiles < 1 << 24)
        guard callers.try() else {
            for tile in 0..<tiles { body(tile) }
            return
        }
        defer { callers.unlock() }
        withoutActuallyEscaping(body) { escaping in
            job = escaping
            let g = generation.load(ordering: .relaxed) + 1
            completed.store(0, ordering: .relaxed)
            claims.store(Self.pack(g & 0x7FFF, 0, tiles), ordering: .releasing)
            generation.store(g, ordering: .sequentiallyConsistent)
            if sleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
            var done = 0
            while let tile = claim(g, fromBack: false) {
                escaping(tile)
                done += 1
            }
            while completed.load(ordering: .acquiring) + done < tiles {}
            closed.store(g, ordering: .sequentiallyConsistent)
            while active.load(ordering: .sequentiallyConsistent) == g {}
            job = nil
        }
    }
}
