import Foundation
import PPGNetwork
import PPGSignals

/// What a heart-rate model's output row means, and how it becomes an estimate.
public enum HeartRateOutput: Sendable, Equatable {
    /// `[hr]`: a point estimate in BPM.
    case point
    /// `[mean, std]` from KID-PPG's DistributionLambda (a Normal distribution), BPM.
    case distribution
    /// `[mean, raw]` from a Dense(2) head without the distribution layer: std = 1 + softplus(raw).
    case meanAndRawScale
    /// Any other output (a sequence, several features): not a heart rate. `inspect` still follows
    /// such a model's layers; `hr` refuses it.
    case notHeartRate

    /// The decoding of `network`'s output: one value per window (`[1]`, or `[1, 1]`), or two (mean and scale).
    public init(_ network: Network) {
        let values = network.outputShape.reduce(1, *)
        if case .normalDistribution = network.nodes.last?.operation { self = .distribution }
        else if values == 2 && network.outputShape.last == 2 { self = .meanAndRawScale }
        else if values == 1 { self = .point }
        else { self = .notHeartRate }
    }

    /// Throws unless the output is a heart rate.
    public func requireHeartRate(_ network: Network) throws {
        guard self != .notHeartRate else {
            throw PPGScopeError(object: "model", "the output \(network.outputShape) is not a heart rate (one value per window, or mean and standard deviation)")
        }
    }

    /// HR and its standard deviation (BPM; nil for a point estimate) from one output row.
    public func decode(_ row: ArraySlice<Float>) -> (hrBPM: Double, stdBPM: Double?) {
        let hr = Double(row[row.startIndex])
        guard row.count >= 2 else { return (hr, nil) }
        let raw = Double(row[row.startIndex + 1])
        switch self {
        case .distribution: return (hr, raw)
        case .point, .meanAndRawScale, .notHeartRate: return (hr, 1 + Activation.softplus(raw))
        }
    }
}

/// p(|error| < threshold) for a Normal estimate with standard deviation `stdBPM`: erf(t / (σ√2)).
public func probabilityWithin(_ thresholdBPM: Double, stdBPM: Double) -> Double {
    erf(thresholdBPM / (stdBPM * 2.0.squareRoot()))
}

/// Whether a model's layers were probed for non-finite values and passed (thread-safe; shared by
/// the recordings of one run, so that a cohort probes one window in all, not one per recording).
public final class LayerProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var hasPassed = false

    public init() {}

    public var passed: Bool { lock.lock(); defer { lock.unlock() }; return hasPassed }

    func pass() { lock.lock(); hasPassed = true; lock.unlock() }
}

/// One model over a recording's windows: single-window models, and KID-PPG-style pair models whose
/// estimate for window n comes from the pair (n − 1, n) with each window's conv blocks computed
/// once. Every command that runs a model over windows (`hr`, `inspect`, `compare`, the DC
/// ablation, the paper's real-CNN experiment) goes through here.
public struct ModelRunner: Sendable {
    public let network: Network
    public let layout: WindowLayout
    /// How output rows become estimates.
    public let output: HeartRateOutput
    /// The split of a pair model into its per-window branch and its head; nil for single-window models.
    public let pairs: WindowPairSplit?
    /// Threads a batch of windows is spread over (nil: every core). One per job when several
    /// recordings run at once.
    public var workers: Int?
    /// Remembers that the layers were probed and found finite: once per runner, or once per run
    /// when the caller shares one over its recordings (`HeartRateOptions.layerProbe`).
    public var layerProbe = LayerProbe()

    /// Checks that `network` takes `layout`'s windows, one at a time or as a KID-PPG-style pair.
    public init(network: Network, layout: WindowLayout) throws {
        guard network.inputShape[0] == layout.length else {
            throw PPGScopeError(object: "model", "the model takes windows of \(network.inputShape[0]) samples, the input has \(layout.length)")
        }
        pairs = WindowPairSplit(network)
        if pairs == nil, network.inputShape[1] != 1 {
            throw PPGScopeError(object: "model", "input [\(network.inputShape[0]), \(network.inputShape[1])] is neither one window nor a KID-PPG-style pair")
        }
        self.network = network
        self.layout = layout
        output = HeartRateOutput(network)
    }

    /// The first window of `range` that gets an estimate (a pair model's window 0 has no predecessor).
    public func firstEstimated(in range: Range<Int>) -> Int { pairs != nil ? max(range.lowerBound, 1) : range.lowerBound }

