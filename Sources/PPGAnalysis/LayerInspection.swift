import Foundation
import PPGNetwork
import PPGSpectral

/// One tap followed through an inspection: its identity, rate and shape.
public struct InspectedLayer: Sendable, Codable {
    /// Tap name as shown (the call index of a shared block removed: `model_52/conv1d_117`).
    public var name: String
    /// Tap name in the network (`model_52@2/conv1d_117`).
    public var tapName: String
    public var className: String
    /// The layer's own sampling rate in Hz (input rate / time step).
    public var samplingRateHz: Double
    public var timeSteps: Int
    public var channels: Int
    /// For an activated layer (a conv with any activation but linear): the pre-activation tap, whose
    /// DC is what the convolution carries in.
    public var preactivationTap: String?
    /// The activation between `preactivationTap` and this tap, as labelled by `Activation.label`
    /// (`relu`, `gelu`, `elu(alpha=0.5)`), nil for layers without one.
    public var activation: String?
    /// Conv bias per channel (nil without bias or for other layers).
    public var bias: [Float]?

    public init(name: String, tapName: String, className: String, samplingRateHz: Double, timeSteps: Int, channels: Int,
                preactivationTap: String? = nil, activation: String? = nil, bias: [Float]? = nil) {
        self.name = name
        self.tapName = tapName
        self.className = className
        self.samplingRateHz = samplingRateHz
        self.timeSteps = timeSteps
        self.channels = channels
        self.preactivationTap = preactivationTap
        self.activation = activation
        self.bias = bias
    }
}

/// DC prominence, bandwidth and harmonic content of one layer, averaged over windows.
public struct LayerSummary: Sendable, Codable {
    public var layer: InspectedLayer
    public var windows: Int
    /// Mean over live (window, channel) pairs of DC² / mean square (relu(A·cos) gives 4/π² ≈ 0.405).
    public var dcPowerFraction: Double
    /// Mean over live pairs of |DC| / largest non-DC amplitude.
    public var dcToLargestNonDC: Double
    /// Share of live pairs whose largest spectral component is DC.
    public var dcDominantShare: Double
    /// Mean number of channels that are all zero on a window (kept out of the ratios above).
    public var deadChannelsPerWindow: Double
    /// √(mean of x² over windows, time and channels): the layer's overall scale.
    public var rootMeanSquare: Double
    /// Mean over windows and channels of the pre-activation DC: bias plus the kernel's response to
    /// the input's DC (nil for layers without a pre-activation).
    public var dcFromConvolution: Double?
    /// Mean of the conv bias over channels (the part of `dcFromConvolution` that does not depend on the input).
    public var meanBias: Double?
    /// Mean over windows and channels of DC(activation output) − DC(pre-activation): the DC the
    /// activation adds (nil for layers without one). For ReLU on A·cos it is A/π; `paper activations`
    /// gives it for every activation against the amplitude.
    public var dcAddedByActivation: Double?
    /// Frequency below which 99 % of the non-DC power lies (window-averaged, all channels), Hz.
    public var bandwidth99Hz: Double
    /// Mean over windows of the share of non-DC power within ±1 bin of k × HR, k = 1…K.
    public var harmonicShare: Double
    /// Per channel: correlation across windows between the channel's DC and the reference HR
    /// (or the input's dominant frequency in BPM when there is no reference); nan when undefined.
    public var dcHRCorrelation: [Double]
    /// Per channel: mean amplitude spectrum over windows, `[channels][bins]`, and the bin frequencies in Hz.
    public var meanSpectra: [[Float]]
    public var frequenciesHz: [Double]
}

/// Accumulates layer spectra and DC statistics window by window, in bounded memory (running sums,
/// nothing kept per window), so a day-long recording streams.
public final class LayerInspector: @unchecked Sendable {
    public let layers: [InspectedLayer]
    public let harmonics: Int
    private var acc: [Accumulator]
    private var windows = 0

