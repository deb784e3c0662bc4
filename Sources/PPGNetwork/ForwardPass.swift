import PPGSignals
import Foundation

/// Which intermediate tensors a forward pass keeps.
public enum TapSelection: Sendable {
    case none
    case all
    /// Tap names as listed by `Network.tapNames` (`model_52@1/conv1d_117.preact`, ...).
    case named(Set<String>)

    func contains(_ name: String) -> Bool {
        switch self {
        case .none: return false
        case .all: return true
        case .named(let names): return names.contains(name)
        }
    }
}

/// The result of a forward pass: the model output and the kept taps, all window-major Float32.
public struct ForwardResult: Sendable {
    /// `[windows] + network.outputShape`.
    public var output: Tensor
    /// Tap name → `[windows, time, channels]` or `[windows, features]`.
    public var taps: [String: Tensor]
}

extension Network {
    /// Runs the network on `input` `[windows, time, channels]` (no preprocessing).
    ///
    /// Windows are split over `workers` threads (default: active processors); BLAS stays
    /// single-threaded. Results do not depend on the split.
    public func forward(_ input: Tensor, taps: TapSelection = .none, workers: Int? = nil) throws -> ForwardResult {
        guard input.shape.count == 3, Array(input.shape.dropFirst()) == inputShape else {
            throw PPGScopeError(object: "inputs", "expected shape [N, \(inputShape[0]), \(inputShape[1])], found \(input.shape)")
        }
        let n = input.batch
        let parts = max(1, min(workers ?? ProcessInfo.processInfo.activeProcessorCount, n))
        if parts == 1 { return forwardChunk(input, taps: taps) }
        let bounds = (0...parts).map { $0 * n / parts }
        let results = ResultBox(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { i in
            results.set(i, forwardChunk(input.windows(bounds[i]..<bounds[i + 1]), taps: taps))
        }
        let chunks = results.values
        var merged: [String: Tensor] = [:]
        for name in chunks[0].taps.keys {
            merged[name] = Tensor.concatenatingWindows(chunks.map { $0.taps[name]! })
        }
        return ForwardResult(output: Tensor.concatenatingWindows(chunks.map(\.output)), taps: merged)
    }

    /// Sequential forward pass over one chunk of windows.
    func forwardChunk(_ input: Tensor, taps selection: TapSelection) -> ForwardResult {
        let n = input.batch
        var slots = [[Float]?](repeating: nil, count: slotCount)
        var shapes = [[Int]](repeating: [], count: slotCount)
        slots[0] = input.values
        shapes[0] = inputShape
        // Last node reading each slot, to free intermediate buffers early.
        var lastUse = [Int](repeating: -1, count: slotCount)
        for (i, node) in nodes.enumerated() { for s in node.inputs { lastUse[s] = i } }
        lastUse[outputSlot] = nodes.count

        var taps: [String: Tensor] = [:]
        for (index, node) in nodes.enumerated() {
            let x = slots[node.inputs[0]]!
            let inShape = shapes[node.inputs[0]]
            var y: [Float]
            switch node.operation {
            case .channelSlice(let start, let end):
                let c = inShape[1], t = inShape[0], w = end - start
                y = [Float](repeating: 0, count: n * t * w)
                for r in 0..<(n * t) {
                    for j in 0..<w { y[r * w + j] = x[r * c + start + j] }
                }
            case .conv1D(let layer):
                y = Kernels.conv1D(layer, input: x, windows: n, length: inShape[0])
                if selection.contains(node.name + ".preact") {
                    taps[node.name + ".preact"] = Tensor(shape: [n] + node.outputShape, values: y)
                }
                if layer.activation == .relu { Kernels.relu(&y) }
            case .averagePooling(let layer):
                y = Kernels.averagePool(layer, input: x, windows: n, length: inShape[0], channels: inShape[1])
            case .identity, .flatten:
                y = x
            case .add:
                y = x
                let other = slots[node.inputs[1]]!
                for i in y.indices { y[i] += other[i] }
            case .multiHeadAttention(let layer):
                let valueShape = shapes[node.inputs[1]]
                y = Kernels.multiHeadAttention(layer, query: x, value: slots[node.inputs[1]]!, key: slots[node.inputs[2]]!,
                                               windows: n, queryLength: inShape[0], keyLength: valueShape[0])
            case .layerNormalization(let layer):
                let c = inShape.last!
                y = Kernels.layerNorm(layer, input: x, rows: x.count / c, channels: c)
            case .dense(let layer):
                y = Kernels.dense(layer, input: x, rows: x.count / layer.inFeatures)
            case .normalDistribution:
                y = x
                for w in 0..<n { y[w * 2 + 1] = 1 + Kernels.softplus(x[w * 2 + 1]) }
            }
            if selection.contains(node.name) {
                taps[node.name] = Tensor(shape: [n] + node.outputShape, values: y)
            }
            slots[node.output] = y
            shapes[node.output] = node.outputShape
            for s in node.inputs where lastUse[s] == index { slots[s] = nil }
        }
        return ForwardResult(output: Tensor(shape: [n] + outputShape, values: slots[outputSlot]!), taps: taps)
    }
}

/// Collects per-chunk results written from `concurrentPerform` workers.
private final class ResultBox: @unchecked Sendable {
    private var storage: [ForwardResult?]
    private let lock = NSLock()
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: ForwardResult) { lock.lock(); storage[i] = value; lock.unlock() }
    var values: [ForwardResult] { storage.map { $0! } }
}
