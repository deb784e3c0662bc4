import Foundation
import PPGCompute
import PPGSignals

/// KID-PPG-style pair models, split so that each window's branch runs once.
///
/// A pair network takes `[time, 2]` = [window n−1, window n], slices the two channels and runs the
/// same (weight-shared) branch on each, then a head (attention, dense) combines the two branch
/// outputs. Over a recording every window is the "current" slot of one pair and the "previous" slot
/// of the next, so computing `features` once per window and then `head` per pair halves the
/// convolution work; streaming one new window costs one branch plus one head.
public struct WindowPairSplit: Sendable {
    public let network: Network
    /// Branch node indices for the previous-window slot (channel 0), in execution order.
    let previousBranch: [Int]
    /// Indices (into `network.nodes`) of the previous-window branch, which repeats the current one.
    public var previousBranchNodes: [Int] { previousBranch + [previousSlice] }
    /// The matching current-window branch (channel 1), node for node.
    let currentBranch: [Int]
    /// Remaining nodes (the head), in execution order.
    let head: [Int]
    let previousSlice: Int, currentSlice: Int
    let previousOutput: Int, currentOutput: Int

    /// Per-window feature shape `[time, channels]` (KID-PPG: [16, 64]).
    public var featureShape: [Int] { network.nodes.first { $0.output == currentOutput }!.outputShape }

    /// Splits `network`, or returns nil when it is not a two-slot pair model with shared branches.
    public init?(_ network: Network) {
        guard network.inputShape.count == 2, network.inputShape[1] == 2 else { return nil }
        self.network = network
        var sliceOf: [Int: Int] = [:]   // channel → slice node index
        for (i, node) in network.nodes.enumerated() {
            if case .channelSlice(let start, let end) = node.operation, node.inputs == [0], end == start + 1 {
                sliceOf[start] = i
            }
        }
        guard let p = sliceOf[0], let c = sliceOf[1] else { return nil }
        previousSlice = p
        currentSlice = c
        // Nodes that depend (transitively) only on one slice.
        func branch(from sliceNode: Int) -> [Int] {
            var reach: Set<Int> = [network.nodes[sliceNode].output]
            var members: [Int] = []
            for (i, node) in network.nodes.enumerated() where i != sliceNode {
                if node.inputs.allSatisfy({ reach.contains($0) }) {
                    reach.insert(node.output)
                    members.append(i)
                }
            }
            return members
        }
        let previous = branch(from: p), current = branch(from: c)
        guard !previous.isEmpty, previous.count == current.count else { return nil }
        /// The name without its call marks: every "@1/", then every "@2/", replaced by "/".
        func stripCall(_ name: String) -> String {
            func replacing(_ mark: UInt8, in bytes: [UInt8]) -> [UInt8] {
                var out: [UInt8] = []
                out.reserveCapacity(bytes.count)
                var i = 0
                while i < bytes.count {
                    if bytes[i] == UInt8(ascii: "@"), i + 2 < bytes.count, bytes[i + 1] == mark, bytes[i + 2] == UInt8(ascii: "/") { i += 2 }
                    out.append(bytes[i])
                    i += 1
                }
                return out
            }
            guard name.utf8.contains(UInt8(ascii: "@")) else { return name }
            return String(decoding: replacing(UInt8(ascii: "2"), in: replacing(UInt8(ascii: "1"), in: Array(name.utf8))), as: UTF8.self)
        }
        for (a, b) in zip(previous, current) {
            guard stripCall(network.nodes[a].name) == stripCall(network.nodes[b].name),
                  network.nodes[a].outputShape == network.nodes[b].outputShape else { return nil }
        }
        previousBranch = previous
        currentBranch = current
        let branchSet = Set(previous + current + [p, c])
        head = network.nodes.indices.filter { !branchSet.contains($0) }
        // The branch outputs the head reads.
        let prevOutputs = Set(previous.map { network.nodes[$0].output })
        let curOutputs = Set(current.map { network.nodes[$0].output })
        let headInputs = Set(head.flatMap { network.nodes[$0].inputs })
        guard let po = headInputs.intersection(prevOutputs).first, headInputs.intersection(prevOutputs).count == 1,
              let co = headInputs.intersection(curOutputs).first, headInputs.intersection(curOutputs).count == 1,
              !headInputs.contains(0), !headInputs.contains(network.nodes[p].output), !headInputs.contains(network.nodes[c].output)
        else { return nil }
        previousOutput = po
        currentOutput = co
    }