    struct Accumulator {
        var amplitudeSum: [Double]         // [channels × bins]
        var powerSum: [Double]             // [bins], over channels
        var dcFractionSum = 0.0, dcToPeakSum = 0.0, dominant = 0, live = 0, dead = 0
        var preDCSum = 0.0, activationDCSum = 0.0, prePairs = 0, sumSquares = 0.0
        var harmonicShareSum = 0.0, harmonicWindows = 0
        // Streaming correlation sums per channel: Σd, Σd², Σh, Σh², Σdh, n.
        var sd: [Double], sdd: [Double], sdh: [Double], sh: [Double], shh: [Double], n: [Double]
        init(channels: Int, bins: Int) {
            amplitudeSum = [Double](repeating: 0, count: channels * bins)
            powerSum = [Double](repeating: 0, count: bins)
            sd = [Double](repeating: 0, count: channels); sdd = sd; sdh = sd; sh = sd; shh = sd; n = sd
        }
        init(_ s: LayerSums, channels c: Int) {
            amplitudeSum = s.amplitudeSum
            powerSum = s.powerSum
            (dcFractionSum, dcToPeakSum, dominant, live, dead) = (s.counts[0], s.counts[1], Int(s.counts[2]), Int(s.counts[3]), Int(s.counts[4]))
            (preDCSum, activationDCSum, prePairs, harmonicShareSum, harmonicWindows) = (s.counts[5], s.counts[6], Int(s.counts[7]), s.counts[8], Int(s.counts[9]))
            sumSquares = s.counts[10]
            let r = s.correlationSums
            sd = Array(r[0..<c]); sdd = Array(r[c..<2 * c]); sdh = Array(r[2 * c..<3 * c])
            sh = Array(r[3 * c..<4 * c]); shh = Array(r[4 * c..<5 * c]); n = Array(r[5 * c..<6 * c])
        }
    }

    /// Keep every window's spectra (memory grows with the recording; off by default).
    public let keepPerWindow: Bool
    /// Divide each channel's spectrum by the channel's standard deviation on that window (as the
    /// paper's figure), for the accumulated and per-window spectra; DC metrics are unaffected.
    public let normaliseByStd: Bool
    private var perWindow: [[Float]]
    /// Every `dcSampleStride`-th window's signed DC per channel and its reference frequency, for
    /// the DC-vs-HR scatter plots (bounded: the stride keeps at most a few thousand windows).
    public var dcSampleStride = 1
    private var dcSamples: [[Float]]
    private var dcSampleReference: [[Double]]
    private var seenWindows: [Int]

    public init(layers: [InspectedLayer], harmonics: Int = 8, keepPerWindow: Bool = false, normaliseByStd: Bool = false) {
        self.layers = layers
        self.harmonics = harmonics
        self.keepPerWindow = keepPerWindow
        self.normaliseByStd = normaliseByStd
        acc = layers.map { Accumulator(channels: $0.channels, bins: $0.timeSteps / 2 + 1) }
        perWindow = layers.map { _ in [] }
        dcSamples = layers.map { _ in [] }
        dcSampleReference = layers.map { _ in [] }
        seenWindows = layers.map { _ in 0 }
    }

    /// The sampled windows' signed DC of layer `index`, `[samples × channels]`, and their reference BPM.
    public func dcSamples(_ index: Int) -> (dc: [Float], referenceBPM: [Double]) { (dcSamples[index], dcSampleReference[index]) }

    /// Per-window spectra of layer `index`, `[windows × channels × bins]` row-major (empty unless `keepPerWindow`).
    public func perWindowSpectra(_ index: Int) -> [Float] { perWindow[index] }