    /// Output rows `[estimated windows × outputs]` for the windows of `range` that get an estimate
    /// (`firstEstimated(in:)..<range.upperBound`), without taps: the fastest path.
    public func outputs(_ windows: PreparedWindows, _ range: Range<Int>) throws -> Tensor {
        let first = firstEstimated(in: range), t = layout.length
        guard first < range.upperBound else { return Tensor(shape: [0] + network.outputShape, values: []) }
        let outputs: Tensor
        if let pairs {
            outputs = try pairs.consecutivePairs(Tensor(shape: [range.upperBound - first + 1, t, 1],
                                                        values: Array(windows.ppg[((first - 1) * t)..<(range.upperBound * t)])),
                                                 workers: workers, windowShift: layout.shift)
        } else {
            outputs = try network.forward(Tensor(shape: [range.upperBound - first, t, 1], values: Array(windows.ppg[(first * t)..<(range.upperBound * t)])),
                                          workers: workers, windowShift: layout.shift).output
        }
        try checkFinite(outputs: outputs, firstWindow: first, windows)
        try probeLayersOnce(window: first, windows)
        return outputs
    }

    /// Runs window `n` alone with every layer tapped and throws naming the first layer with a NaN
    /// or Inf. A ReLU maps NaN to 0 and a pooling may average it away, so the outputs can be finite
    /// while a channel is broken (one NaN in a conv kernel); non-finite weights show on every
    /// window, so one window per run finds them, at the cost of one extra window's forward pass.
    /// Skipped once `layerProbe` has passed (a failed probe is repeated on the next call).
    func probeLayersOnce(window n: Int, _ windows: PreparedWindows) throws {
        guard !layerProbe.passed else { return }
        try probeLayers(window: n, windows)
        layerProbe.pass()
    }

    func probeLayers(window n: Int, _ windows: PreparedWindows) throws {
        if let layer = firstNonFiniteLayer(window: n, windows) {
            throw PPGScopeError(object: "model layer \(layer)", "the layer's output is not finite on window \(n) (non-finite weights, or values that overflow Float32): no estimate is reported")
        }
    }

    /// Throws when a model output is NaN or Inf, naming the first layer (in network order, the
    /// pre-activation of a conv before its output) whose values are not finite on the first such
    /// window: a non-finite value must become an error, never a finite-looking wrong answer.
    /// Checking the outputs costs one pass over them; the per-layer search runs only on failure.
    func checkFinite(outputs: Tensor, firstWindow: Int, _ windows: PreparedWindows) throws {
        guard let bad = outputs.values.firstIndex(where: { !$0.isFinite }) else { return }
        let n = firstWindow + bad / max(outputs.elementsPerWindow, 1)
        throw PPGScopeError(object: firstNonFiniteLayer(window: n, windows).map { "model layer \($0)" } ?? "model output",
                            "the model gives \(outputs.values[bad]) on window \(n) (non-finite weights, or values that overflow Float32): no estimate is reported")
    }

    /// The first tap (`Network.tapNames` order) holding a non-finite value when the model runs on
    /// window `n` (with its predecessor for a pair model); nil when every layer is finite.
    func firstNonFiniteLayer(window n: Int, _ windows: PreparedWindows) -> String? {
        let t = layout.length
        let input: Tensor
        if pairs != nil {
            guard n >= 1 else { return nil }
            var pair = [Float](repeating: 0, count: 2 * t)
            for i in 0..<t { pair[2 * i] = windows.ppg[(n - 1) * t + i]; pair[2 * i + 1] = windows.ppg[n * t + i] }
            input = Tensor(shape: [1, t, 2], values: pair)
        } else {
            input = Tensor(shape: [1, t, 1], values: Array(windows.ppg[(n * t)..<((n + 1) * t)]))
        }
        guard let run = try? network.forward(input, taps: .all, workers: 1) else { return nil }
        return network.tapNames.first { name in run.taps[name]?.values.contains { !$0.isFinite } ?? false }
    }

    /// The outputs and the requested taps of one block of windows.
    public struct TappedBlock: Sendable {
        /// The block's windows.
        public var windows: Range<Int>
        /// Per-window taps (a pair model's branch; every layer of a single-window model), each
        /// `[windows.count, ...]`, keyed by the network's tap names.
        public var windowTaps: [String: Tensor]
        /// Windows with an estimate (`firstEstimated(in: windows)..<windows.upperBound`).
        public var estimatedWindows: Range<Int>
        /// A pair model's head taps (layers after the two windows meet), `[estimatedWindows.count, ...]`.
        public var headTaps: [String: Tensor]
        /// Output rows for `estimatedWindows`.
        public var outputs: Tensor

