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
    /// single-threaded. Results do not depend on the split. With `windowShift`, the inputs are
    /// consecutive windows of one recording that many samples apart, and the conv rows they share
    /// are computed once (`OverlapReuse`; exact, checked against the samples).
    public func forward(_ input: Tensor, taps: TapSelection = .none, workers: Int? = nil, windowShift: Int? = nil) throws -> ForwardResult {
        guard input.shape.count == 3, Array(input.shape.dropFirst()) == inputShape else {
            throw PPGScopeError(object: "inputs", "expected shape [N, \(inputShape[0]), \(inputShape[1])], found \(input.shape)")
        }
        let order = Array(nodes.indices)
        let plan = windowShift.map { OverlapReuse.plan(self, order: order, inputSlot: 0, shift: $0) } ?? [:]
        return parallelChunks(input.batch, outputShape: outputShape, workers: workers,
                              chunksPerClaim: plan.isEmpty ? 1 : overlapChunksPerClaim) { range, carry in
            let run = executeOverlapping(nodes: order, inputSlot: 0, input: input.windows(range).values, windows: range.count,
                                         keep: [outputSlot], taps: taps, plan: plan, shift: windowShift ?? 0, carry: &carry)
            return ForwardResult(output: Tensor(shape: [range.count] + outputShape, values: run.slots[outputSlot]!), taps: run.taps)
        }
    }

    /// Runs `nodes` (indices into `self.nodes`, in order) on `windows` windows, starting from the
    /// slot values in `presets`. Returns the slots in `keep` and the selected taps; other
    /// intermediate buffers are freed as soon as their last reader has run. With `overlap`, conv
    /// layers copy the rows that consecutive overlapping windows share (`OverlapReuse`), and
    /// `lastWindow` holds the last window's outputs of those layers (for the next batch).
    func execute(nodes order: [Int], presets: [Int: [Float]], windows n: Int, keep: Set<Int>,
                 taps selection: TapSelection, overlap: OverlapContext? = nil)
        -> (slots: [Int: [Float]], taps: [String: Tensor], lastWindow: [Int: [Float]]) {
        var slots = [[Float]?](repeating: nil, count: slotCount)
        for (slot, values) in presets { slots[slot] = values }
        var lastUse = [Int](repeating: -1, count: slotCount)
        for (position, index) in order.enumerated() { for s in nodes[index].inputs { lastUse[s] = position } }
        for s in keep { lastUse[s] = order.count }

        var taps: [String: Tensor] = [:]
        var lastWindow: [Int: [Float]] = [:]
        for (position, index) in order.enumerated() {
            let node = nodes[index]
            let x = slots[node.inputs[0]]!
            let inShape = shape(of: node.inputs[0])
            var y: [Float]
            switch node.operation {
            case .channelSlice(let start, let end):
                y = Structural.channelSlice(x, rows: n * inShape[0], channels: inShape[1], start: start, end: end)
            case .conv1D(let layer):
                let keep = selection.contains(node.name + ".preact")
                let rows = overlap.flatMap { context in
                    context.reuse[index].map { ConvOverlap(reuse: $0, windowOverlaps: context.windowOverlaps,
                                                           previous: context.previous[node.output]) }
                }
                let result = layer.forward(x, windows: n, length: inShape[0], keepPreactivation: keep, overlap: rows)
                y = result.output
                if let pre = result.preactivation {
                    taps[node.name + ".preact"] = Tensor(shape: [n] + node.outputShape, values: pre)
                }
            case .averagePooling(let layer):
                y = layer.forward(x, windows: n, length: inShape[0], channels: inShape[1])
            case .identity, .flatten:
                y = x
            case .add:
                y = Structural.add(x, slots[node.inputs[1]]!)
            case .multiHeadAttention(let layer):
                y = layer.forward(query: x, value: slots[node.inputs[1]]!, key: slots[node.inputs[2]]!,
                                  windows: n, queryLength: inShape[0], keyLength: shape(of: node.inputs[1])[0])
            case .layerNormalization(let layer):
                let c = inShape.last!
                y = layer.forward(x, rows: x.count / c, channels: c)
            case .dense(let layer):
                y = layer.forward(x, rows: x.count / layer.inFeatures)
            case .normalDistribution:
                y = Structural.normalDistribution(x, windows: n)
            }
            if !activationEdits.isEmpty, let edit = activationEdits[Network.layerPath(node.name)], node.outputShape.count == 2 {
                Network.apply(edit, to: &y, windows: n, time: node.outputShape[0], channels: node.outputShape[1])
            }
            if selection.contains(node.name) {
                taps[node.name] = Tensor(shape: [n] + node.outputShape, values: y)
            }
            if let context = overlap, context.reuse[index] != nil {
                lastWindow[node.output] = Array(y.suffix(y.count / n))
            }
            slots[node.output] = y
            for s in node.inputs where lastUse[s] == position { slots[s] = nil }
        }
        var kept: [Int: [Float]] = [:]
        for s in keep { kept[s] = slots[s] }
        return (kept, taps, lastWindow)
    }

    /// Per-window shape of a slot.
    func shape(of slot: Int) -> [Int] { slotShapes[slot] }
}
