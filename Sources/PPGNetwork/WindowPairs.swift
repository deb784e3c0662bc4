import Foundation
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
        func stripCall(_ name: String) -> String {
            name.replacingOccurrences(of: "@1/", with: "/").replacingOccurrences(of: "@2/", with: "/")
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
        currentBranch.flatMap { i -> [String] in
            let node = network.nodes[i]
            if case .conv1D = node.operation { return [node.name + ".preact", node.name] }
            return [node.name]
        }
    }

    /// Runs the branch on single-channel windows `[M, time, 1]` → features `[M] + featureShape`.
    /// Taps are named as the current-window branch (`model_52@2/...`).
    public func features(_ windows: Tensor, taps: TapSelection = .none, workers: Int? = nil) throws -> (features: Tensor, taps: [String: Tensor]) {
        guard windows.shape.count == 3, windows.shape[1] == network.inputShape[0], windows.shape[2] == 1 else {
            throw PPGScopeError(object: "windows", "expected shape [M, \(network.inputShape[0]), 1], found \(windows.shape)")
        }
        let sliceSlot = network.nodes[currentSlice].output
        let results = parallelChunks(windows.batch, workers: workers) { range in
            let run = network.execute(nodes: currentBranch, presets: [sliceSlot: windows.windows(range).values],
                                      windows: range.count, keep: [currentOutput], taps: taps)
            return ForwardResult(output: Tensor(shape: [range.count] + featureShape, values: run.slots[currentOutput]!), taps: run.taps)
        }
        return (results.output, results.taps)
    }

    /// Runs the head on features of the previous and current windows (`[N] + featureShape` each).
    public func head(previous: Tensor, current: Tensor, taps: TapSelection = .none, workers: Int? = nil) throws -> ForwardResult {
        guard previous.shape == current.shape, Array(previous.shape.dropFirst()) == featureShape else {
            throw PPGScopeError(object: "features", "expected two [N, \(featureShape.map(String.init).joined(separator: ", "))] tensors")
        }
        let outputSlot = network.outputSlot
        let outputShape = network.outputShape
        let chunk = max(1, min(headWindowsPerChunk, (previous.batch + 1) / 2))
        return parallelChunks(previous.batch, workers: workers, chunkSize: chunk) { range in
            let run = network.execute(nodes: head, presets: [previousOutput: previous.windows(range).values,
                                                              currentOutput: current.windows(range).values],
                                      windows: range.count, keep: [outputSlot], taps: taps)
            return ForwardResult(output: Tensor(shape: [range.count] + outputShape, values: run.slots[outputSlot]!), taps: run.taps)
        }
    }

    /// Model outputs for every consecutive pair of `windows` `[M, time, 1]`: `[M − 1] + outputShape`,
    /// row k for the pair (window k, window k+1). Each window's branch runs once.
    public func consecutivePairs(_ windows: Tensor, workers: Int? = nil) throws -> Tensor {
        guard windows.batch >= 2 else {
            throw PPGScopeError(object: "windows", "need at least two windows to form a pair, found \(windows.batch)")
        }
        let f = try features(windows, workers: workers).features
        return try head(previous: f.windows(0..<(f.batch - 1)), current: f.windows(1..<f.batch), workers: workers).output
    }
}

/// Windows per unit of work through the conv blocks: few enough that a chunk's activations stay in
/// the core's L2 cache (4 KID-PPG windows of [264, 32] floats ≈ 135 KB per buffer). Measured on
/// the S6 windows (`ppgscope bench`): 4 windows per chunk 0.104 ms per pair, 16 → 0.110, 32 → 0.118.
let convWindowsPerChunk = 4
/// Pairs per unit of work through the head, whose dense weights (1 MB in KID-PPG) are better read
/// once for many pairs.
let headWindowsPerChunk = 64

/// Runs `body` on consecutive chunks of up to `chunkSize` windows, spread over up to `workers`
/// threads (default: active processors), and concatenates outputs and taps in window order.
func parallelChunks(_ count: Int, workers: Int?, chunkSize: Int = convWindowsPerChunk,
                    _ body: @Sendable (Range<Int>) -> ForwardResult) -> ForwardResult {
    let chunks = stride(from: 0, to: count, by: chunkSize).map { $0..<min($0 + chunkSize, count) }
    let threads = max(1, min(workers ?? ProcessInfo.processInfo.activeProcessorCount, chunks.count))
    let box = ChunkResults(count: chunks.count)
    if threads == 1 {
        for (i, range) in chunks.enumerated() { box.set(i, body(range)) }
    } else {
        let next = ChunkResults.Counter()
        RowSplitWorker.parallelRegions.add(1, ordering: .relaxed)
        defer { RowSplitWorker.parallelRegions.subtract(1, ordering: .relaxed) }
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while let i = next.take(below: chunks.count) { box.set(i, body(chunks[i])) }
        }
    }
    let results = box.values
    if results.count == 1 { return results[0] }
    var taps: [String: Tensor] = [:]
    for name in results[0].taps.keys { taps[name] = Tensor.concatenatingWindows(results.map { $0.taps[name]! }) }
    return ForwardResult(output: Tensor.concatenatingWindows(results.map(\.output)), taps: taps)
}

/// Per-chunk results written from `concurrentPerform` workers.
final class ChunkResults: @unchecked Sendable {
    private var storage: [ForwardResult?]
    private let lock = NSLock()
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: ForwardResult) { lock.lock(); storage[i] = value; lock.unlock() }
    var values: [ForwardResult] { storage.map { $0! } }

    /// A shared work counter.
    final class Counter: @unchecked Sendable {
        private var value = 0
        private let lock = NSLock()
        func take(below limit: Int) -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard value < limit else { return nil }
            value += 1
            return value - 1
        }
    }
}
