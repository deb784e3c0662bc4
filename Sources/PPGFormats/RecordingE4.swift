import Foundation
import PPGSignals

/// Empatica E4 exports (the raw form of PPG-DaLiA and WESAD): a folder, or the zip Empatica gives,
/// with one CSV per signal (conventions in data/README.md).
///
/// Each signal file: row 1 = session start as UNIX seconds (UTC), row 2 = sample rate in Hz, then
/// one sample per row; a multi-axis file repeats both header cells per column. Read:
/// - `BVP.csv` (64 Hz) → `bvp` (a.u.); required.
/// - `ACC.csv` (32 Hz, x, y, z in 1/64 g) → `acc_x`, `acc_y`, `acc_z` in g.
/// - `EDA.csv` (4 Hz, µS) → `eda`; `TEMP.csv` (4 Hz, °C) → `temp`.
/// - `HR.csv` (1 Hz, Empatica's own estimate, from 10 s in) → `device_hr` (BPM): a device estimate,
///   never taken as the reference. Its first value is held back to t = 0.
/// - `IBI.csv` (no rate row: `t0, IBI` then `seconds since start, interval s`) → metadata
///   `device_ibi_count`, `device_ibi_mean_s`.
/// t = 0 is the latest start of BVP, ACC, EDA and TEMP; earlier files drop their leading samples.
public enum RecordingE4 {
    /// Reads an export folder or zip.
    public static func read(_ path: String) throws -> Recording {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PPGScopeError(file: path, "no such file or folder")
        }
        var files: [String: String] = [:]
        if isDirectory.boolValue {
            for name in signalFiles {
                let file = (path as NSString).appendingPathComponent(name)
                if let data = FileManager.default.contents(atPath: file) { files[name] = String(decoding: data, as: UTF8.self) }
            }
        } else {
            files = try zipEntries(path)
        }
        do {
            return try parse(files: files)
        } catch let error as PPGScopeError {
            throw error.inFile(path)
        }
    }

    /// The files an export holds that ppgscope reads.
    public static let signalFiles = ["BVP.csv", "ACC.csv", "EDA.csv", "TEMP.csv", "HR.csv", "IBI.csv"]

    /// The signal files of a zip, by base name (entries may sit in one sub-folder).
    static func zipEntries(_ path: String) throws -> [String: String] {
        let archive = try ZipArchive.open(path)
        defer { archive.close() }
        var files: [String: String] = [:]
        for entry in archive.entries where !entry.isDirectory && !entry.name.hasPrefix("__MACOSX/") {
            let base = (entry.name as NSString).lastPathComponent
            guard signalFiles.contains(base) else { continue }
            guard files[base] == nil else {
                throw PPGScopeError(file: path, object: entry.name, "the zip holds more than one \(base): give one export at a time")
            }
            files[base] = String(decoding: try archive.data(entry.name), as: UTF8.self)
        }
        return files
    }

    /// One E4 signal file: start (UNIX s), rate (Hz) and the columns of samples.
    struct SignalFile {
        var startUnixS: Double
        var rateHz: Double
        var columns: [[Float]]
    }

    /// Parses a signal file with `columns` columns (rows 1 and 2: start and rate, repeated per column).
    static func parseSignal(_ text: String, name: String, columns: Int) throws -> SignalFile {
        var lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.enumerated().filter { !$0.element.isEmpty }
        guard lines.count >= 2 else {
            throw PPGScopeError(object: name, "expected the start time (UNIX s) on row 1 and the rate (Hz) on row 2, found \(lines.count) rows")
        }
        func cells(_ k: Int) throws -> [Double] {
            let (index, line) = lines[k]
            let parts = line.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count >= columns, parts.allSatisfy({ $0 != nil && $0!.isFinite }) else {
                throw PPGScopeError(object: "\(name) line \(index + 1)", "expected \(columns) number\(columns > 1 ? "s" : ""), found \"\(line)\"")
            }
            return parts.prefix(columns).map { $0! }
        }
        let start = try cells(0)[0]
        let rate = try cells(1)[0]
        guard rate > 0, rate <= 100_000 else { throw PPGScopeError(object: "\(name) line 2", "the sample rate must be between 0 and 100 kHz, found \(rate)") }
        guard abs(start) < 1e11 else { throw PPGScopeError(object: "\(name) line 1", "the start time \(start) is not UNIX seconds") }
        lines.removeFirst(2)
        var out = [[Float]](repeating: [], count: columns)
        for k in out.indices { out[k].reserveCapacity(lines.count) }
        for k in lines.indices {
            let row = try cells(k)
            for c in 0..<columns { out[c].append(Float(row[c])) }
        }
        guard !out[0].isEmpty else { throw PPGScopeError(object: name, "no samples after the two header rows") }
        return SignalFile(startUnixS: start, rateHz: rate, columns: out)
    }

    /// Builds the recording from the export's files (name → text). Pure.
    public static func parse(files: [String: String]) throws -> Recording {
        guard let bvpText = files["BVP.csv"] else {
            let found = files.keys.sorted()
            throw PPGScopeError("not an Empatica E4 export (a directory or zip holding BVP.csv, ACC.csv, HR.csv, …): no BVP.csv\(found.isEmpty ? "" : "; found \(found.joined(separator: ", "))")")
        }
        var signals: [(names: [String], units: [String], file: SignalFile, scale: Float)] = []
        signals.append((["bvp"], ["a.u."], try parseSignal(bvpText, name: "BVP.csv", columns: 1), 1))
        if let text = files["ACC.csv"] {
            signals.append((["acc_x", "acc_y", "acc_z"], ["g", "g", "g"], try parseSignal(text, name: "ACC.csv", columns: 3), 1 / 64))
        }
        if let text = files["EDA.csv"] { signals.append((["eda"], ["uS"], try parseSignal(text, name: "EDA.csv", columns: 1), 1)) }
        if let text = files["TEMP.csv"] { signals.append((["temp"], ["degC"], try parseSignal(text, name: "TEMP.csv", columns: 1), 1)) }
        let t0 = signals.map(\.file.startUnixS).max()!
        var channels: [Channel] = []
        for signal in signals {
            let skip = Int(((t0 - signal.file.startUnixS) * signal.file.rateHz).rounded())
            for (k, name) in signal.names.enumerated() {
                let samples = signal.file.columns[k].dropFirst(skip).map { $0 * signal.scale }
                guard !samples.isEmpty else {
                    throw PPGScopeError(object: name, "starts \(t0 - signal.file.startUnixS) s before the other signals and ends before they start")
                }
                channels.append(Channel(name: name, samplingRateHz: signal.file.rateHz, unit: signal.units[k], samples: samples))
            }
        }
        var metadata = ["format": "empatica-e4"]
        if let text = files["HR.csv"] {
            let hr = try parseSignal(text, name: "HR.csv", columns: 1)
            let offset = hr.startUnixS - t0
            let bvpDuration = channels[0].durationS
            guard offset < bvpDuration else {
                throw PPGScopeError(object: "HR.csv", "starts \(offset) s after BVP.csv, which lasts \(bvpDuration) s")
            }
            let lead = max(0, Int((offset * hr.rateHz).rounded()))
            let values = hr.columns[0].dropFirst(max(0, -Int((offset * hr.rateHz).rounded())))
            if let first = values.first {
                channels.append(Channel(name: "device_hr", samplingRateHz: hr.rateHz, unit: "bpm",
                                        samples: [Float](repeating: first, count: lead) + values))
                metadata["device_hr_first_s"] = String(format: "%g", max(0, offset))
                metadata["device_hr_note"] = "HR.csv is Empatica's own estimate, not a reference"
            }
        }
        if let text = files["IBI.csv"] {
            let rows = text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line -> Double? in
                let parts = line.split(separator: ",")
                return parts.count >= 2 ? Double(parts[1].trimmingCharacters(in: .whitespaces)) : nil
            }
            metadata["device_ibi_count"] = "\(rows.count)"
            if !rows.isEmpty { metadata["device_ibi_mean_s"] = String(format: "%.4f", rows.reduce(0, +) / Double(rows.count)) }
        }
        let recording = Recording(channels: channels, metadata: metadata, timing: SampleTiming(startUnixS: t0))
        try recording.validate()
        return recording
    }
}
