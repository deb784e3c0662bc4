import Foundation
import PPGNetwork
import PPGSignals
import PPGSpectral

/// Options of `inspect`.
public struct InspectionOptions: Sendable {
    /// Windows to inspect (nil: all).
    public var windows: Range<Int>?
    /// Window shown in the per-window figures (nil: the middle inspected window).
    public var figureWindow: Int?
    /// Layers (display names) whose channels the Fig. 3 view shows; nil picks the third conv of
    /// the first and second blocks, as the paper.
    public var figureLayers: [String]?
    /// Channels per Fig. 3 grid.
    public var figureChannels = 16
    /// Harmonics of the HR counted in the harmonic share.
    public var harmonics = 8
    /// Run the DC ablation (rerun the model with DC removed / kept only, per block and for all).
    public var ablation = true
    /// Keep every window's spectra (written to spectra.h5 as `amplitude_per_window`).
    public var perWindowSpectra = false
    /// Normalise channel spectra by the channel's standard deviation, as the paper's figure.
    public var normaliseByStd = false
    /// Windows per forward block (bounds memory).
    public var blockWindows = 64
    /// At most this many spectrogram columns are kept (windows are averaged in groups beyond it).
    public var spectrogramColumns = 1200
    public init() {}
}

/// One channel spectrum of the Fig. 3 view, normalised by the channel's standard deviation.
public struct ChannelSpectrum: Sendable, Codable {
    public var channel: Int
    public var frequenciesHz: [Double]
    public var amplitudes: [Float]
}

/// HR estimates with the DC of chosen layers removed or kept alone.
public struct AblationRow: Sendable, Codable {
    /// "none", "remove DC: model_52", "only DC: all blocks", ...
    public var variant: String
    public var edit: String?
    public var layers: [String]
    public var mae: Double?
    /// Mean |HR(variant) − HR(plain)| over windows, BPM.
    public var meanAbsoluteChangeBPM: Double
    public var meanHRBPM: Double
}

/// Everything `inspect` measures.
public struct InspectionResult: Sendable {
    public var layers: [LayerSummary]
    public var estimates: [WindowEstimate]
    /// Input spectrogram: column times (window end, s), bin frequencies (Hz), amplitudes [column][bin].
    public var spectrogramTimesS: [Double]
    public var spectrogramFrequenciesHz: [Double]
    public var spectrogram: [[Float]]
    public var figureWindow: Int
    /// The figure window's input spectrum (std-normalised) and, per figure layer, its channels' spectra.
    public var figureInput: ChannelSpectrum
    public var figureLayers: [(layer: String, samplingRateHz: Double, channels: [ChannelSpectrum])]
    public var ablation: [AblationRow]
    /// Per layer (same order as `layers`), `[windows × channels × bins]` when asked for, else empty.
    public var perWindowSpectra: [[Float]] = []
    /// DC against the reference frequency for the channels whose DC correlates most with it, in the
    /// conv layer where that correlation is largest (sampled windows).
    public var dcScatter: DCScatter?
}

/// Per-window DC of a few channels of one layer, beside each window's reference frequency.
public struct DCScatter: Sendable {
    public var layer: String
    public var channels: [Int]
    /// `dc[i][k]`: channel `channels[i]` on sampled window k.
    public var dc: [[Float]]
    public var referenceBPM: [Double]
    public var correlation: [Double]
}

