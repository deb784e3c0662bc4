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
        if plan.isEmpty && (input.batch == 1 || (workers == 1 && input.batch <= windowsPerChunk)) {
            // One chunk on this thread (a window at a time, or a small batch on one core): run it
            // here, without the chunking machinery or a copy of the input.
            let run = execute(nodes: order, presets: [0: input.values], windows: input.batch, keep: [outputSlot], taps: taps)
            return ForwardResult(output: Tensor(shape: [input.batch] + outputShape, values: run.slots[outputSlot]!), taps: run.taps)
        }
        return parallelChunks(input.batch, outputShape: outputShape, workers: workers, chunkSize: windowsPerChunk,
                              chunksPerClaim: plan.isEmpty ? 1 : overlapChunksPerClaim, shareTiles: true) { range, carry in
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
        /// BatchNormalization nodes already computed by the conv or dense they are folded into.
        var foldedAway = Set<Int>()
        for (position, index) in order.enumerated() {
            defer { for s in nodes[index].inputs where lastUse[s] == position { slots[s] = nil } }
            if !foldedAway.isEmpty && foldedAway.contains(index) { continue }
            // A BatchNormalization folded into this layer: run the folded layer in place of the two,
            // unless this layer's own taps are asked for.
            let fold = batchNormFolds.isEmpty ? nil : batchNormFolds[index].flatMap { fold in
                order.contains(fold.batchNormNode) && !nodes[index].tapNames.contains(where: selection.contains)
                    && activationEdits[Network.layerPath(nodes[index].name)] == nil ? fold : nil
            }
            let folded = fold != nil
            let node: NetworkNode
            if let fold {
                foldedAway.insert(fold.batchNormNode)
                let bn = nodes[fold.batchNormNode]
                node = NetworkNode(name: bn.name, operation: fold.folded, inputs: nodes[index].inputs, output: bn.output,
                                   outputShape: bn.outputShape, timeStep: bn.timeStep, receptiveField: bn.receptiveField)
            } else {
                node = nodes[index]
            }
            let operation = node.operation
            var x = slots[node.inputs[0]]!
            let inShape = shape(of: node.inputs[0])
            let keepPre = operation.hasPreactivation && selection.contains(node.name + ".preact")
            var preactivation: [Float]?
            var y: [Float]
            switch operation {
            case .channelSlice(let start, let end):
                y = Structural.channelSlice(x, rows: n * inShape[0], channels: inShape[1], start: start, end: end)
            case .conv1D(let layer):
                let rows = overlap.flatMap { context in
                    context.reuse[index].map { ConvOverlap(reuse: $0, windowOverlaps: context.windowOverlaps,
                                                           previous: context.previous[node.output]) }
                }
                (y, preactivation) = layer.forward(x, windows: n, length: inShape[0], keepPreactivation: keepPre,
                                                   overlap: folded ? nil : rows)
            case .depthwiseConv1D(let layer):
                (y, preactivation) = layer.forward(x, windows: n, length: inShape[0], keepPreactivation: keepPre)
            case .separableConv1D(let layer):
                (y, preactivation) = layer.forward(x, windows: n, length: inShape[0], keepPreactivation: keepPre)
            case .averagePooling(let layer):
                y = layer.forward(x, windows: n, length: inShape[0], channels: inShape[1])
            case .maxPooling(let layer):
                y = layer.forward(x, windows: n, length: inShape[0], channels: inShape[1])
            case .globalPooling(let layer):
                y = layer.forward(x, windows: n, length: inShape[0], channels: inShape[1])
            case .batchNormalization(let layer):
                y = layer.forward(x)
            case .identity, .flatten, .reshape:
                y = x
            case .transpose:
                y = Structural.transpose(x, windows: n, rows: inShape[0], columns: inShape[1])
            case .add:
                y = Structural.add(x, slots[node.inputs[1]]!)
            case .merge(let layer):
                y = layer.forward(node.inputs.map { slots[$0]! }, windows: n)
            case .concatenate(let layer):
                y = layer.forward(node.inputs.map { slots[$0]! }, windows: n)
            case .timeAxis(let layer):
                y = layer.forward(x, windows: n, length: inShape[0], channels: inShape[1])
            case .activation(let layer):
                // In place: when this is the input's last reader (and no tap holds it), its buffer is overwritten.
                if lastUse[node.inputs[0]] == position { slots[node.inputs[0]] = nil }
                y = x
                x = []
                layer.apply(to: &y, shape: inShape)
            case .recurrent(let layer):
                y = layer.forward(x, windows: n, length: inShape[0])
            case .multiHeadAttention(let layer):
                y = layer.forward(query: x, value: slots[node.inputs[1]]!, key: slots[node.inputs[2]]!,
                                  windows: n, queryLength: inShape[0], keyLength: shape(of: node.inputs[1])[0])
            case .layerNormalization(let layer):
                let c = inShape.last!
                y = layer.forward(x, rows: x.count / c, channels: c)
            case .dense(let layer):
                (y, preactivation) = layer.forward(x, rows: x.count / layer.inFeatures, keepPreactivation: keepPre)
            case .normalDistribution:
                y = Structural.normalDistribution(x, windows: n)
            }
            if let pre = preactivation {
                taps[node.name + ".preact"] = Tensor(shape: [n] + node.outputShape, values: pre)
            }
            if !activationEdits.isEmpty, let edit = activationEdits[Network.layerPath(node.name)], node.outputShape.count == 2 {
                Network.apply(edit, to: &y, windows: n, time: node.outputShape[0], channels: node.outputShape[1])
            }
            if selection.contains(node.name) {
                taps[node.name] = Tensor(shape: [n] + node.outputShape, values: y)
            }
            if let context = overlap, context.reuse[index] != nil, !folded {
                lastWindow[node.output] = Array(y.suffix(y.count / n))
            }
            slots[node.output] = y
        }
        var kept: [Int: [Float]] = [:]
        for s in keep { kept[s] = slots[s] }
        return (kept, taps, lastWindow)
    }

    /// Windows per unit of work: `convWindowsPerChunk` (KID-PPG-sized layers), more for a model
    /// whose largest activation is smaller, so that a chunk's buffers stay about as large (and the
    /// fixed cost of each layer call is shared by more windows).
    var windowsPerChunk: Int {
        let largest = slotShapes.map { $0.reduce(1, *) }.max() ?? 1
        return max(convWindowsPerChunk, min(256, convWindowsPerChunk * 264 * 32 / max(largest, 1)))
    }

    /// Per-window shape of a slot.
    func shape(of slot: Int) -> [Int] { slotShapes[slot] }
}