        /// Tap `name` of window `n`, from either part; nil when not tapped or `n` has no head output.
        public func tap(_ name: String, window n: Int) -> Tensor? {
            if let t = windowTaps[name], windows.contains(n) { return t.windows((n - windows.lowerBound)..<(n - windows.lowerBound + 1)) }
            if let t = headTaps[name], estimatedWindows.contains(n) {
                return t.windows((n - estimatedWindows.lowerBound)..<(n - estimatedWindows.lowerBound + 1))
            }
            return nil
        }
    }

    /// Runs the windows of `range` in blocks of `blockWindows`, with the taps named in `taps`,
    /// handing each block to `body` in order.
    public func forEachBlock(_ windows: PreparedWindows, _ range: Range<Int>, blockWindows: Int, taps: Set<String>,
                             _ body: (TappedBlock) throws -> Void) throws {
        let t = layout.length
        let slice = { (a: Int, b: Int) in Tensor(shape: [b - a, t, 1], values: Array(windows.ppg[(a * t)..<(b * t)])) }
        var start = range.lowerBound
        if firstEstimated(in: range) < range.upperBound { try probeLayersOnce(window: firstEstimated(in: range), windows) }
        while start < range.upperBound {
            let end = min(start + blockWindows, range.upperBound)
            let estimated = firstEstimated(in: start..<end)..<end
            if let pairs {
                // The window before the block is recomputed so that the block's first pair has its predecessor.
                let first = max(start - 1, 0)
                let f = try pairs.features(slice(first, end), taps: .named(taps), workers: workers, windowShift: layout.shift)
                let skip = start - first
                var windowTaps: [String: Tensor] = [:]
                for (k, v) in f.taps { windowTaps[k] = v.windows(skip..<v.batch) }
                var headTaps: [String: Tensor] = [:]
                var outputs = Tensor(shape: [0] + network.outputShape, values: [])
                if !estimated.isEmpty {
                    let head = try pairs.head(previous: f.features.windows((estimated.lowerBound - 1 - first)..<(end - 1 - first)),
                                              current: f.features.windows((estimated.lowerBound - first)..<(end - first)), taps: .named(taps),
                                              workers: workers)
                    headTaps = head.taps
                    outputs = head.output
                    try checkFinite(outputs: outputs, firstWindow: estimated.lowerBound, windows)
                }
                try checkFiniteTaps(windowTaps.merging(headTaps) { a, _ in a })
                try body(TappedBlock(windows: start..<end, windowTaps: windowTaps, estimatedWindows: estimated, headTaps: headTaps, outputs: outputs))
            } else {
                let out = try network.forward(slice(start, end), taps: .named(taps), workers: workers, windowShift: layout.shift)
                try checkFinite(outputs: out.output, firstWindow: start, windows)
                try checkFiniteTaps(out.taps)
                try body(TappedBlock(windows: start..<end, windowTaps: out.taps, estimatedWindows: estimated, headTaps: [:], outputs: out.output))
            }
            start = end
        }
    }

    /// Throws naming the first tap (network order) with a NaN or Inf: taps feed the reported
    /// spectra and DC measures, so they are checked in every build.
    func checkFiniteTaps(_ taps: [String: Tensor]) throws {
        for name in network.tapNames {
            if let tensor = taps[name], let bad = tensor.values.first(where: { !$0.isFinite }) {
                throw PPGScopeError(object: "model layer \(name)", "layer output holds \(bad) (non-finite weights, or values that overflow Float32): no measure is reported")
            }
        }
    }

    /// Fills the model fields of `estimates` (one per window of `outputs`' rows, in order) from output rows.
    public func decode(_ outputs: Tensor, into estimates: inout ArraySlice<WindowEstimate>, thresholdBPM: Double) {
        guard output != .notHeartRate else { return }
        let d = outputs.elementsPerWindow
        for (k, i) in estimates.indices.enumerated() where k < outputs.batch {
            let (hr, std) = output.decode(outputs.values[(k * d)..<((k + 1) * d)])
            estimates[i].hrBPM = hr
            estimates[i].hrStdBPM = std
            estimates[i].pWithin = std.map { probabilityWithin(thresholdBPM, stdBPM: $0) }
        }
    }
}
