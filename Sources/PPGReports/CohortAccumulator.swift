import Foundation
import PPGAnalysis
import PPGFormats
import PPGSignals

/// What became of one recording of a cohort: its result, or why it has none.
public enum CohortOutcome {
    case result(CohortRecordingResult)
    case failure(CohortFailure)
}

/// The cohort's pooled figures, folded one recording at a time in key order — the one order that
/// makes every sum independent of how the recordings were sharded or scheduled. `batch` folds
/// each result as its job finishes it (no re-reading), `merge` and `assemble` fold what the
/// directories hold; both then `write` the same bytes. Memory grows with the rows of
/// `cohort.json` only: the sums are running sums and the Bland–Altman sample is bounded.
public struct CohortAccumulator {
    public let dir: CohortDirectory
    public let run: CohortRunDescription
    /// The run's own recordings, sorted by key: the order `add` expects them in.
    public let inputs: [CohortInput]
    private var rows: [CohortSummary.Row] = [], failures: [CohortFailure] = []
    private var pooled: [String: ErrorSums] = [:]
    private var labelSums: [String: [String: (recordings: Int, sums: [String: ErrorSums])]] = [:]
    private var layerSums: [LayerSums]?, layers: [InspectedLayer]?, inspectedKeys: [String] = []
    private var blandAltman: [String: BlandAltmanPoints] = [:]

    public init(_ dir: CohortDirectory, run: CohortRunDescription) {
        self.dir = dir
        self.run = run
        inputs = run.ownInputs.sorted { $0.key < $1.key }
    }

    /// The outcome `dir` holds for `input`: its summary, its failure record, or "not processed".
    public func storedOutcome(_ input: CohortInput) throws -> CohortOutcome {
        if dir.isDone(input.key) { return .result(try dir.result(input.key)) }
        if dir.hasFailed(input.key) { return .failure(try dir.failureRecord(input.key)) }
        return .failure(CohortFailure(key: input.key, path: input.path, error: "not processed"))
    }

    /// Adds the next recording (`inputs` order). With --inspect its layer sums are read from its directory.
    public mutating func add(_ input: CohortInput, _ outcome: CohortOutcome) throws {
        let r: CohortRecordingResult
        switch outcome {
        case .failure(let failure):
            failures.append(failure)
            rows.append(CohortSummary.Row(key: input.key, path: input.path, labels: input.labels, status: "failed", error: failure.error))
            return
        case .result(let result): r = result
        }
        var metrics: [String: HeartRateMetrics] = [:]
        if let m = r.hr.model_metrics { metrics["model"] = m }
        if let m = r.hr.spectral_metrics { metrics["spectral"] = m }
        if let m = r.hr.peaks_metrics { metrics["peaks"] = m }
        if let m = r.hr.best_metrics { metrics["best"] = m }
        var row = CohortSummary.Row(key: r.key, path: r.path, labels: r.labels, status: "ok", windows: r.windows,
                                    metrics: metrics.isEmpty ? nil : metrics, confidentShare: r.confidentShare, filter: r.filter,
                                    conditioningNote: r.conditioningNote, conditioning: r.hr.conditioning.steps)
        for (name, sums) in r.errorSums.sorted(by: { $0.key < $1.key }) {
            pooled[name] = (pooled[name] ?? ErrorSums()).combined(with: sums)
            blandAltman[name, default: BlandAltmanPoints()].add(r.blandAltmanSample[name] ?? [])
            for (label, value) in r.labels {
                var group = labelSums[label, default: [:]][value, default: (0, [:])]
                group.sums[name] = (group.sums[name] ?? ErrorSums()).combined(with: sums)
                labelSums[label, default: [:]][value] = group
            }
        }
        for (label, value) in r.labels { labelSums[label, default: [:]][value, default: (0, [:])].recordings += 1 }
        if run.inspect, r.inspected {
            let file = dir.recording(r.key) + "/layer_sums.h5"
            let (l, s) = try LayerSumsFile.read(file)
            if let layers, layers.map(\.tapName) != l.map(\.tapName) {
                throw PPGScopeError(file: file, "its layers differ from the other recordings' (another model?)")
            }
            layers = l
            layerSums = layerSums.map { zip($0, s).map { $0.adding($1) } } ?? s
            inspectedKeys.append(r.key)
            row.dcPowerFraction = LayerInspector.summaries(layers: l, sums: s).map(\.dcPowerFraction)
        }
        rows.append(row)
    }