    /// Branch tap names as used by `features` taps: the current-window names (`model_52@2/conv1d_117`).
    public var branchTapNames: [String] {
        currentBranch.flatMap { network.nodes[$0].tapNames }
    }

    /// Runs the branch on single-channel windows `[M, time, 1]` → features `[M] + featureShape`.
    /// Taps are named as the current-window branch (`model_52@2/...`). With `windowShift`, the
    /// windows are consecutive windows of one recording that many samples apart, and the conv
    /// rows they share are computed once (`OverlapReuse`; exact, checked against the samples).
    public func features(_ windows: Tensor, taps: TapSelection = .none, workers: Int? = nil,
                         windowShift: Int? = nil) throws -> (features: Tensor, taps: [String: Tensor]) {
        guard windows.shape.count == 3, windows.shape[1] == network.inputShape[0], windows.shape[2] == 1 else {
            throw PPGScopeError(object: "windows", "expected shape [M, \(network.inputShape[0]), 1], found \(windows.shape)")
        }
        let plan = branchReusePlan(windowShift)
        let results = parallelChunks(windows.batch, outputShape: featureShape, workers: workers,
                                     chunksPerClaim: plan.isEmpty ? 1 : overlapChunksPerClaim) { range, carry in
            branch(windows.windows(range).values, windows: range.count, taps: taps, plan: plan, shift: windowShift ?? 0, carry: &carry)
        }
        return (results.output, results.taps)
    }

    /// Conv rows of the branch that consecutive windows `shift` samples apart share.
    func branchReusePlan(_ shift: Int?) -> [Int: ConvRowReuse] {
        guard let shift else { return [:] }
        return OverlapReuse.plan(network, order: currentBranch, inputSlot: network.nodes[currentSlice].output, shift: shift)
    }

    /// The branch on `count` consecutive windows, `carry` being the window before them.
    func branch(_ values: [Float], windows count: Int, taps: TapSelection, plan: [Int: ConvRowReuse], shift: Int,
                carry: inout [Int: [Float]]) -> ForwardResult {
        let run = network.executeOverlapping(nodes: currentBranch, inputSlot: network.nodes[currentSlice].output, input: values,
                                             windows: count, keep: [currentOutput], taps: taps, plan: plan, shift: shift, carry: &carry)
        return ForwardResult(output: Tensor(shape: [count] + featureShape, values: run.slots[currentOutput]!), taps: run.taps)
    }

    /// Runs the head on features of the previous and current windows (`[N] + featureShape` each).
    public func head(previous: Tensor, current: Tensor, taps: TapSelection = .none, workers: Int? = nil) throws -> ForwardResult {
        guard previous.shape == current.shape, Array(previous.shape.dropFirst()) == featureShape else {
            throw PPGScopeError(object: "features", "expected two [N, \(featureShape.map(String.init).joined(separator: ", "))] tensors")
        }
        return head(pairs: previous.batch, previous: previous, from: 0, current: current, from: 0, taps: taps, workers: workers)
    }

    /// The head on `pairs` pairs (previous window `p + k`, current window `c + k`), read in place.
    func head(pairs: Int, previous: Tensor, from p: Int, current: Tensor, from c: Int, taps: TapSelection,
              workers: Int?) -> ForwardResult {
        let outputSlot = network.outputSlot
        let chunk = max(1, min(headWindowsPerChunk, (pairs + 1) / 2))
        return parallelChunks(pairs, outputShape: network.outputShape, workers: workers, chunkSize: chunk) { range, _ in
            let shifted = { (offset: Int) in (range.lowerBound + offset)..<(range.upperBound + offset) }
            let run = network.execute(nodes: head, presets: [previousOutput: previous.windowValues(shifted(p)),
                                                              currentOutput: current.windowValues(shifted(c))],
                                      windows: range.count, keep: [outputSlot], taps: taps)
            return ForwardResult(output: Tensor(shape: [range.count] + network.outputShape, values: run.slots[outputSlot]!), taps: run.taps)
        }
    }