    /// The layers of `network` worth a spectrum: every tap with a time axis (conv outputs, pooling,
    /// attention, normalisation), each activated layer paired with its pre-activation. For pair models
    /// only the current-window branch (the previous-window branch has the same layers) and the head.
    public static func layers(of network: Network, inputRateHz: Double) -> [InspectedLayer] {
        var result: [InspectedLayer] = []
        let skipped = Set(WindowPairSplit(network)?.previousBranchNodes ?? [])
        // Layers with a time axis of at least two steps (not after a Permute or Reshape, not a keepdims global pooling).
        for (i, node) in network.nodes.enumerated() where node.hasTimeAxis && node.outputShape[0] >= 2 && !skipped.contains(i) {
            if case .channelSlice = node.operation { continue }
            if case .identity = node.operation { continue }
            var bias: [Float]?
            if node.operation.isConvolution { bias = node.operation.bias }
            let activated = activation(of: node)
            if let activated {
                // The pre-activation first: its spectrum is what the activation acts on.
                result.append(InspectedLayer(name: Network.layerPath(node.name) + ".preact", tapName: activated.preactivationTap,
                                             className: "\(node.operation.className) pre-activation", samplingRateHz: inputRateHz / Double(node.timeStep),
                                             timeSteps: node.outputShape[0], channels: node.outputShape[1], bias: bias))
            }
            result.append(InspectedLayer(name: Network.layerPath(node.name), tapName: node.name, className: node.operation.className,
                                         samplingRateHz: inputRateHz / Double(node.timeStep), timeSteps: node.outputShape[0],
                                         channels: node.outputShape[1], preactivationTap: activated?.preactivationTap,
                                         activation: activated?.activation.label, bias: bias))
        }
        return result
    }

    /// The activation a node applies last and the tap holding its input, for nodes whose activation
    /// does something (not linear): a convolution's (Conv1D, DepthwiseConv1D, SeparableConv1D) fused
    /// activation, on `<name>.preact`.
    public static func activation(of node: NetworkNode) -> (activation: Activation, preactivationTap: String)? {
        guard node.operation.isConvolution, let activation = node.operation.activationFunction, activation != .linear else { return nil }
        return (activation, node.name + ".preact")
    }

    /// The tap names the forward pass must keep for `layers`.
    public static func requiredTaps(_ layers: [InspectedLayer]) -> Set<String> {
        Set(layers.flatMap { [$0.tapName] + ($0.preactivationTap.map { [$0] } ?? []) })
    }

