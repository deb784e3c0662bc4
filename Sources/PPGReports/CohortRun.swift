import Foundation
import PPGAnalysis
import PPGFormats
import PPGNetwork
import PPGSignals

/// Everything that decides a cohort run's results (`DIR/run.json`): two runs, or two shards of
/// one, whose descriptions agree produce the same files. Host names and times are kept out (they
/// go to `DIR/provenance.json`), so run.json itself compares bit for bit.
public struct CohortRunDescription: Codable, Equatable, Sendable {
    public struct Shard: Codable, Equatable, Sendable {
        /// 0-based shard index and shard count.
        public var index: Int
        public var count: Int
        public init(index: Int, count: Int) {
            self.index = index
            self.count = count
        }
        public var text: String { "\(index)/\(count)" }
    }

    public var format = "ppgscope-batch-1"
    public var model: String?
    /// FNV-1a 64 of the model file's bytes and its size: two shards must run the very same weights.
    public var modelDigest: String?
    /// The pipeline's options, as given.
    public var options: [String: String]
    /// Per-layer spectra and DC accumulated (`--inspect`).
    public var inspect: Bool
    /// Every input of the cohort (all shards), in the order given.
    public var inputs: [CohortInput]
    /// This run's share, or nil for the whole cohort.
    public var shard: Shard?

    public init(model: String?, modelDigest: String?, options: [String: String], inspect: Bool, inputs: [CohortInput], shard: Shard?) {
        self.model = model
        self.modelDigest = modelDigest
        self.options = options
        self.inspect = inspect
        self.inputs = inputs
        self.shard = shard
    }

    /// The inputs this run processes.
    public var ownInputs: [CohortInput] {
        guard let shard else { return inputs }
        return inputs.filter { CohortManifest.inShard($0.key, index: shard.index, count: shard.count) }
    }

    /// The names of the fields in which `other` differs (shard aside).
    public func differences(from other: CohortRunDescription) -> [String] {
        var fields: [String] = []
        if format != other.format { fields.append("format") }
        if model != other.model { fields.append("model (\(model ?? "none") vs \(other.model ?? "none"))") }
        else if modelDigest != other.modelDigest { fields.append("model file contents") }
        for key in Set(options.keys).union(other.options.keys).sorted() where options[key] != other.options[key] {
            fields.append("--\(key) (\(options[key] ?? "unset") vs \(other.options[key] ?? "unset"))")
        }
        if inspect != other.inspect { fields.append("--inspect") }
        if inputs != other.inputs { fields.append("the list of recordings") }
        return fields
    }

    /// The digest `modelDigest` holds for the file at `path`.
    ///
    /// FNV-1a (64-bit) over the file's little-endian 64-bit words, then its last bytes one by one,
    /// and the size: `fnv1a64w:<hex>:<bytes>`. A word at a time is 8 times faster than FNV's byte
    /// steps; the file is read in 256 KiB blocks (a multiple of 8 bytes, so the words fall as in one
    /// piece) into one buffer, not into memory of its own size.
    public static func digest(ofFile path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw PPGScopeError(file: path, "cannot read the model file: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let prime: UInt64 = 0x0000_0100_0000_01b3
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        let blockSize = 1 << 18
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 8)
        defer { buffer.deallocate() }
        var total = 0
        while true {
            // Fill the block (read(2) may return less than asked before the end of the file).
            var filled = 0
            while filled < blockSize {
                let n = read(descriptor, buffer.baseAddress! + filled, blockSize - filled)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw PPGScopeError(file: path, "cannot read the model file: \(String(cString: strerror(errno)))")
                }
                if n == 0 { break }
                filled += n
            }
            let words = filled / 8
            for i in 0..<words { h = (h ^ UInt64(littleEndian: buffer.load(fromByteOffset: 8 * i, as: UInt64.self))) &* prime }
            for i in (8 * words)..<filled { h = (h ^ UInt64(buffer[i])) &* prime }
            total += filled
            if filled < blockSize { break }
        }
        return String(format: "fnv1a64w:%016llx:%d", h, total)
    }
}

