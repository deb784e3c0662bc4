import Foundation
import Testing
import PPGCompute

/// The second thread that shares one window's work: every tile runs exactly once, whoever claims
/// it, across many runs in a row (the worker spinning) and after it has gone to sleep; and the
/// worker does take tiles (else the split would be a no-op that still passes the first check).
@Suite struct TileSharingWorkerTests {
    @Test func everyTileRunsExactlyOnceAndTheWorkerTakesSome() {
        TileSharingWorker.enable()
        let caller = pthread_self()
        var tilesOnWorker = 0
        // Batches running in parallel tests switch the worker off (`parallelRegions`), so keep going
        // (up to 20 s) until it has taken tiles.
        let deadline = Date().addingTimeInterval(20)
        var round = 0
        while round < 400 || (tilesOnWorker == 0 && Date() < deadline) {
            defer { round += 1 }
            let tiles = 1 + round % 37
            // NSLock (a pthread mutex) rather than Synchronization's Mutex, whose futex ThreadSanitizer
            // cannot see: scripts/sanitize runs this test under it.
            let runs = Locked([Int](repeating: 0, count: tiles))
            let elsewhere = Locked(0)
            TileSharingWorker.run(tiles: tiles) { tile in
                runs.withLock { $0[tile] += 1 }
                if pthread_equal(pthread_self(), caller) == 0 { elsewhere.withLock { $0 += 1 } }
                var x = 0.0
                for i in 0..<2_000 { x += sqrt(Double(i + tile)) }
                #expect(x > 0)
            }
            #expect(runs.withLock { $0 } == [Int](repeating: 1, count: tiles), "round \(round)")
            tilesOnWorker += elsewhere.withLock { $0 }
            if round == 200 { usleep(10_000) } // the worker sleeps after 2 ms idle
        }
        #expect(tilesOnWorker > 0)
    }
}

/// A value behind an NSLock.
private final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.lock(); defer { lock.unlock() }; return body(&value) }
}
