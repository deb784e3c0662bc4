import Foundation
import PPGNetwork
import PPGSignals

/// A recording made ready for the heart-rate pipeline: its windows, the spectral baseline (which
/// needs no model, so it can be computed on another thread while a model loads or runs) and the
/// reference HR.
public struct PreparedRecording: Sendable {
    public var windows: PreparedWindows
    /// The spectral baseline per window (nil when the spectral estimator is off).
    public var spectral: [Double?]?
    public var reference: HeartRateSeries?
}

/// The per-recording work of `hr`, which `batch` repeats for every recording of a cohort: prepare
/// (resample, window, motion filter, spectral baseline), then estimate.
public enum RecordingHeartRate {
    /// Windows and spectral baseline of `recording` for `network` (nil: the layout's own windows).
    /// A recording without accelerometer is prepared without the filter unless `explicitFilter`.
    /// Errors name `source`.
    public static func prepare(_ recording: Recording, network: Network?, options: HeartRateOptions, explicitFilter: Bool,
                               source: String) throws -> PreparedRecording {
        let windows = try ModelInput.prepare(recording: recording, for: network, options: options, skipFilterWithoutACC: !explicitFilter,
                                             source: source)
        return PreparedRecording(windows: windows,
                                 spectral: options.runSpectral ? HeartRatePipeline.spectralEstimates(windows, options: options) : nil,
                                 reference: recording.referenceHR)
    }

    /// Whether `prepared` was made for windows `network` takes (a model with its own window length
    /// needs the recording prepared again with it).
    public static func fits(_ prepared: PreparedRecording, _ network: Network?) -> Bool {
        network.map { $0.inputShape[0] == prepared.windows.layout.length } ?? true
    }

    /// Every window's estimates (`HeartRatePipeline.estimate`), handed to `emit` block by block.
    @discardableResult
    public static func estimate(_ prepared: PreparedRecording, network: Network?, options: HeartRateOptions,
                                progress: ((Int) -> Void)? = nil, emit: (([WindowEstimate]) throws -> Void)? = nil) throws -> [WindowEstimate] {
        try HeartRatePipeline.estimate(prepared.windows, network: network, reference: prepared.reference, options: options,
                                       spectral: prepared.spectral, progress: progress, emit: emit)
    }
}

extension Inspection {
    /// The running per-layer sums of one pass of `network` over every window (what `batch --inspect`
    /// keeps per recording and adds up over a cohort): no figures, no ablation, bounded memory.
    public static func layerSums(_ prepared: PreparedWindows, network: Network, reference: HeartRateSeries?, workers: Int? = nil,
                                 blockWindows: Int = 64) throws -> (layers: [InspectedLayer], sums: [LayerSums]) {
        let range = 0..<prepared.count
        var runner = try ModelRunner(network: network, layout: prepared.layout)
        runner.workers = workers
        let layers = LayerInspector.layers(of: network, inputRateHz: prepared.layout.samplingRateHz)
        let referenceBPM = referenceFrequencies(prepared, range: range, reference: reference).map { $0.referenceBPM ?? $0.spectralBPM }
        let inspector = LayerInspector(layers: layers)
        inspector.dcSampleStride = Int.max
        try runner.forEachBlock(prepared, range, blockWindows: blockWindows, taps: LayerInspector.requiredTaps(layers)) { block in
            inspector.add(taps: block.windowTaps, count: block.windows.count, referenceBPM: Array(referenceBPM[block.windows]))
            if !block.headTaps.isEmpty {
                inspector.add(taps: block.headTaps, count: block.estimatedWindows.count, referenceBPM: Array(referenceBPM[block.estimatedWindows]))
            }
        }
        return (layers, inspector.sums())
    }
}