public enum Inspection {
    /// Runs `network` over the prepared windows with taps, measuring every layer, in named steps:
    /// the reference frequency of each window, the input spectrogram, one pass of the model that
    /// feeds every layer's running spectra and DC statistics (and the Fig. 3 view's window), the DC
    /// ablation and the DC-against-HR scatter.
    public static func run(_ prepared: PreparedWindows, network: Network, reference: HeartRateSeries?,
                           options: InspectionOptions, progress: ((Int, Int) -> Void)? = nil) throws -> InspectionResult {
        let layout = prepared.layout
        let range = options.windows ?? 0..<prepared.count
        guard range.lowerBound >= 0, range.upperBound <= prepared.count, !range.isEmpty else {
            throw PPGScopeError(object: "windows", "window range \(range) is outside 0..<\(prepared.count)")
        }
        let runner = try ModelRunner(network: network, layout: layout)
        let layers = LayerInspector.layers(of: network, inputRateHz: layout.samplingRateHz)
        let figureWindow = options.figureWindow ?? (range.lowerBound + range.upperBound) / 2
        guard range.contains(figureWindow) else { throw PPGScopeError(object: "figure window", "\(figureWindow) is not inspected") }
        let figureNames = options.figureLayers ?? defaultFigureLayers(layers)
        for name in figureNames where !layers.contains(where: { $0.name == name }) {
            throw PPGScopeError(object: name, "no such layer with a time axis; layers: \(layers.map(\.name).joined(separator: ", "))")
        }

        var estimates = referenceFrequencies(prepared, range: range, reference: reference)
        let referenceBPM = estimates.map { $0.referenceBPM ?? $0.spectralBPM }
        let spectrogram = inputSpectrogram(prepared, range: range, columns: options.spectrogramColumns)

        // One pass of the model: every layer's spectra and DC, the outputs, the Fig. 3 window's taps.
        let inspector = LayerInspector(layers: layers, harmonics: options.harmonics, keepPerWindow: options.perWindowSpectra,
                                       normaliseByStd: options.normaliseByStd)
        inspector.dcSampleStride = max(1, range.count / 2000)
        var figureLayerSpectra: [(layer: String, samplingRateHz: Double, channels: [ChannelSpectrum])] = []
        let references = { (r: Range<Int>) in Array(referenceBPM[(r.lowerBound - range.lowerBound)..<(r.upperBound - range.lowerBound)]) }
        try runner.forEachBlock(prepared, range, blockWindows: options.blockWindows, taps: LayerInspector.requiredTaps(layers)) { block in
            inspector.add(taps: block.windowTaps, count: block.windows.count, referenceBPM: references(block.windows))
            if !block.headTaps.isEmpty {
                inspector.add(taps: block.headTaps, count: block.estimatedWindows.count, referenceBPM: references(block.estimatedWindows))
            }
            runner.decode(block.outputs, into: &estimates[(block.estimatedWindows.lowerBound - range.lowerBound)...], thresholdBPM: 10)
            for name in figureNames {
                let layer = layers.first { $0.name == name }!
                guard let tensor = block.tap(layer.tapName, window: figureWindow) else { continue }
                figureLayerSpectra.append((name, layer.samplingRateHz,
                                           channelSpectra(tensor.values, time: layer.timeSteps, channels: layer.channels,
                                                          rateHz: layer.samplingRateHz, limit: options.figureChannels)))
            }
            progress?(block.windows.upperBound - range.lowerBound, range.count)
        }
        let input = channelSpectra(Array(prepared.window(figureWindow)), time: layout.length, channels: 1, rateHz: layout.samplingRateHz, limit: 1)[0]

        let ablation = options.ablation && runner.output != .notHeartRate ? try runAblation(prepared, network: network, reference: reference, range: range, plain: estimates) : []
        let summaries = inspector.summaries()
        return InspectionResult(layers: summaries, estimates: estimates, spectrogramTimesS: spectrogram.timesS,
                                spectrogramFrequenciesHz: spectrogram.frequenciesHz, spectrogram: spectrogram.columns,
                                figureWindow: figureWindow, figureInput: input, figureLayers: figureLayerSpectra, ablation: ablation,
                                perWindowSpectra: options.perWindowSpectra ? layers.indices.map(inspector.perWindowSpectra) : [],
                                dcScatter: dcScatter(summaries, inspector: inspector))
    }

    /// One estimate per window of `range` with its reference HR (at the window end) and the
    /// spectral peak of its input, which stands in for the reference where there is none.
    static func referenceFrequencies(_ prepared: PreparedWindows, range: Range<Int>, reference: HeartRateSeries?) -> [WindowEstimate] {
        let layout = prepared.layout
        let spectral = SpectralPeakOptions()
        return range.map { n in
            WindowEstimate(window: n, startS: prepared.startS(n), endS: prepared.endS(n),
                           spectralBPM: SpectralPeak.estimate(Array(prepared.window(n)), samplingRateHz: layout.samplingRateHz, options: spectral),
                           referenceBPM: reference?.value(at: prepared.endS(n)))
        }
    }

    /// Spectrogram of the input (Hann, 1024 bins, DC zeroed), windows averaged in groups so that at
    /// most `columns` columns remain; each column is timed at its last window's end.
    static func inputSpectrogram(_ prepared: PreparedWindows, range: Range<Int>, columns: Int)
        -> (timesS: [Double], frequenciesHz: [Double], columns: [[Float]]) {
        let layout = prepared.layout
        let group = max(1, (range.count + columns - 1) / columns)
        var spectrogram: [[Float]] = [], columnTimes: [Double] = []
        var frequencies: [Double] = []
        var pending: [Float] = [], pendingCount = 0
        for n in range {
            let s = SpectralAnalysis.amplitudeSpectrum(Array(prepared.window(n)), samplingRateHz: layout.samplingRateHz,
                                                       length: 1024, taper: .hann)
            if frequencies.isEmpty { frequencies = s.frequenciesHz }
            var a = s.amplitudes
            a[0] = 0
            if pending.isEmpty { pending = a } else { for k in a.indices { pending[k] += a[k] } }
            pendingCount += 1
            if pendingCount == group || n == range.upperBound - 1 {
                spectrogram.append(pending.map { $0 / Float(pendingCount) })
                columnTimes.append(prepared.endS(n))
                pending = []
                pendingCount = 0
            }
        }
        return (columnTimes, frequencies, spectrogram)
    }