    /// Writes `cohort.json`, `failures.csv`, with --inspect `spectra.h5`, and `index.html` (each
    /// atomically) from every recording added; returns the summary.
    public func write() throws -> CohortSummary {
        precondition(rows.count == inputs.count, "CohortAccumulator.write before every recording was added")
        let layerSummaries = layers.flatMap { l in layerSums.map { LayerInspector.summaries(layers: l, sums: $0) } }
        let summary = CohortSummary(
            model: run.model, options: run.options, recordings: inputs.count, processed: inputs.count - failures.count, failed: failures.count,
            rows: rows, pooled: pooled.compactMapValues(\.metrics),
            byLabel: labelSums.mapValues { $0.mapValues { CohortSummary.LabelGroup(recordings: $0.recordings, metrics: $0.sums.compactMapValues(\.metrics)) } },
            layers: layerSummaries?.map { l in
                CohortSummary.Layer(name: l.layer.name, className: l.layer.className, samplingRateHz: l.layer.samplingRateHz, windows: l.windows,
                                    dcPowerFraction: l.dcPowerFraction, dcToLargestNonDC: l.dcToLargestNonDC, dcDominantShare: l.dcDominantShare,
                                    deadChannelsPerWindow: l.deadChannelsPerWindow, dcFromConvolution: l.dcFromConvolution,
                                    dcAddedByActivation: l.dcAddedByActivation, bandwidth99Hz: l.bandwidth99Hz, harmonicShare: l.harmonicShare,
                                    maxAbsDCHRCorrelation: InspectionReport.maxAbs(l.dcHRCorrelation))
            },
            summation: "float64 running sums per recording (window order), combined over recordings sorted by key")
        try AtomicOutput.text(try ReportJSON.text(summary), to: dir.path + "/cohort.json")
        try AtomicOutput.text(CohortReport.failuresCSV(failures), to: dir.path + "/failures.csv")
        if let layers, let layerSums, let layerSummaries {
            try CohortReport.writeSpectra(layers: layers, sums: layerSums, summaries: layerSummaries, recordings: inspectedKeys, to: dir.path + "/spectra.h5")
        }
        try CohortReport.writeReport(summary, blandAltman: blandAltman, into: dir.path)
        return summary
    }
}

/// The Bland–Altman points a cohort report plots for one estimator: each recording's sample
/// (mean of estimate and reference, difference), in key order, thinned to every 2^k-th point
/// whenever more than `capacity` are held — the same points however the recordings arrive, in
/// memory that does not grow with the cohort.
public struct BlandAltmanPoints: Equatable {
    public static let capacity = 6000
    /// BPM, parallel arrays.
    public private(set) var means: [Double] = []
    public private(set) var differences: [Double] = []
    /// Points seen so far; point i is kept when i is a multiple of `keepEvery`.
    private var seen = 0
    private var keepEvery = 1

    public init() {}

    /// Adds points `[mean, difference]` in order.
    public mutating func add(_ points: [[Double]]) {
        for p in points where p.count == 2 {
            if seen % keepEvery == 0 {
                means.append(p[0])
                differences.append(p[1])
            }
            seen += 1
            if means.count > Self.capacity {
                // Kept indices are the multiples of keepEvery, in order: every other one of them
                // is a multiple of 2 · keepEvery.
                means = Swift.stride(from: 0, to: means.count, by: 2).map { means[$0] }
                differences = Swift.stride(from: 0, to: differences.count, by: 2).map { differences[$0] }
                keepEvery *= 2
            }
        }
    }
}
