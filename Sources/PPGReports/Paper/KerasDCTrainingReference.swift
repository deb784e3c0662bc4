import Foundation
import PPGPaper
import PPGSignals

/// The Keras run of tools/reference/keras_dc_training.py: per-epoch curves (CSV) and fit timings (JSON).
public struct KerasDCTrainingReference: Sendable {
    public static let defaultCSVPath = "tools/reference/keras_dc_training.csv"
    public static let defaultJSONPath = "tools/reference/keras_dc_training.json"

    /// One CSV row: the epoch (from 1), the loss and each conv kernel's distance from its initial value.
    public typealias EpochValues = (epoch: Int, loss: Double, d1: Double, d2: Double)

    /// model → repetition → per-epoch values.
    public var curves: [String: [Int: [EpochValues]]]
    /// model → seconds per fit (empty without the JSON).
    public var seconds: [String: [Double]] = [:]
    /// Epochs per timed fit and TensorFlow threads, from the JSON.
    public var epochs = 60
    public var threads = 0

    /// Reads the CSV (`repetition,model,epoch,loss,conv1_distance,conv2_distance`) and, when `json` is
    /// given, its timings. Throws a `PPGScopeError` naming the file when either is missing, unreadable
    /// or malformed.
    public static func read(csv: String, json: String?) throws -> KerasDCTrainingReference {
        var reference = KerasDCTrainingReference(curves: try readCurves(csv))
        if let json { try reference.readTimings(json) }
        return reference
    }

    /// The reference the `dc-training` report compares with. `csv`/`json` nil means the default paths,
    /// which may be missing: a missing default CSV gives nil (no Keras comparison), a missing default JSON
    /// gives no timings, and `note` says so. Files given explicitly must exist; any file that exists must
    /// be readable and well formed (else a `PPGScopeError` naming it).
    public static func load(csv: String?, json: String?, note: (String) -> Void) throws -> KerasDCTrainingReference? {
        let csvPath = csv ?? defaultCSVPath
        if csv == nil && !FileManager.default.fileExists(atPath: csvPath) {
            note("no Keras reference at \(csvPath): the report has no Keras comparison")
            return nil
        }
        var jsonPath = json ?? defaultJSONPath
        if json == nil && !FileManager.default.fileExists(atPath: jsonPath) {
            note("no Keras timings at \(jsonPath): the report has no Keras timing comparison")
            jsonPath = ""
        }
        return try read(csv: csvPath, json: jsonPath.isEmpty ? nil : jsonPath)
    }

    init(curves: [String: [Int: [EpochValues]]]) { self.curves = curves }

    private static func text(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw PPGScopeError(file: path, "no such file") }
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw PPGScopeError(file: path, "cannot read as UTF-8 text: \(error.localizedDescription)")
        }
    }

    private static func readCurves(_ path: String) throws -> [String: [Int: [EpochValues]]] {
        let header = "repetition,model,epoch,loss,conv1_distance,conv2_distance"
        // Split on any line break: the CSV module writes \r\n, which Swift treats as one Character.
        let lines = try text(path).split(whereSeparator: \.isNewline)
        guard let first = lines.first,
              first.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }).joined(separator: ",") == header else {
            throw PPGScopeError(file: path, object: "line 1", "expected the header \(header)")
        }
        var curves: [String: [Int: [EpochValues]]] = [:]
        for (i, line) in lines.enumerated() where i > 0 {
            let f = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count == 6, let rep = Int(f[0]), let epoch = Int(f[2]), let loss = Double(f[3]),
                  let d1 = Double(f[4]), let d2 = Double(f[5]) else {
                throw PPGScopeError(file: path, object: "line \(i + 1)", "expected \(header)")
            }
            curves[f[1], default: [:]][rep, default: []].append((epoch, loss, d1, d2))
        }
        guard !curves.isEmpty else { throw PPGScopeError(file: path, "no rows after the header") }
        return curves
    }

    /// Reads `epochs`, `threads` and `times` = [{model, seconds}] of the JSON (through JSONSerialization,
    /// whose number parsing the recorded summaries were made with).
    private mutating func readTimings(_ path: String) throws {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(try Self.text(path).utf8)) } catch let error as PPGScopeError {
            throw error
        } catch {
            throw PPGScopeError(file: path, "not valid JSON: \(error.localizedDescription)")
        }
        guard let root = object as? [String: Any] else { throw PPGScopeError(file: path, "expected a JSON object") }
        guard let epochs = root["epochs"] as? Int, epochs > 0 else {
            throw PPGScopeError(file: path, object: "epochs", "expected a positive integer")
        }
        guard let threads = root["threads"] as? Int else { throw PPGScopeError(file: path, object: "threads", "expected an integer") }
        guard let times = root["times"] as? [[String: Any]] else {
            throw PPGScopeError(file: path, object: "times", "expected an array of {model, seconds}")
        }
        for (i, fit) in times.enumerated() {
            guard let model = fit["model"] as? String, let seconds = fit["seconds"] as? Double else {
                throw PPGScopeError(file: path, object: "times[\(i)]", "expected {model: string, seconds: number}")
            }
            self.seconds[model, default: []].append(seconds)
        }
        self.epochs = epochs
        self.threads = threads
    }

    /// Mean over repetitions of each epoch's values, for epochs 1 …`epochs` (or as many as recorded).
    func curve(_ model: String, _ value: (EpochValues) -> Double, epochs: Int) -> CurveSummary? {
        guard let reps = curves[model], !reps.isEmpty else { return nil }
        let rows = reps.keys.sorted().map { r in reps[r]!.sorted { $0.epoch < $1.epoch }.prefix(epochs).map(value) }
        return CurveSummary(rows)
    }

    /// The reference's curves of `model` over its first `epochs` epochs, and its mean seconds per fit.
    public func summary(_ model: String, epochs: Int) -> KerasModelSummary? {
        guard let loss = curve(model, { $0.loss }, epochs: epochs), let d1 = curve(model, { $0.d1 }, epochs: epochs),
              let d2 = curve(model, { $0.d2 }, epochs: epochs), !loss.mean.isEmpty else { return nil }
        let s = seconds[model]
        return KerasModelSummary(repetitions: curves[model]?.count ?? 0, epoch: loss.mean.count,
                                 finalLossMean: loss.mean.last!, finalLossStd: loss.std.last!,
                                 finalConv1Mean: d1.mean.last!, finalConv2Mean: d2.mean.last!,
                                 secondsPerFit: s.map { $0.reduce(0, +) / Double($0.count) },
                                 loss: loss, conv1Distance: d1, conv2Distance: d2)
    }

    /// Mean seconds of the three fits of a repetition (`epochs` epochs each); nil without all three timings.
    public var secondsPerRepetition: Double? {
        let means = ["relu", "linear", "linear_dc"].compactMap { m in seconds[m].map { $0.reduce(0, +) / Double($0.count) } }
        return means.count == 3 ? means.reduce(0, +) : nil
    }
}

/// The Keras reference of one model in `summary.json`.
public struct KerasModelSummary: Encodable {
    public var repetitions: Int
    /// Last epoch compared (≤ the run's epochs).
    public var epoch: Int
    public var finalLossMean: Double
    public var finalLossStd: Double
    public var finalConv1Mean: Double
    public var finalConv2Mean: Double
    public var secondsPerFit: Double?
    public var loss: CurveSummary
    public var conv1Distance: CurveSummary
    public var conv2Distance: CurveSummary
}