    /// Model outputs for every consecutive pair of `windows` `[M, time, 1]`: `[M − 1] + outputShape`,
    /// row k for the pair (window k, window k+1). Each window's branch runs once; `windowShift`
    /// as in `features`.
    public func consecutivePairs(_ windows: Tensor, workers: Int? = nil, windowShift: Int? = nil) throws -> Tensor {
        guard windows.batch >= 2 else {
            throw PPGScopeError(object: "windows", "need at least two windows to form a pair, found \(windows.batch)")
        }
        let f = try features(windows, workers: workers, windowShift: windowShift).features
        return head(pairs: f.batch - 1, previous: f, from: 0, current: f, from: 1, taps: .none, workers: workers).output
    }
}

/// Windows per unit of work through the conv blocks: few enough that a chunk's activations stay in
/// the core's L2 cache (4 KID-PPG windows of [264, 32] floats ≈ 135 KB per buffer). Measured on
/// the S6 windows (`ppgscope bench`): 4 windows per chunk 0.104 ms per pair, 16 → 0.110, 32 → 0.118.
let convWindowsPerChunk = 4
/// Pairs per unit of work through the head, whose dense weights (1 MB in KID-PPG) are better read
/// once for many pairs.
let headWindowsPerChunk = 64

/// At most this many chunks of consecutive overlapping windows run in a row on one thread, each
/// reusing the last window of the one before: only the first window of a claim is computed in full.
let overlapChunksPerClaim = 8

/// Runs `body` on consecutive chunks of up to `chunkSize` windows, spread over up to `workers`
/// threads (default: active processors); outputs (`outputShape` per window) go straight into one
/// tensor, and taps are concatenated, in window order. A thread claims up to `chunksPerClaim`
/// consecutive chunks at a time (fewer as the work runs out, so that the threads finish together)
/// and runs them in order, passing `body` a carry (empty at the claim's start) that each chunk may
/// leave for the next.
///
/// With `shareTiles`, two threads and chunks claimed one by one, the chunks are shared with the
/// tile-sharing worker, which is already awake (or spinning) where a dispatch worker would first
/// have to be woken, and cut to about a quarter of the windows (32 at least), so that a worker that
/// wakes late still takes its share.
func parallelChunks(_ count: Int, outputShape: [Int], workers: Int?, chunkSize: Int = convWindowsPerChunk, chunksPerClaim: Int = 1,
                    shareTiles: Bool = false,
                    _ body: @Sendable (Range<Int>, inout [Int: [Float]]) -> ForwardResult) -> ForwardResult {
    guard count > 0 else { return ForwardResult(output: Tensor(shape: [0] + outputShape, values: []), taps: [:]) }
    let available = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
    let sharing = shareTiles && available == 2 && chunksPerClaim == 1 && TileSharingWorker.isSharing
    let size = sharing ? min(chunkSize, max(32, (count + 3) / 4)) : chunkSize
    let chunks = balancedChunks(count, chunkSize: size, threads: available)
    let threads = min(available, chunks.count)
    let per = outputShape.reduce(1, *)
    let box = ChunkResults(count: chunks.count)
    let output = [Float](unsafeUninitializedCapacity: count * per) { buffer, initialized in
        let base = UnsafeSendablePointer(buffer.baseAddress!)
        @Sendable func runClaim(_ claim: Range<Int>) {
            var carry: [Int: [Float]] = [:]
            for i in claim {
                let result = body(chunks[i], &carry)
                precondition(result.output.values.count == chunks[i].count * per, "chunk output of the wrong size")
                result.output.values.withUnsafeBufferPointer {
                    (base.pointer + chunks[i].lowerBound * per).initialize(from: $0.baseAddress!, count: $0.count)
                }
                box.set(i, result.taps)
            }
        }
        if threads == 1 {
            runClaim(0..<chunks.count)
        } else if sharing {
            TileSharingWorker.run(tiles: chunks.count) { runClaim($0..<($0 + 1)) }
        } else {
            let next = WorkCounter(limit: chunks.count)
            TileSharingWorker.enterParallelRegion()
            defer { TileSharingWorker.leaveParallelRegion() }
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                while let claim = next.claim(upTo: chunksPerClaim, threads: threads) { runClaim(claim) }
            }
        }
        initialized = count * per
    }
    let chunkTaps = box.values
    var taps: [String: Tensor] = [:]
    if let names = chunkTaps.first?.keys {
        for name in names { taps[name] = chunkTaps.count == 1 ? chunkTaps[0][name]! : Tensor.concatenatingWindows(chunkTaps.map { $0[name]! }) }
    }
    return ForwardResult(output: Tensor(shape: [count] + outputShape, values: output), taps: taps)
}

