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
    /// The beat detector, intervals and signal quality (`peaks_bpm`, `sqi`); off by default
    /// (`ppgscope hr` turns it on), so the other commands prepare windows as before.
    public var runPeaks = false
    public var elgendi = ElgendiParameters()
    /// The model's input convention and what to do about it (none by default: the data as given).
    public var conditioning = ConditioningOptions()
    /// How `best_bpm` is chosen.
    public var best = BestEstimateOptions()
    /// Windows per block when streaming long recordings.
    public var blockWindows = 2048
    /// Threads the model's batches are spread over (nil: every core).
    public var workers: Int?
    /// Shared by the recordings of a run with one model, so that its layers are probed for
    /// non-finite values once per run (nil: once per recording).
    public var layerProbe: LayerProbe?
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
    /// Heart rate from the accepted inter-beat intervals inside the window.
    public var peaksBPM: Double? = nil
    /// Signal-quality index, 0…1 (higher is better).
    public var sqi: Double? = nil
    /// Share of the window where the raw PPG is flat (clipped or dropped out).
    public var flatShare: Double? = nil
    /// The number to read, and where it comes from.
    public var bestBPM: Double? = nil
    public var bestSource: BestSource = .none

    public init(window: Int, startS: Double, endS: Double, hrBPM: Double? = nil, hrStdBPM: Double? = nil, pWithin: Double? = nil,
                spectralBPM: Double? = nil, referenceBPM: Double? = nil, peaksBPM: Double? = nil, sqi: Double? = nil,
                flatShare: Double? = nil, bestBPM: Double? = nil, bestSource: BestSource = .none) {
        self.flatShare = flatShare
        self.window = window
        self.startS = startS
        self.endS = endS
        self.hrBPM = hrBPM
        self.hrStdBPM = hrStdBPM
        self.pWithin = pWithin
        self.spectralBPM = spectralBPM
        self.referenceBPM = referenceBPM
        self.peaksBPM = peaksBPM
        self.sqi = sqi
        self.bestBPM = bestBPM
        self.bestSource = bestSource
    }
}

/// What the pipeline did, for reports.
public struct FilterReport: Sendable {
    public var mode: FilterMode
    /// Per segment: first window, window count, the fitted filter and KID-PPG's loss before and after.
    public var segments: [(firstWindow: Int, windows: Int, filter: LinearMotionFilter, lossBefore: Double, lossAfter: Double)]
    /// Why the filter asked for was not applied, when it was not (e.g. no accelerometer).
    public var note: String?
}

/// Recording → 32 Hz → windows → z-scores → motion filter → de-normalised filtered PPG windows.
public struct PreparedWindows: Sendable {
    public var layout: WindowLayout
    /// Filtered, de-normalised PPG windows, `[count × layout.length]` row-major.
    public var ppg: [Float]
    public var count: Int
    public var filterReport: FilterReport
    /// What was done to bring the PPG to the model's convention.
    public var conditioning: ConditioningReport = .none
    /// Beats, intervals, beat-based HR and quality per window (nil when not asked for).
    public var classical: ClassicalAnalysis? = nil
    /// Start of each window in seconds when the windows come from several segments of a recording
    /// with gaps (`ModelInput.prepare`); nil for the uniform layout (window n at `layout.startS(n)`).
    public var windowStartsS: [Double]? = nil

    public func window(_ n: Int) -> ArraySlice<Float> { ppg[(n * layout.length)..<((n + 1) * layout.length)] }
    /// Start of window n in seconds of the recording.
    public func startS(_ n: Int) -> Double { windowStartsS?[n] ?? layout.startS(n) }
    /// End of window n in seconds of the recording (the time its reference HR is read at).
    public func endS(_ n: Int) -> Double { startS(n) + Double(layout.length) / layout.samplingRateHz }
}

public enum HeartRatePipeline {
    /// The accelerometer channels the motion filter reads (the recording's canonical names).
    public static let accNames = ["acc_x", "acc_y", "acc_z"]

