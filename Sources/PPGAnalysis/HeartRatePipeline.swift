import Foundation
import PPGNetwork
import PPGSignals
import PPGSpectral

/// How the motion artefact is removed before estimation.
public enum FilterMode: String, Sendable, CaseIterable {
    /// Closed-form least squares of KID-PPG's linear filter (default; deterministic).
    case exact
    /// KID-PPG's published SGD procedure (lr 1e-7, momentum 1e-2, 1000 epochs), for side-by-side reproduction.
    case reference
    /// No filtering.
    case none
}

/// Options of the heart-rate pipeline.
public struct HeartRateOptions: Sendable {
    public var layout = WindowLayout()
    public var filter: FilterMode = .exact
    /// Fit one filter per run of equal values of the `activity` channel instead of one for the recording.
    public var segmentByActivity = false
    /// Seed of the reference (SGD) filter's initial weights.
    public var referenceSeed: UInt64 = 0
    /// p(|error| < threshold) is reported for this threshold in BPM.
    public var thresholdBPM = 10.0
    public var runModel = true
    public var runSpectral = true
    public var spectral = SpectralPeakOptions()
    /// Windows per block when streaming long recordings.
    public var blockWindows = 2048
    public init() {}
}

/// One window's estimates. Times in seconds, rates in BPM; nil where not applicable.
public struct WindowEstimate: Sendable, Equatable {
    public var window: Int
    public var startS: Double
    public var endS: Double
    public var hrBPM: Double?
    public var hrStdBPM: Double?
    public var pWithin: Double?
    public var spectralBPM: Double?
    public var referenceBPM: Double?
}

/// What the pipeline did, for reports.
public struct FilterReport: Sendable {
    public var mode: FilterMode
    /// Per segment: first window, window count, the fitted filter and KID-PPG's loss before and after.
    public var segments: [(firstWindow: Int, windows: Int, filter: LinearMotionFilter, lossBefore: Double, lossAfter: Double)]
}

/// Recording → 32 Hz → windows → z-scores → motion filter → de-normalised filtered PPG windows.
public struct PreparedWindows: Sendable {
    public var layout: WindowLayout
    /// Filtered, de-normalised PPG windows, `[count × layout.length]` row-major.
    public var ppg: [Float]
    public var count: Int
    public var filterReport: FilterReport

    public func window(_ n: Int) -> ArraySlice<Float> { ppg[(n * layout.length)..<((n + 1) * layout.length)] }
}

public enum HeartRatePipeline {
    static let accNames = ["acc_x", "acc_y", "acc_z"]

    /// Resamples, windows, z-scores and filters the recording's PPG.
    public static func prepare(_ recording: Recording, options: HeartRateOptions) throws -> PreparedWindows {
        let layout = options.layout
        guard let ppgChannel = recording.channel("ppg") ?? recording.channels.first(where: { !accNames.contains($0.name) && $0.name != "activity" }) else {
            throw PPGScopeError(object: "ppg", "the recording has no PPG channel")
        }
        let ppg = try Resampling.resample(ppgChannel, to: layout.samplingRateHz).samples
        let accChannels = accNames.compactMap { recording.channel($0) }
        if options.filter != .none, accChannels.count != 3 {
            throw PPGScopeError(object: "acc_x/acc_y/acc_z",
                                "motion-artefact filtering needs three accelerometer channels named acc_x, acc_y, acc_z; found \(accChannels.map(\.name)). Use --filter none for PPG-only recordings")
        }
        let acc = options.filter == .none ? [] : try accChannels.map { try Resampling.resample($0, to: layout.samplingRateHz).samples }
        let usable = ([ppg.count] + acc.map(\.count)).min()!
        let count = layout.count(in: usable)
        guard count > 0 else {
            throw PPGScopeError(object: "ppg", "the recording (\(String(format: "%.1f", Double(usable) / layout.samplingRateHz)) s) is shorter than one \(String(format: "%.0f", Double(layout.length) / layout.samplingRateHz)) s window")
        }
        let t = layout.length
        var out = [Float](repeating: 0, count: count * t)
        var report = FilterReport(mode: options.filter, segments: [])

        if options.filter == .none {
            for n in 0..<count { out.replaceSubrange((n * t)..<((n + 1) * t), with: ppg[(n * layout.shift)..<(n * layout.shift + t)]) }
            return PreparedWindows(layout: layout, ppg: out, count: count, filterReport: report)
        }
        // Segments: the whole recording, or runs of equal activity (read at each window's centre).
        var segments: [Range<Int>] = [0..<count]
        if options.segmentByActivity {
            let labels = try activityLabels(recording, layout: layout, count: count)
            segments = []
            var start = 0
            for n in 1...count where n == count || labels[n] != labels[start] {
                segments.append(start..<n)
                start = n
            }
        }
        func zWindow(_ x: [Float], _ n: Int) -> (z: [Float], stats: ZScore) {
            let slice = x[(n * layout.shift)..<(n * layout.shift + t)]
            let stats = ZScore(of: slice)
            return (slice.map(stats.normalise), stats)
        }
        for segment in segments {
            var design = FilterDesign()
            for block in stride(from: segment.lowerBound, to: segment.upperBound, by: 64) {
                design.add(windows: (block..<min(block + 64, segment.upperBound)).map { n in
                    (zWindow(ppg, n).z, acc.map { zWindow($0, n).z })
                })
            }
            let filter: LinearMotionFilter
            switch options.filter {
            case .exact: filter = try design.leastSquares()
            case .reference: filter = design.referenceSGD(seed: options.referenceSeed, windowLength: t).filter
            case .none: fatalError("unreachable")
            }
            let zero = [Double](repeating: 0, count: FilterDesign.unknowns)
            report.segments.append((segment.lowerBound, segment.count, filter,
                                    design.loss(zero, windowLength: t),
                                    design.loss(FilterDesign.theta(of: filter), windowLength: t)))
            for n in segment {
                let (z, stats) = zWindow(ppg, n)
                let pred = filter.predict(acc: acc.map { zWindow($0, n).z })
                for s in 0..<t { out[n * t + s] = stats.denormalise(z[s] - Float(pred[s])) }
            }
        }
        return PreparedWindows(layout: layout, ppg: out, count: count, filterReport: report)
    }