/// One recording's outcome as `summary.json` in `recordings/<key>/` holds it: the `hr` summary,
/// the labels, and the running error sums a cohort pools.
public struct CohortRecordingResult: Codable {
    public var key: String
    public var path: String
    public var referenceHR: String?
    public var labels: [String: String]
    public var windows: Int
    /// The input conditioning applied: motion filter and why one asked for was skipped.
    public var filter: String
    public var conditioningNote: String?
    /// Windows whose model estimate is confident, p(|error| < threshold) ≥ 0.5, over the windows with
    /// a model standard deviation (nil when the model gives none).
    public var confidentShare: Double?
    /// Per estimator ("model", "spectral"), sums over the windows with a reference (absent without one).
    public var errorSums: [String: ErrorSums]
    /// Per estimator, up to 200 evenly spaced windows' (mean of estimate and reference, difference) in BPM.
    public var blandAltmanSample: [String: [[Double]]]
    public var inspected: Bool
    /// Everything `ppgscope hr --json` reports for this recording.
    public var hr: HeartRateReport.Summary
}

/// A recording that could not be processed (`failed/<key>.json`).
public struct CohortFailure: Codable, Sendable, Equatable {
    public var key: String
    public var path: String
    public var error: String
}

/// The files of a cohort run directory and how one recording's are written:
/// `run.json`, `provenance.json`, `recordings/<key>/{hr.csv, summary.json[, layer_sums.h5]}`,
/// `failed/<key>.json`, and the cohort files `cohort.json`, `failures.csv`, `spectra.h5`, `index.html`.
public struct CohortDirectory: Sendable {
    public let path: String
    public init(_ path: String) { self.path = path }

    public var runFile: String { path + "/run.json" }
    public var recordings: String { path + "/recordings" }
    public var failed: String { path + "/failed" }
    public func recording(_ key: String) -> String { recordings + "/" + key }
    public func failure(_ key: String) -> String { failed + "/" + key + ".json" }

    /// Whether `key`'s outputs are complete (its directory appears only when everything in it is written).
    public func isDone(_ key: String) -> Bool { FileManager.default.fileExists(atPath: recording(key) + "/summary.json") }
    public func hasFailed(_ key: String) -> Bool { FileManager.default.fileExists(atPath: failure(key)) }

    /// The run description stored here, nil when there is none.
    public func description() throws -> CohortRunDescription? {
        guard FileManager.default.fileExists(atPath: runFile) else { return nil }
        do {
            return try ReportJSON.decode(CohortRunDescription.self, from: Data(contentsOf: URL(fileURLWithPath: runFile)))
        } catch {
            throw PPGScopeError(file: runFile, "not a ppgscope batch run description: \(error)")
        }
    }