    /// DC against the reference frequency for the (up to 8) channels whose DC correlates most with
    /// it, in the conv layer where that correlation is largest.
    static func dcScatter(_ summaries: [LayerSummary], inspector: LayerInspector) -> DCScatter? {
        func strongest(_ l: LayerSummary) -> Double { l.dcHRCorrelation.filter(\.isFinite).map(abs).max() ?? 0 }
        guard let best = summaries.indices.filter({ LayerOperation.convolutionClasses.contains(summaries[$0].layer.className) })
            .max(by: { strongest(summaries[$0]) < strongest(summaries[$1]) }) else { return nil }
        let l = summaries[best]
        let channels = l.dcHRCorrelation.indices.filter { l.dcHRCorrelation[$0].isFinite }
            .sorted { abs(l.dcHRCorrelation[$0]) > abs(l.dcHRCorrelation[$1]) }.prefix(8)
        let (dc, refs) = inspector.dcSamples(best)
        let c = l.layer.channels
        return DCScatter(layer: l.layer.name, channels: Array(channels),
                         dc: channels.map { ch in stride(from: ch, to: dc.count, by: c).map { dc[$0] } },
                         referenceBPM: refs, correlation: channels.map { l.dcHRCorrelation[$0] })
    }

    /// The paper's choice: the last conv of each of the first two blocks (or the first two conv layers).
    static func defaultFigureLayers(_ layers: [InspectedLayer]) -> [String] {
        var byBlock: [String: String] = [:], order: [String] = []
        for l in layers where LayerOperation.convolutionClasses.contains(l.className) {
            let block = l.name.split(separator: "/").count > 1 ? String(l.name.split(separator: "/")[0]) : ""
            if byBlock[block] == nil { order.append(block) }
            byBlock[block] = l.name
        }
        return Array(order.prefix(2).compactMap { byBlock[$0] })
    }

    /// Amplitude spectra of the first `limit` channels of one window, each normalised by its standard deviation.
    static func channelSpectra(_ values: [Float], time: Int, channels: Int, rateHz: Double, limit: Int) -> [ChannelSpectrum] {
        (0..<min(limit, channels)).map { ch in
            var x = (0..<time).map { values[$0 * channels + ch] }
            let z = ZScore(of: x[...])
            if z.std > 0 { x = x.map { $0 / z.std } }
            let s = SpectralAnalysis.amplitudeSpectrum(x, samplingRateHz: rateHz)
            return ChannelSpectrum(channel: ch, frequenciesHz: s.frequenciesHz, amplitudes: s.amplitudes)
        }
    }

    /// Reruns the model with the DC removed from (or kept alone in) the activation outputs (ReLU or
    /// any other activation but linear) of each block and of all blocks; "none" reruns it unedited
    /// and must equal the plain estimates exactly.
    public static func runAblation(_ prepared: PreparedWindows, network: Network, reference: HeartRateSeries?,
                                   range: Range<Int>, plain: [WindowEstimate]) throws -> [AblationRow] {
        var blocks: [String: [String]] = [:], order: [String] = []
        for node in network.nodes {
            guard LayerInspector.activation(of: node) != nil, node.hasTimeAxis else { continue }
            let path = Network.layerPath(node.name)
            let block = path.contains("/") ? String(path.split(separator: "/")[0]) : path
            if blocks[block] == nil { order.append(block) }
            if !(blocks[block]?.contains(path) ?? false) { blocks[block, default: []].append(path) }
        }
        var variants: [(String, ActivationEdit?, [String])] = [("none", nil, [])]
        for edit in [ActivationEdit.removeDC, .keepOnlyDC] {
            let label = edit == .removeDC ? "remove DC" : "only DC"
            for b in order { variants.append(("\(label): \(b)", edit, blocks[b]!)) }
            variants.append(("\(label): all blocks", edit, order.flatMap { blocks[$0]! }))
        }
        var sub = prepared
        sub.ppg = Array(prepared.ppg[(range.lowerBound * prepared.layout.length)..<(range.upperBound * prepared.layout.length)])
        sub.count = range.count
        var options = HeartRateOptions()
        options.layout = prepared.layout
        options.runSpectral = false
        let shift = Double(range.lowerBound) * Double(prepared.layout.shift) / prepared.layout.samplingRateHz
        let shiftedReference = reference.map { HeartRateSeries(timesS: $0.timesS.map { $0 - shift }, bpm: $0.bpm) }
        return try variants.map { label, edit, layers in
            let edited = edit.map { e in network.withActivationEdits(Dictionary(uniqueKeysWithValues: layers.map { ($0, e) })) } ?? network
            let est = try HeartRatePipeline.estimate(sub, network: edited, reference: shiftedReference, options: options)
            var change = 0.0, count = 0, sum = 0.0
            for (a, b) in zip(est, plain) { if let x = a.hrBPM, let y = b.hrBPM { change += abs(x - y); sum += x; count += 1 } }
            return AblationRow(variant: label, edit: edit?.rawValue, layers: layers,
                               mae: HeartRateMetrics(estimates: est.map(\.hrBPM), references: est.map(\.referenceBPM))?.mae,
                               meanAbsoluteChangeBPM: count > 0 ? change / Double(count) : .nan, meanHRBPM: count > 0 ? sum / Double(count) : .nan)
        }
    }
}