    /// One activity label per window: the `activity` channel read at each window's centre, or the
    /// metadata `window_activity` (comma-separated, one per window, as the PPG-DaLiA reader stores it).
    static func activityLabels(_ recording: Recording, layout: WindowLayout, count: Int) throws -> [Float] {
        if let activity = recording.channel("activity") {
            return (0..<count).map { n in
                let centreS = (layout.startS(n) + layout.endS(n)) / 2
                let i = min(Int(centreS * activity.samplingRateHz), activity.samples.count - 1)
                return activity.samples[max(i, 0)]
            }
        }
        if let text = recording.metadata["window_activity"] {
            let labels = text.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
            if labels.count >= count { return Array(labels.prefix(count)) }
            throw PPGScopeError(object: "window_activity", "has \(labels.count) labels for \(count) windows")
        }
        throw PPGScopeError(object: "activity", "--segment-by-activity needs an 'activity' channel or 'window_activity' metadata")
    }

    /// The spectral-peak baseline of every window in order (BPM; nil where a window has no peak),
    /// each tracking the last estimate when `options.spectral.trackingBPM` is set. Needs no model,
    /// so `hr` runs it while the model loads.
    public static func spectralEstimates(_ windows: PreparedWindows, options: HeartRateOptions) -> [Double?] {
        var previous: Double?
        return (0..<windows.count).map { n in
            let bpm = SpectralPeak.estimate(Array(windows.window(n)), samplingRateHz: windows.layout.samplingRateHz,
                                            options: options.spectral, previousBPM: previous)
            previous = bpm ?? previous
            return bpm
        }
    }