    /// Makes the directory ready for `run`: new or empty, or holding the same run when `resume`
    /// (or `replaceSameRun`). Another run's results, or foreign files, are an error naming the
    /// directory; nothing is touched then. Leftover temporaries of a killed run are removed.
    public func prepare(for run: CohortRunDescription, resume: Bool, replaceSameRun: Bool = false) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw PPGScopeError(file: path, "exists and is not a directory") }
            let entries = try fm.contentsOfDirectory(atPath: path).filter { !Self.isTemporary($0) }
            if let existing = try description() {
                let differences = existing.differences(from: run)
                    + (existing.shard != run.shard ? ["--shard (\(existing.shard?.text ?? "none") vs \(run.shard?.text ?? "none"))"] : [])
                guard differences.isEmpty else {
                    throw PPGScopeError(file: path, "holds the results of another run (it differs in \(differences.joined(separator: ", "))); choose another output directory")
                }
                guard resume || replaceSameRun else {
                    throw PPGScopeError(file: path, "already holds this run's results; pass --resume to continue it, or choose another output directory")
                }
            } else if !entries.isEmpty {
                throw PPGScopeError(file: path, "is not empty and holds no ppgscope batch run (no run.json); choose another output directory")
            }
        } else {
            try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        for sub in [path, recordings, failed] where fm.fileExists(atPath: sub) {
            for entry in try fm.contentsOfDirectory(atPath: sub) where Self.isTemporary(entry) { try? fm.removeItem(atPath: sub + "/" + entry) }
        }
        // run.json first: a run killed at any later moment leaves a directory that --resume accepts.
        try AtomicOutput.text(try ReportJSON.text(run), to: runFile)
        try fm.createDirectory(atPath: recordings, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: failed, withIntermediateDirectories: true)
    }

    /// `AtomicOutput`'s temporaries: `.<name>.tmp-<pid>[-<random>]`.
    static func isTemporary(_ name: String) -> Bool { name.hasPrefix(".") && name.contains(".tmp-") }

    /// The stored result of `key`.
    public func result(_ key: String) throws -> CohortRecordingResult {
        let file = recording(key) + "/summary.json"
        do { return try ReportJSON.decode(CohortRecordingResult.self, from: Data(contentsOf: URL(fileURLWithPath: file))) }
        catch { throw PPGScopeError(file: file, "cannot read the recording's summary: \(error)") }
    }

    public func failureRecord(_ key: String) throws -> CohortFailure {
        let file = failure(key)
        do { return try ReportJSON.decode(CohortFailure.self, from: Data(contentsOf: URL(fileURLWithPath: file))) }
        catch { throw PPGScopeError(file: file, "cannot read the failure record: \(error)") }
    }

    /// Records that `input` could not be processed (replacing any earlier result of it); returns the record.
    @discardableResult
    public func recordFailure(_ input: CohortInput, error: Error) throws -> CohortFailure {
        let message = (error as? PPGScopeError)?.description ?? "\(error)"
        let record = CohortFailure(key: input.key, path: input.path, error: message)
        try AtomicOutput.text(try ReportJSON.text(record), to: failure(input.key))
        return record
    }

    /// Runs the pipeline over one prepared recording and writes `recordings/<key>/` all-or-nothing:
    /// `hr.csv`, `summary.json` and, with `inspect`, `layer_sums.h5` (the per-layer running sums).
    /// A failure record of an earlier attempt is removed once the outputs are in place.
    @discardableResult
    public func process(_ input: CohortInput, prepared: PreparedRecording, network: Network?, modelPath: String?, options: HeartRateOptions, inspect: Bool,
                        progress: ((Int) -> Void)? = nil) throws -> CohortRecordingResult {
        let result = try AtomicOutput.directory(recording(input.key)) { dir in
            let estimates = try HeartRateReport.estimate(prepared, network: network, options: options, csv: dir + "/hr.csv",
                                                         header: HeartRateReport.metadataLines(prepared.windows.conditioning) + HeartRateReport.csvHeader,
                                                         progress: progress)
            if inspect, let network {
                let (layers, sums) = try Inspection.layerSums(prepared.windows, network: network, reference: prepared.reference,
                                                              workers: options.workers)
                try LayerSumsFile.write(layers: layers, sums: sums, to: dir + "/layer_sums.h5")
            }
            let result = CohortRecordingResult(input: input, estimates: estimates, filter: prepared.windows.filterReport,
                                               conditioning: prepared.windows.conditioning, options: options,
                                               model: modelPath, inspected: inspect && network != nil)
            try AtomicOutput.text(try ReportJSON.text(result), to: dir + "/summary.json")
            return result
        }
        OutputPath.removeIfPresent(failure(input.key))
        return result
    }
}