    /// Resamples, windows, z-scores and filters the recording's PPG.
    public static func prepare(_ recording: Recording, options: HeartRateOptions) throws -> PreparedWindows {
        let layout = options.layout
        guard let ppgChannel = recording.channel("ppg") ?? recording.channels.first(where: { !accNames.contains($0.name) && $0.name != "activity" }) else {
            throw PPGScopeError(object: "ppg", "the recording has no PPG channel")
        }
        let (conditioned, conditioning) = try InputConditioning.apply(ppgChannel, options: options.conditioning)
        let ppg = try Resampling.resample(conditioned, to: layout.samplingRateHz).samples
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
        var classical: ClassicalAnalysis?
        if options.runPeaks {
            // The beat detector wants upright pulses at the recording's own rate, at least
            // `ClassicalAnalysis.minimumRateHz` (its 111 ms blocks are 3 samples at 25 Hz, and
            // narrow systolic peaks are then missed).
            let (x, rateHz) = try classicalInput(conditioned, polarity: conditioning.after?.polarity)
            classical = try ClassicalAnalysis(ppg: consume x, samplingRateHz: rateHz, layout: layout, count: count, parameters: options.elgendi)
            classical?.flatShare = SignalDefects.flatShare(ppgChannel.samples, samplingRateHz: ppgChannel.samplingRateHz, layout: layout, count: count)
        }
        // The windows are allocated after the beat analysis, so the two are never in memory together.
        var out = [Float](repeating: 0, count: count * t)
        var report = FilterReport(mode: options.filter, segments: [], note: nil)

        if options.filter == .none {
            for n in 0..<count { out.replaceSubrange((n * t)..<((n + 1) * t), with: ppg[(n * layout.shift)..<(n * layout.shift + t)]) }
            return PreparedWindows(layout: layout, ppg: out, count: count, filterReport: report, conditioning: conditioning, classical: classical)
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
        return PreparedWindows(layout: layout, ppg: out, count: count, filterReport: report, conditioning: conditioning, classical: classical)
    }

    /// The PPG the beat detector reads: `channel` at its own rate or `ClassicalAnalysis.minimumRateHz`,
    /// whichever is higher, in Double, flipped when its `polarity` (measured when nil) is inverted.
    /// Resampled straight into the Double array (no Float copy of the recording beside it), by
    /// `RationalUpsampler` when the rates are in a small ratio (32 → 100 Hz is 25/8), otherwise by
    /// libsamplerate's fastest sinc.
    static func classicalInput(_ channel: Channel, polarity: PPGPolarity?) throws -> (samples: [Double], samplingRateHz: Double) {
        var x: [Double]
        let fs: Double
        if channel.samplingRateHz < ClassicalAnalysis.minimumRateHz {
            if let upsampler = RationalUpsampler(fromHz: channel.samplingRateHz, toHz: ClassicalAnalysis.minimumRateHz) {
                (x, fs) = (upsampler.resample(channel.samples), upsampler.outputRateHz)
            } else {
                (x, fs) = try Resampling.resampledToDouble(channel, to: ClassicalAnalysis.minimumRateHz, quality: .fastest)
            }
        } else {
            (x, fs) = (channel.samples.map(Double.init), channel.samplingRateHz)
        }
        if (polarity ?? PPGStatistics.measure(x, samplingRateHz: fs)?.polarity) == .inverted {
            for i in x.indices { x[i] = -x[i] }
        }
        return (x, fs)
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
    /// each tracking the previous estimate when `options.spectral.trackingBPM` or `trackingRatio`
    /// is set. With `trackingRatio`, tracking starts at the first trusted estimate: one from a window
    /// whose signal quality reaches `options.best.minimumSQI` (any window when there is no
    /// quality). Needs no model, so `hr` runs it while the model loads.
    public static func spectralEstimates(_ windows: PreparedWindows, options: HeartRateOptions) -> [Double?] {
        var previous: Double?
        var tracking = options.spectral.trackingRatio == nil
        return (0..<windows.count).map { n in
            let x = Array(windows.window(n)), fs = windows.layout.samplingRateHz
            var bpm = SpectralPeak.estimate(x, samplingRateHz: fs, options: options.spectral, previousBPM: tracking ? previous : nil)
            if bpm == nil, tracking, previous != nil { bpm = SpectralPeak.estimate(x, samplingRateHz: fs, options: options.spectral) }
            if !tracking, bpm != nil, windows.classical.map({ $0.quality[n].sqi >= options.best.minimumSQI }) ?? true { tracking = true }
            previous = bpm ?? previous
            return bpm
        }
    }

    /// Heart rate for every window: the model (pair or single-input, through `ModelRunner`), the
    /// spectral baseline (from `spectral` when the caller has computed it with
    /// `spectralEstimates`) and the reference. Windows are processed in blocks of
    /// `options.blockWindows`; after each block `emit` receives its finished estimates in window
    /// order (so a caller can write them out as they come) and `progress` the number of windows done.
    @discardableResult
    public static func estimate(_ windows: PreparedWindows, network: Network?, reference: HeartRateSeries?,
                                options: HeartRateOptions, spectral: [Double?]? = nil, progress: ((Int) -> Void)? = nil,
                                emit: (([WindowEstimate]) throws -> Void)? = nil) throws -> [WindowEstimate] {
        let layout = windows.layout
        var runner = try (options.runModel ? network : nil).map { try ModelRunner(network: $0, layout: layout) }
        runner?.workers = options.workers
        if let probe = options.layerProbe { runner?.layerProbe = probe }
        try runner.map { try $0.output.requireHeartRate($0.network) }
        var estimates: [WindowEstimate] = []
        estimates.reserveCapacity(windows.count)
        let spectral = options.runSpectral ? spectral ?? spectralEstimates(windows, options: options) : nil
        if let spectral, spectral.count != windows.count {
            throw PPGScopeError(object: "spectral", "\(spectral.count) spectral estimates for \(windows.count) windows")
        }
        var start = 0
        var lastBest: (timeS: Double, bpm: Double)?
        while start < windows.count {
            let end = min(start + options.blockWindows, windows.count)
            var block = (start..<end).map { n in
                WindowEstimate(window: n, startS: windows.startS(n), endS: windows.endS(n), referenceBPM: reference?.value(at: windows.endS(n)))
            }
            if let spectral {
                for n in start..<end { block[n - start].spectralBPM = spectral[n] }
            }
            if let runner {
                // Pair models: each block recomputes only the one window before it.
                let first = runner.firstEstimated(in: start..<end)
                runner.decode(try runner.outputs(windows, start..<end), into: &block[(first - start)...], thresholdBPM: options.thresholdBPM)
            }
            let inDistribution = windows.conditioning.outOfDistribution.isEmpty
            for i in block.indices {
                if let classical = windows.classical {
                    block[i].peaksBPM = classical.peaksBPM[block[i].window]
                    block[i].sqi = classical.quality[block[i].window].sqi
                    block[i].flatShare = classical.flatShare.isEmpty ? nil : classical.flatShare[block[i].window]
                }
                (block[i].bestBPM, block[i].bestSource) = options.best.choose(block[i], modelInDistribution: inDistribution,
                                                                              thresholdBPM: options.thresholdBPM, previous: lastBest)
                if let bpm = block[i].bestBPM { lastBest = (block[i].endS, bpm) }
            }
            try emit?(block)
            estimates += block
            start = end
            progress?(end)
        }
        return estimates
    }
}
