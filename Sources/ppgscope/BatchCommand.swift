import ArgumentParser
import Foundation
import PPGAnalysis
import PPGCompute
import PPGFormats
import PPGNetwork
import PPGReports
import PPGSignals

/// `ppgscope batch`: `hr` over a cohort of recordings, with the model loaded once, pooled metrics,
/// resumable and shardable.
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Run the heart-rate pipeline over many recordings and pool the results (resumable; shardable over a cluster).",
        discussion: """
        Every option of `hr` applies. Writes DIR/recordings/<name>/hr.csv and summary.json per \
        recording (<name>: the file stem, with a hash of the path appended when two inputs share \
        one), DIR/cohort.json (a row per recording; MAE, RMSE, bias and Bland–Altman pooled over all \
        windows and per label), DIR/failures.csv, DIR/index.html and, with --inspect, \
        DIR/spectra.h5 (per-layer spectra and DC summed over the cohort). Exit status 1 when any \
        recording failed; the others are still processed.
        Manifest: a CSV with a header path[,reference_hr][,subject,activity,...] (other columns are \
        labels; relative paths are relative to the manifest), or one path per line.
        --shard K/N (0 ≤ K < N) processes the recordings whose name hashes to K; `ppgscope merge` \
        joins the N shard directories into what one run would have written.
        """)

    @OptionGroup var analysis: HeartRateRunArguments
    @Argument(help: "Recordings (.h5, .wav, .flac, .csv, .edf/.bdf, WFDB .hea, Empatica E4 folders or .zip).") var recordings: [String] = []
    @OptionGroup(title: "Reading the recordings") var recordingOptions: RecordingOptions
    @Option(help: "Manifest: CSV with header path,reference_hr,<labels...>, or one path per line.") var manifest: String?
    @Option(help: "Output directory.") var out: String
    @Flag(help: "Also accumulate every layer's spectra and DC (as `inspect`), summed over the cohort into DIR/spectra.h5.") var inspect = false
    @Flag(help: "Continue a run in DIR: recordings whose outputs are complete are skipped, failed ones retried.") var resume = false
    @Option(help: "Process shard K of N (0-based), chosen by a hash of each recording's name.") var shard: String?
    @Option(help: "Recordings processed at once (each on cores / jobs threads).") var jobs: Int = 1

    func validate() throws {
        guard recordings.isEmpty != (manifest == nil) else { throw ValidationError("give recordings or --manifest FILE (one of the two)") }
        guard jobs > 0 else { throw ValidationError("--jobs must be positive") }
        if let shard, Self.parseShard(shard) == nil { throw ValidationError("--shard must be K/N with 0 ≤ K < N, e.g. 0/4") }
        if inspect, analysis.model == nil { throw ValidationError("--inspect needs --model") }
        if recordingOptions.referenceHR != nil {
            throw ValidationError("batch takes each recording's reference from the manifest's reference_hr column (or the recording itself), not --reference-hr")
        }
    }

    static func parseShard(_ text: String) -> CohortRunDescription.Shard? {
        let parts = text.split(separator: "/").map { Int($0) }
        guard parts.count == 2, let k = parts[0], let n = parts[1], n > 0, k >= 0, k < n else { return nil }
        return .init(index: k, count: n)
    }

    func run() throws {
        let started = Date()
        let listed = try manifest.map(CohortManifest.read) ?? recordings.map { CohortInput(key: "", path: $0) }
        let inputs = try CohortManifest.keyed(listed)
        var chosen = try analysis.options()
        // The model is loaded when it estimates or is inspected (`--estimator spectral --inspect` inspects without estimating).
        let modelPath = chosen.runModel || inspect ? analysis.model : nil
        // The model file's digest (which names the run) is taken on another thread while HDF5 loads the model.
        let digest = modelPath.map { path in BackgroundTask { try CohortRunDescription.digest(ofFile: path) } }
        let network: Network?
        do { network = try modelPath.map { try KerasModelFile.load($0) } } catch { digest?.finish(); throw error }
        let description = CohortRunDescription(model: modelPath, modelDigest: try digest?.value(),
                                               options: analysis.canonicalDescription.merging(recordingOptions.canonicalDescription) { a, _ in a }, inspect: inspect, inputs: inputs,
                                               shard: shard.flatMap(Self.parseShard))
        let dir = CohortDirectory(out)
        try dir.prepare(for: description, resume: resume)
        let own = description.ownInputs
        let todo = own.filter { !dir.isDone($0.key) }
        if jobs > 1, chosen.workers == nil { chosen.workers = max(1, ProcessInfo.processInfo.activeProcessorCount / jobs) }
        chosen.layerProbe = LayerProbe()
        let options = chosen

        // Several recordings at once keep the cores busy: single-window work stays on its own thread
        // rather than sharing tiles with the second-core worker (which would spin for the others' time).
        // So does a job told to use one thread (`--threads 1`): one job, one core.
        let ownThreadOnly = jobs > 1 || options.workers == 1
        if ownThreadOnly { TileSharingWorker.enterParallelRegion() }
        defer { if ownThreadOnly { TileSharingWorker.leaveParallelRegion() } }
        let progress = CohortProgress(total: todo.count)
        let phases = PhaseSeconds()
        // Key order, the order the cohort is folded in: a finished recording then waits in memory
        // only for the few before it that other jobs are still running.
        let fold = CohortFold(CohortAccumulator(dir, run: description), running: todo)
        phases.add(\.setup, Date().timeIntervalSince(started))
        let failures = CohortWork(todo.sorted { $0.key < $1.key }).run(jobs: jobs) { input, prepared in
            let result = try phases.time(\.processing) {
                try dir.process(input, prepared: prepared, network: network, modelPath: modelPath, options: options, inspect: inspect) { done in
                    progress.windows(input.key, done: done, of: prepared.windows.count)
                }
            }
            progress.finished(input.key)
            phases.time(\.report) { fold.deliver(input.key, .result(result)) }
        } prepare: { input in
            try phases.time(\.reading) {
                var request = recordingOptions.request(input.path)
                request.referenceHRPath = input.referenceHR
                // Without the motion filter the accelerometer is not read (unless mapped by --acc).
                if options.filter == .none, recordingOptions.acc == nil { request.read.unusedChannels = Set(HeartRatePipeline.accNames) }
                let recording = try RecordingLoader.load(request).recording
                let prepared = try RecordingHeartRate.prepare(recording, network: network, options: options, explicitFilter: analysis.explicitFilter,
                                                              source: input.path)
                if let note = prepared.windows.filterReport.note { progress.message("\(input.path): \(note)") }
                return prepared
            }
        } failed: { input, error in
            progress.finished(input.key)
            progress.message("\(error)")
            let record = try? dir.recordFailure(input, error: error)
            phases.time(\.report) { fold.deliver(input.key, record.map { .failure($0) }) }
        }
        progress.finish()

        let summary = try phases.time(\.report) { try fold.write() }
        try AtomicOutput.text(try ReportJSON.text(CohortProvenance(started: started, jobs: jobs, shard: description.shard?.text,
                                                                   phases: phases.values)), to: out + "/provenance.json")
        print("\(own.count) recordings\(description.shard.map { " (shard \($0.text) of \(inputs.count))" } ?? ""): \(todo.count - failures) processed, \(own.count - todo.count) already done, \(summary.failed) failed")
        for (name, m) in summary.pooled.sorted(by: { $0.key < $1.key }) {
            print(String(format: "pooled %@: MAE %.3f, RMSE %.3f, bias %+.3f BPM over %d windows", name, m.mae, m.rmse, m.bias, m.windows))
        }
        print("wrote \(out)/cohort.json, failures.csv, index.html\(inspect ? ", spectra.h5" : "") and recordings/")
        if summary.failed > 0 {
            FileHandle.standardError.write(Data("ppgscope batch: \(summary.failed) of \(own.count) recordings failed (listed in \(out)/failures.csv)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `ppgscope merge`: the shards of a `batch --shard K/N` run, joined.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the output directories of `batch --shard K/N` runs into what one unsharded run writes.",
        discussion: """
        The shards must come from the same model file, options and list of recordings, and cover \
        every K of 0..N-1 exactly once; otherwise the error names the directories. cohort.json, \
        spectra.h5 and every recording's files equal those of one unsharded run, bit for bit. Exit \
        status 1 also when a merged recording had failed (see DIR/failures.csv).
        """)

    @Option(help: "Output directory (new, empty, or an earlier merge of the same run).") var out: String
    @Argument(help: "The shards' output directories.") var shards: [String]

    func run() throws {
        let started = Date()
        let summary = try CohortMerge.merge(shards, into: out)
        try AtomicOutput.text(try ReportJSON.text(CohortProvenance(started: started, jobs: 1, shard: nil, mergedFrom: shards)), to: out + "/provenance.json")
        print("merged \(shards.count) shards: \(summary.recordings) recordings, \(summary.failed) failed; wrote \(out)/cohort.json")
        if summary.failed > 0 { throw ExitCode(1) }
    }
}

/// `DIR/provenance.json`: where and when (kept out of the files that must compare equal).
struct CohortProvenance: Codable {
    /// gethostname(2): no name lookup (Foundation's `hostName` resolves the name, which can take a while).
    var host: String = {
        var name = [CChar](repeating: 0, count: 256)
        return gethostname(&name, name.count) == 0 ? Self.text(name) : "?"
    }()
    var started: String
    var finished: String
    var seconds: Double
    var jobs: Int
    var shard: String?
    var mergedFrom: [String]?
    /// Where the time went, in seconds (absent for a merge).
    var phases: PhaseSeconds.Values?
    var version = ppgscopeVersion
    var arguments = CommandLine.arguments

    /// `2026-01-31T12:00:00Z` (strftime: Foundation's ISO8601DateFormatter loads the time-zone database first).
    static func utc(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970), parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return text(buffer)
    }

    /// A NUL-terminated C string in `buffer` (all of it when there is no NUL).
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    init(started: Date, jobs: Int, shard: String?, mergedFrom: [String]? = nil, phases: PhaseSeconds.Values? = nil) {
        self.phases = phases
        self.started = Self.utc(started)
        finished = Self.utc(Date())
        seconds = Date().timeIntervalSince(started)
        self.jobs = jobs
        self.shard = shard
        self.mergedFrom = mergedFrom
    }
}

/// Wall-clock seconds a batch spends per phase, summed over the recordings (and so over the jobs
/// and read-ahead threads that run at once): what a run's time is made of, in `provenance.json`.
final class PhaseSeconds: @unchecked Sendable {
    struct Values: Codable {
        /// Arguments, model loading and digest, output directory: before the first recording.
        var setup = 0.0
        /// Reading and preparing the recordings (on the read-ahead threads).
        var reading = 0.0
        /// Estimating and writing each recording's outputs (the model included).
        var processing = 0.0
        /// Assembling cohort.json and the report.
        var report = 0.0
    }

    private var sums = Values()
    private let lock = NSLock()

    var values: Values { lock.lock(); defer { lock.unlock() }; return sums }

    func add(_ phase: WritableKeyPath<Values, Double>, _ seconds: Double) {
        lock.lock(); sums[keyPath: phase] += seconds; lock.unlock()
    }

    @discardableResult
    func time<T>(_ phase: WritableKeyPath<Values, Double>, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { add(phase, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        return try body()
    }
}

/// The cohort folded as its recordings finish, in key order (`CohortAccumulator`): each result
/// is added from memory, without reading its summary back, once every recording before it in key
/// order is in; recordings done by an earlier run (`--resume`) are read from the directory.
final class CohortFold: @unchecked Sendable {
    private var cohort: CohortAccumulator
    /// Keys this run processes; the others are read back from the directory.
    private let running: Set<String>
    /// Finished recordings waiting for their turn (nil: read the outcome back from the directory).
    private var waiting: [String: CohortOutcome?] = [:]
    private var next = 0
    private var error: Error?
    private let lock = NSLock()

    init(_ cohort: CohortAccumulator, running: [CohortInput]) {
        self.cohort = cohort
        self.running = Set(running.map(\.key))
    }

    /// `key` is finished: its outcome, or nil when it is to be read from the directory.
    func deliver(_ key: String, _ outcome: CohortOutcome?) {
        lock.lock(); defer { lock.unlock() }
        waiting[key] = .some(outcome)
        advance(readingAll: false)
    }

    /// Folds whatever is left (read from the directory) and writes the cohort's files.
    func write() throws -> CohortSummary {
        lock.lock(); defer { lock.unlock() }
        advance(readingAll: true)
        if let error { throw error }
        return try cohort.write()
    }

    private func advance(readingAll: Bool) {
        while error == nil, next < cohort.inputs.count {
            let input = cohort.inputs[next]
            let outcome: CohortOutcome
            do {
                if running.contains(input.key), let delivered = waiting.removeValue(forKey: input.key) {
                    outcome = try delivered ?? cohort.storedOutcome(input)
                } else if !running.contains(input.key) || readingAll {
                    outcome = try cohort.storedOutcome(input)
                } else {
                    return
                }
                try cohort.add(input, outcome)
            } catch {
                self.error = error
            }
            next += 1
        }
    }
}

/// Recordings processed by `jobs` threads, each reading and preparing its next recording on
/// another thread while the model runs on the current one (read-ahead).
final class CohortWork: @unchecked Sendable {
    private let inputs: [CohortInput]
    private var next = 0
    private let lock = NSLock()
    private var failures = 0

    init(_ inputs: [CohortInput]) { self.inputs = inputs }

    private func claim() -> CohortInput? {
        lock.lock(); defer { lock.unlock() }
        guard next < inputs.count else { return nil }
        next += 1
        return inputs[next - 1]
    }

    /// Runs every input; returns the number that failed (each reported to `failed`).
    func run(jobs: Int, process: @escaping @Sendable (CohortInput, PreparedRecording) throws -> Void,
             prepare: @escaping @Sendable (CohortInput) throws -> PreparedRecording,
             failed: @escaping @Sendable (CohortInput, Error) -> Void) -> Int {
        DispatchQueue.concurrentPerform(iterations: jobs) { _ in
            let readAhead = ReadAhead()
            defer { readAhead.stop() }
            var current = claim()
            if let current { readAhead.start { Result { try prepare(current) } } }
            while let input = current {
                let prepared = readAhead.value()
                current = claim()
                if let next = current { readAhead.start { Result { try prepare(next) } } }
                do {
                    try process(input, try prepared.get())
                } catch {
                    lock.lock(); failures += 1; lock.unlock()
                    failed(input, error)
                }
            }
        }
        return failures
    }
}

/// A worker's reading thread: prepares the next recording while the model runs on the current one.
/// One long-lived thread per worker (a thread per recording would make glibc add a malloc arena
/// for each new thread, up to 8 per core, and the peak RSS grow with the number of recordings).
final class ReadAhead: @unchecked Sendable {
    private let requested = DispatchSemaphore(value: 0), ready = DispatchSemaphore(value: 0)
    private var job: (() -> Result<PreparedRecording, Error>)?
    private var result: Result<PreparedRecording, Error>?

    init() {
        let thread = Thread { [self] in
            while true {
                requested.wait()
                guard let job else { return }
                result = job()
                ready.signal()
            }
        }
        thread.name = "ppgscope-read-ahead"
        thread.start()
    }

    /// Starts `work` on the reading thread (after the previous value was taken).
    func start(_ work: @escaping () -> Result<PreparedRecording, Error>) {
        job = work
        requested.signal()
    }

    /// Waits for the started work's result.
    func value() -> Result<PreparedRecording, Error> {
        ready.wait()
        defer { result = nil }
        return result!
    }

    /// Ends the thread.
    func stop() {
        job = nil
        requested.signal()
    }
}

/// Progress over recordings and windows with an ETA, on stderr when it is a terminal (nothing otherwise).
final class CohortProgress: @unchecked Sendable {
    private let total: Int
    private let start = Date()
    private let enabled = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private var done = 0
    private var current: [String: Double] = [:]
    private var lastDraw = Date.distantPast
    private var shown = false

    init(total: Int) { self.total = total }

    func windows(_ key: String, done windows: Int, of count: Int) {
        lock.lock(); defer { lock.unlock() }
        current[key] = count > 0 ? Double(windows) / Double(count) : 0
        draw()
    }

    func finished(_ key: String) {
        lock.lock(); defer { lock.unlock() }
        current[key] = nil
        done += 1
        draw()
    }

    /// A line above the bar (a note or a failure), always printed.
    func message(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardError.write(Data(((shown ? "\r\u{1B}[K" : "") + "ppgscope batch: \(text)\n").utf8))
        lastDraw = .distantPast
        draw()
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if shown {
            lastDraw = .distantPast
            draw()
            FileHandle.standardError.write(Data("\n".utf8))
        }
    }

    private func draw() {
        guard enabled, total > 0, Date().timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = Date()
        let fraction = min(1, (Double(done) + current.values.reduce(0, +)) / Double(total))
        let elapsed = Date().timeIntervalSince(start)
        let eta = fraction > 0.01 ? elapsed / fraction - elapsed : .nan
        let width = 30, filled = Int(Double(width) * fraction)
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let etaText = eta.isFinite ? String(format: "ETA %d:%02d", Int(eta) / 60, Int(eta) % 60) : "ETA …"
        FileHandle.standardError.write(Data("\rbatch \(bar) \(done)/\(total) recordings \(String(format: "%3.0f", 100 * fraction)) % \(etaText)\u{1B}[K".utf8))
        shown = true
    }
}