extension CohortRecordingResult {
    init(input: CohortInput, estimates: [WindowEstimate], filter: FilterReport, conditioning: ConditioningReport, options: HeartRateOptions,
         model: String?, inspected: Bool) {
        key = input.key
        path = input.path
        referenceHR = input.referenceHR
        labels = input.labels
        windows = estimates.count
        self.filter = filter.mode.rawValue
        conditioningNote = filter.note
        let withStd = estimates.filter { $0.pWithin != nil }
        confidentShare = withStd.isEmpty ? nil : Double(withStd.filter { $0.pWithin! >= 0.5 }.count) / Double(withStd.count)
        errorSums = [:]
        blandAltmanSample = [:]
        let references = estimates.map(\.referenceBPM)
        for (name, values) in [("model", estimates.map(\.hrBPM)), ("spectral", estimates.map(\.spectralBPM)),
                               ("peaks", estimates.map(\.peaksBPM)), ("best", estimates.map(\.bestBPM))] {
            let sums = ErrorSums(estimates: values, references: references)
            guard sums.n > 0 else { continue }
            errorSums[name] = sums
            // Every `stride`-th window with both values (no per-window array is built).
            let stride = max(1, (sums.n + 199) / 200)
            var sample: [[Double]] = [], k = 0
            for (e, r) in zip(values, references) {
                guard let e, let r, e.isFinite, r.isFinite else { continue }
                if k % stride == 0 { sample.append([(e + r) / 2, e - r]) }
                k += 1
            }
            blandAltmanSample[name] = sample
        }
        self.inspected = inspected
        hr = HeartRateReport.Summary(estimates: estimates, filter: filter, threshold: options.thresholdBPM, recording: input.path, model: model,
                                     conditioning: conditioning)
    }
}

/// `layer_sums.h5`: one recording's per-layer running sums (float64), which a cohort adds up.
/// Root attribute `layers_json` (the layers' identities as JSON); per layer `layers/<index>/` with
/// `amplitude_sum` [channels, bins], `power_sum` [bins], `counts` [11], `correlation_sums`
/// [6, channels] and the attribute `windows`.
public enum LayerSumsFile {
    public static func write(layers: [InspectedLayer], sums: [LayerSums], to path: String) throws {
        try AtomicOutput.file(path) { temporary in
            let file = try HDF5File.create(temporary)
            defer { file.close() }
            try file.setAttribute("/", "layers_json", string: try ReportJSON.text(layers))
            try writeSums(file, layers: layers, sums: sums, group: { "layers/\($0)" })
        }
    }

    static func writeSums(_ file: HDF5File, layers: [InspectedLayer], sums: [LayerSums], group: (Int) -> String) throws {
        for (i, (layer, s)) in zip(layers, sums).enumerated() {
            let g = group(i)
            try file.write(g + "/amplitude_sum", shape: [layer.channels, layer.timeSteps / 2 + 1], doubles: s.amplitudeSum)
            try file.write(g + "/power_sum", shape: [s.powerSum.count], doubles: s.powerSum)
            try file.write(g + "/counts", shape: [s.counts.count], doubles: s.counts)
            try file.write(g + "/correlation_sums", shape: [6, layer.channels], doubles: s.correlationSums)
            try file.setAttribute(g, "windows", double: Double(s.windows))
        }
    }

    public static func read(_ path: String) throws -> (layers: [InspectedLayer], sums: [LayerSums]) {
        let file = try HDF5File.open(path)
        defer { file.close() }
        let layers: [InspectedLayer]
        do { layers = try ReportJSON.decode([InspectedLayer].self, from: Data(try file.stringAttribute("/", "layers_json").utf8)) }
        catch let e as PPGScopeError { throw e.inFile(path) }
        catch { throw PPGScopeError(file: path, object: "layers_json", "\(error)") }
        let sums = try layers.indices.map { i -> LayerSums in
            let g = "layers/\(i)"
            let counts = try file.readDoubles(g + "/counts").values
            guard counts.count == LayerSums.countsLength else {
                throw PPGScopeError(file: path, object: g + "/counts", "holds \(counts.count) sums, expected \(LayerSums.countsLength): written by another ppgscope version")
            }
            return LayerSums(windows: Int(try file.doubleAttribute(g, "windows")), amplitudeSum: try file.readDoubles(g + "/amplitude_sum").values,
                             powerSum: try file.readDoubles(g + "/power_sum").values, counts: counts,
                             correlationSums: try file.readDoubles(g + "/correlation_sums").values)
        }
        return (layers, sums)
    }
}