    /// Adds windows: `taps` from a forward pass over `count` windows, and each window's reference
    /// frequency in BPM (reference HR, or the input's dominant frequency; nil when unknown).
    public func add(taps: [String: Tensor], count: Int, referenceBPM: [Double?]) {
        for (li, layer) in layers.enumerated() {
            guard let tensor = taps[layer.tapName] else { continue }
            // Windows whose DC is sampled: those with a reference, every `dcSampleStride`-th.
            let sampled = (0..<count).map { w in referenceBPM[w] != nil && (seenWindows[li] + w) % dcSampleStride == 0 }
            for w in 0..<count where sampled[w] { dcSampleReference[li].append(referenceBPM[w]!) }
            seenWindows[li] += count
            let pre = layer.preactivationTap.flatMap { taps[$0] }
            let t = layer.timeSteps, c = layer.channels, bins = t / 2 + 1
            let per = t * c
            let fft = RealFFT.of(length: t), workspace = RealFFT.Workspace(length: t)
            let norm = 1 / Float(t)
            var a = acc[li]
            var column = [Float](repeating: 0, count: t), complex = [Float](repeating: 0, count: 2 * bins)
            var amplitudes = [Double](repeating: 0, count: bins), windowPower = [Double](repeating: 0, count: bins)
            for w in 0..<count {
                for k in 0..<bins { windowPower[k] = 0 }
                for ch in 0..<c {
                    // One pass over the channel: gather, mean, mean square, liveness.
                    var sum = 0.0, sumSquares = 0.0, preSum = 0.0
                    tensor.values.withUnsafeBufferPointer { v in
                        let base = v.baseAddress! + w * per + ch
                        for k in 0..<t {
                            let x = base[k * c]
                            column[k] = x
                            sum += Double(x)
                            sumSquares += Double(x) * Double(x)
                        }
                    }
                    if let pre {
                        pre.values.withUnsafeBufferPointer { v in
                            let base = v.baseAddress! + w * per + ch
                            for k in 0..<t { preSum += Double(base[k * c]) }
                        }
                    }
                    fft.forward(column, into: &complex, workspace: workspace)
                    var peak = 0.0
                    let variance = max(sumSquares / Double(t) - (sum / Double(t)) * (sum / Double(t)), 0)
                    let shown = normaliseByStd && variance > 0 ? 1 / variance.squareRoot() : 1
                    for k in 0..<bins {
                        let m = Double((complex[2 * k] * complex[2 * k] + complex[2 * k + 1] * complex[2 * k + 1]).squareRoot() * norm)
                        let amplitude = (k == 0 || (t % 2 == 0 && k == t / 2)) ? m : 2 * m
                        amplitudes[k] = amplitude
                        a.amplitudeSum[ch * bins + k] += amplitude * shown
                        windowPower[k] += amplitude * amplitude
                        if k > 0 { peak = max(peak, amplitude) }
                    }
                    if keepPerWindow { perWindow[li].append(contentsOf: amplitudes.map { Float($0 * shown) }) }
                    let signedDC = sum / Double(t), meanSquare = sumSquares / Double(t), dc = amplitudes[0]
                    a.sumSquares += sumSquares
                    if sumSquares == 0 {
                        a.dead += 1
                    } else {
                        a.live += 1
                        a.dcFractionSum += dc * dc / meanSquare
                        a.dcToPeakSum += peak > 0 ? dc / peak : 0
                        if dc > peak { a.dominant += 1 }
                    }
                    if pre != nil {
                        let preDC = preSum / Double(t)
                        a.preDCSum += preDC
                        a.activationDCSum += signedDC - preDC
                        a.prePairs += 1
                    }
                    if sampled[w] { dcSamples[li].append(Float(signedDC)) }
                    if let h = referenceBPM[w] {
                        a.sd[ch] += signedDC; a.sdd[ch] += signedDC * signedDC
                        a.sh[ch] += h; a.shh[ch] += h * h; a.sdh[ch] += signedDC * h
                        a.n[ch] += 1
                    }
                }
                for k in 0..<bins { a.powerSum[k] += windowPower[k] }
                if let h = referenceBPM[w] {
                    let resolutionHz = layer.samplingRateHz / Double(t)
                    if let share = SpectralMeasures.harmonicShare(power: windowPower, fundamentalBPM: h, harmonics: harmonics,
                                                                  samplingRateHz: layer.samplingRateHz, resolutionHz: resolutionHz) {
                        a.harmonicShareSum += share
                        a.harmonicWindows += 1
                    }
                }
            }
            acc[li] = a
        }
        windows += count
    }

    /// The running sums of every layer so far (what a cohort adds up, recording by recording).
    public func sums() -> [LayerSums] {
        acc.map { a in
            LayerSums(windows: windows, amplitudeSum: a.amplitudeSum, powerSum: a.powerSum,
                      counts: [a.dcFractionSum, a.dcToPeakSum, Double(a.dominant), Double(a.live), Double(a.dead),
                               a.preDCSum, a.activationDCSum, Double(a.prePairs), a.harmonicShareSum, Double(a.harmonicWindows), a.sumSquares],
                      correlationSums: a.sd + a.sdd + a.sdh + a.sh + a.shh + a.n)
        }
    }

    /// The per-layer summaries of everything added so far.
    public func summaries() -> [LayerSummary] { Self.summaries(layers: layers, sums: sums()) }