/// Consecutive chunks of at most `chunkSize` windows. When there are only a few per thread, their
/// number is rounded up to a multiple of `threads` and their sizes evened out (to within one), so
/// that no thread waits on another's extra chunk (218 windows in chunks of up to 132 on 2 threads:
/// 109 + 109, not 132 + 86). Results do not depend on the split.
func balancedChunks(_ count: Int, chunkSize: Int, threads: Int) -> [Range<Int>] {
    let chunkCount = (count + chunkSize - 1) / chunkSize
    guard threads > 1 && chunkCount < 4 * threads else {
        return stride(from: 0, to: count, by: chunkSize).map { $0..<min($0 + chunkSize, count) }
    }
    let balanced = min(count, (chunkCount + threads - 1) / threads * threads)
    return (0..<balanced).map { (count * $0 / balanced)..<(count * ($0 + 1) / balanced) }
}

/// A pointer that several threads write disjoint parts of.
struct UnsafeSendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}

/// Per-chunk taps written from `concurrentPerform` workers.
final class ChunkResults: @unchecked Sendable {
    private var storage: [[String: Tensor]?]
    private let lock = NSLock()
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: [String: Tensor]) { lock.lock(); storage[i] = value; lock.unlock() }
    var values: [[String: Tensor]] { storage.map { $0! } }
}

/// A pair model over a live recording, one new window at a time: each window's branch runs once,
/// and the head combines it with the previous window's cached features. Where consecutive windows
/// overlap by `windowShift` samples, the new window's conv rows that the previous window already
/// determines are copied from it (`OverlapReuse`) rather than computed.
public struct WindowPairStream {
    public let split: WindowPairSplit
    public let windowShift: Int?
    private let plan: [Int: ConvRowReuse]
    /// The previous window's input and reusable conv outputs.
    private var carry: [Int: [Float]] = [:]
    private var previousFeatures: Tensor?

    public init(_ split: WindowPairSplit, windowShift: Int?) {
        self.split = split
        self.windowShift = windowShift
        plan = split.branchReusePlan(windowShift)
    }

    /// Adds the next window (`time` samples); returns the model output `outputShape` for the pair
    /// (previous window, this window), or nil for the first window.
    public mutating func push(_ window: [Float]) throws -> Tensor? {
        guard window.count == split.network.inputShape[0] else {
            throw PPGScopeError(object: "window", "expected \(split.network.inputShape[0]) samples, found \(window.count)")
        }
        let features = split.branch(window, windows: 1, taps: .none, plan: plan, shift: windowShift ?? 0, carry: &carry).output
        defer { previousFeatures = features }
        guard let previousFeatures else { return nil }
        return try split.head(previous: previousFeatures, current: features, workers: 1).output
    }

    /// Forgets the previous window (a gap in the recording).
    public mutating func reset() {
        carry = [:]
        previousFeatures = nil
    }
}