    /// Heart rate for every window: the model (pair or single-input), the spectral baseline (from
    /// `spectral` when the caller has computed it with `spectralEstimates`) and the reference.
    /// Windows are processed in blocks of `options.blockWindows`; after each block `emit` receives
    /// its finished estimates in window order (so a caller can write them out as they come) and
    /// `progress` the number of windows done.
    @discardableResult
    public static func estimate(_ windows: PreparedWindows, network: Network?, reference: HeartRateSeries?,
                                options: HeartRateOptions, spectral: [Double?]? = nil, progress: ((Int) -> Void)? = nil,
                                emit: (([WindowEstimate]) throws -> Void)? = nil) throws -> [WindowEstimate] {
        let layout = windows.layout
        let t = layout.length
        let model = options.runModel ? network : nil
        if let model, model.inputShape[0] != layout.length {
            throw PPGScopeError(object: "model", "the model takes windows of \(model.inputShape[0]) samples, the pipeline makes \(layout.length)")
        }
        let split = model.flatMap { WindowPairSplit($0) }
        if let model, split == nil, model.inputShape[1] != 1 {
            throw PPGScopeError(object: "model", "input [\(model.inputShape[0]), \(model.inputShape[1])] is neither one window nor a KID-PPG-style pair")
        }
        let isDistribution: Bool = {
            if case .normalDistribution = model?.nodes.last?.operation { return true }
            return false
        }()
        var estimates: [WindowEstimate] = []
        estimates.reserveCapacity(windows.count)
        let spectral = options.runSpectral ? spectral ?? spectralEstimates(windows, options: options) : nil
        if let spectral, spectral.count != windows.count {
            throw PPGScopeError(object: "spectral", "\(spectral.count) spectral estimates for \(windows.count) windows")
        }
        var start = 0
        while start < windows.count {
            let end = min(start + options.blockWindows, windows.count)
            var block = (start..<end).map { n in
                WindowEstimate(window: n, startS: layout.startS(n), endS: layout.endS(n), referenceBPM: reference?.value(at: layout.endS(n)))
            }
            if let spectral {
                for n in start..<end { block[n - start].spectralBPM = spectral[n] }
            }
            if let model {
                // Pair models: window n's estimate comes from the pair (n − 1, n); each block
                // recomputes only the one window before it.
                let first = split != nil ? max(start, 1) : start
                if first < end {
                    let out: Tensor
                    if let split {
                        out = try split.consecutivePairs(Tensor(shape: [end - first + 1, t, 1], values: Array(windows.ppg[((first - 1) * t)..<(end * t)])),
                                                        windowShift: layout.shift)
                    } else {
                        out = try model.forward(Tensor(shape: [end - first, t, 1], values: Array(windows.ppg[(first * t)..<(end * t)])),
                                                windowShift: layout.shift).output
                    }
                    let d = out.elementsPerWindow
                    for n in first..<end {
                        let k = n - first
                        fill(&block[n - start], Array(out.values[(k * d)..<((k + 1) * d)]), isDistribution: isDistribution,
                             threshold: options.thresholdBPM)
                    }
                }
            }
            try emit?(block)
            estimates += block
            start = end
            progress?(end)
        }
        return estimates
    }

    /// Reads a model output row: [hr] → point estimate; [mean, std] from KID-PPG's distribution;
    /// [mean, raw] from a Dense(2) head without the distribution layer (std = 1 + softplus(raw)).
    static func fill(_ e: inout WindowEstimate, _ row: [Float], isDistribution: Bool, threshold: Double) {
        e.hrBPM = Double(row[0])
        guard row.count >= 2 else { return }
        let raw = Double(row[1])
        let std = isDistribution ? raw : 1 + Activation.softplus(raw)
        e.hrStdBPM = std
        e.pWithin = erf(threshold / (std * 2.0.squareRoot()))
    }
}

/// Options of the spectral-peak baseline.
public struct SpectralPeakOptions: Sendable {
    /// Search band in Hz (30–210 BPM).
    public var bandHz: ClosedRange<Double> = 0.5...3.5
    /// Transform length after zero-padding (2048 at 32 Hz: 0.94 BPM bins).
    public var fftLength = 2048
    /// When set, search within ± this many BPM of the previous window's estimate.
    public var trackingBPM: Double? = nil
    public init() {}
}

/// The classic baseline: the largest peak of the Hann-windowed, zero-padded spectrum in a band.
public enum SpectralPeak {
    /// HR in BPM, or nil for an empty or constant window.
    public static func estimate(_ x: [Float], samplingRateHz: Double, options: SpectralPeakOptions, previousBPM: Double? = nil) -> Double? {
        guard x.count > 1 else { return nil }
        let mean = x.reduce(0, +) / Float(x.count)
        let centred = x.map { $0 - mean }
        let s = SpectralAnalysis.amplitudeSpectrum(centred, samplingRateHz: samplingRateHz,
                                                   length: max(options.fftLength, x.count), taper: .hann)
        var lo = options.bandHz.lowerBound, hi = options.bandHz.upperBound
        if let track = options.trackingBPM, let previous = previousBPM {
            lo = max(lo, (previous - track) / 60)
            hi = min(hi, (previous + track) / 60)
        }
        let kLo = max(1, Int((lo / s.resolutionHz).rounded(.up))), kHi = min(s.amplitudes.count - 1, Int(hi / s.resolutionHz))
        guard kLo <= kHi else { return nil }
        var best = kLo
        for k in kLo...kHi where s.amplitudes[k] > s.amplitudes[best] { best = k }
        guard s.amplitudes[best] > 0 else { return nil }
        // Parabolic interpolation of the log-amplitude peak.
        var offset = 0.0
        if best > 0, best < s.amplitudes.count - 1 {
            let a = log(Double(s.amplitudes[best - 1]) + 1e-30), b = log(Double(s.amplitudes[best]) + 1e-30), c = log(Double(s.amplitudes[best + 1]) + 1e-30)
            let denominator = a - 2 * b + c
            if denominator < 0 { offset = max(-0.5, min(0.5, 0.5 * (a - c) / denominator)) }
        }
        return (Double(best) + offset) * s.resolutionHz * 60
    }
}