    /// Per-layer summaries from running sums (one recording's, or a cohort's added up with `LayerSums.adding`).
    public static func summaries(layers: [InspectedLayer], sums: [LayerSums]) -> [LayerSummary] {
        layers.enumerated().map { li, layer in
            let a = Accumulator(sums[li], channels: layer.channels)
            let windows = sums[li].windows
            let bins = layer.timeSteps / 2 + 1
            let live = Double(max(a.live, 1))
            // 99 % of the non-DC power; fs/2 when there is none.
            let bandwidth = SpectralMeasures.occupiedBandwidthBin(power: a.powerSum, fraction: 0.99, includeDC: false)
                .map { Double($0) * layer.samplingRateHz / Double(layer.timeSteps) } ?? layer.samplingRateHz / 2
            let correlation = (0..<layer.channels).map { ch -> Double in
                let n = a.n[ch]
                guard n > 2 else { return .nan }
                let cov = a.sdh[ch] / n - a.sd[ch] / n * a.sh[ch] / n
                let vd = a.sdd[ch] / n - pow(a.sd[ch] / n, 2), vh = a.shh[ch] / n - pow(a.sh[ch] / n, 2)
                return vd > 1e-20 && vh > 1e-20 ? cov / (vd * vh).squareRoot() : .nan
            }
            let w = Double(max(windows, 1))
            return LayerSummary(
                layer: layer, windows: windows,
                dcPowerFraction: a.dcFractionSum / live, dcToLargestNonDC: a.dcToPeakSum / live,
                dcDominantShare: Double(a.dominant) / live, deadChannelsPerWindow: Double(a.dead) / w,
                rootMeanSquare: (a.sumSquares / Double(max(windows * layer.timeSteps * layer.channels, 1))).squareRoot(),
                dcFromConvolution: a.prePairs > 0 ? a.preDCSum / Double(a.prePairs) : nil,
                meanBias: layer.bias.map { Double($0.reduce(0, +)) / Double($0.count) },
                dcAddedByActivation: a.prePairs > 0 ? a.activationDCSum / Double(a.prePairs) : nil,
                bandwidth99Hz: bandwidth,
                harmonicShare: a.harmonicWindows > 0 ? a.harmonicShareSum / Double(a.harmonicWindows) : .nan,
                dcHRCorrelation: correlation,
                meanSpectra: (0..<layer.channels).map { ch in (0..<bins).map { Float(a.amplitudeSum[ch * bins + $0] / w) } },
                frequenciesHz: (0..<bins).map { Double($0) * layer.samplingRateHz / Double(layer.timeSteps) })
        }
    }
}

/// One layer's running sums over windows, all in float64: everything `LayerSummary` is computed
/// from. Sums of several recordings add up to the sums of all their windows, so a cohort's
/// summary is exact (not an average of averages). Floating-point addition is not associative: a
/// cohort adds its recordings' sums in one canonical order (sorted by recording key), so that the
/// result does not depend on how the recordings were split across processes.
public struct LayerSums: Sendable, Equatable {
    /// Windows added.
    public var windows: Int
    /// Σ amplitude per channel and bin, `[channels × bins]` row-major.
    public var amplitudeSum: [Double]
    /// Σ power per bin over channels and windows, `[bins]`.
    public var powerSum: [Double]
    /// `countsLength` sums: Σ DC power fraction, Σ DC/peak, DC-dominant pairs, live pairs, dead
    /// pairs, Σ pre-activation DC, Σ DC added by the activation, pre-activation pairs, Σ harmonic
    /// share, windows with a harmonic share, Σ x² over every sample.
    public var counts: [Double]
    /// The number of `counts`.
    public static let countsLength = 11
    /// Per channel, six blocks of `[channels]`: Σd, Σd², Σdh, Σh, Σh², n (d: the channel's DC, h: reference BPM).
    public var correlationSums: [Double]

    public init(windows: Int, amplitudeSum: [Double], powerSum: [Double], counts: [Double], correlationSums: [Double]) {
        self.windows = windows
        self.amplitudeSum = amplitudeSum
        self.powerSum = powerSum
        self.counts = counts
        self.correlationSums = correlationSums
    }

    /// Element-wise `self + other` (same layer shape).
    public func adding(_ other: LayerSums) -> LayerSums {
        func add(_ a: [Double], _ b: [Double]) -> [Double] {
            precondition(a.count == b.count, "layer sums of different shapes")
            return zip(a, b).map { $0 + $1 }
        }
        return LayerSums(windows: windows + other.windows, amplitudeSum: add(amplitudeSum, other.amplitudeSum),
                         powerSum: add(powerSum, other.powerSum), counts: add(counts, other.counts),
                         correlationSums: add(correlationSums, other.correlationSums))
    }
}
