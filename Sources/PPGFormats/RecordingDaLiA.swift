import Foundation
import PPGSignals

/// The PPG-DaLiA windowed layout of the KID-PPG demo (conventions in data/README.md):
/// X [N, C, 256] (C = 4: PPG, ACC x, y, z), 8 s windows at 32 Hz shifted by 2 s (64 samples),
/// and y [N] (or [N, 1]) the reference HR of each window in BPM.
///
/// `fromWindows` rebuilds the continuous signals, length (N − 1) · 64 + 256, after checking that
/// every overlap agrees, and attaches y(n) as the reference HR at window n's END time
/// t = (n · 64 + 256) / 32 s.
public enum RecordingDaLiA {
    public static let samplingRateHz = 32.0
    /// Window length in samples (8 s).
    public static let windowLength = 256
    /// Window shift in samples (2 s).
    public static let windowShift = 64
    /// Channel names in X's channel order (beyond four: `ch4`, `ch5`, …).
    public static let channelNames = ["ppg", "acc_x", "acc_y", "acc_z"]
    /// Units in X's channel order: the Empatica E4 PPG (BVP) has no physical unit; the demo's
    /// accelerometer values are multiples of 1/64 within ±2, i.e. the E4's raw 1/64 g counts
    /// already divided by 64, so g. Further channels: "a.u.".
    public static let channelUnits = ["a.u.", "g", "g", "g"]
    /// Value of the metadata key `layout` of recordings read from this layout.
    public static let layoutName = "dalia-windows"

    /// Rebuilds a recording from float32 windows. Overlapping samples must be exactly equal.
    /// - x: row-major [windows, channels, windowLength]; y: [windows] reference HR in BPM;
    ///   activity: optional [windows] activity label per window (stored in metadata `window_activity`).
    public static func fromWindows(x: [Float], windows: Int, channels: Int = 4, windowLength: Int = windowLength,
                                   shift: Int = windowShift, samplingRateHz: Double = samplingRateHz,
                                   y: [Double], activity: [Double]? = nil) throws -> Recording {
        try rebuild(x, windows: windows, channels: channels, windowLength: windowLength, shift: shift,
                    samplingRateHz: samplingRateHz, y: y, activity: activity, relativeTolerance: 0)
    }

    /// Rebuilds a recording from float64 windows. Overlapping samples must agree within
    /// 1e-6 · max|x| of their channel; the continuous signal keeps the earliest window's value,
    /// rounded to float32.
    public static func fromWindows(x: [Double], windows: Int, channels: Int = 4, windowLength: Int = windowLength,
                                   shift: Int = windowShift, samplingRateHz: Double = samplingRateHz,
                                   y: [Double], activity: [Double]? = nil) throws -> Recording {
        try rebuild(x, windows: windows, channels: channels, windowLength: windowLength, shift: shift,
                    samplingRateHz: samplingRateHz, y: y, activity: activity, relativeTolerance: 1e-6)
    }

    /// Cuts a recording back into windows: every channel (in order) must have the same rate and a
    /// length T ≥ windowLength; N = (T − windowLength) / shift + 1 (a partial last window is
    /// dropped). Returns x [N, C, windowLength] row-major and y [N]: the reference HR interpolated
    /// at each window's end time, NaN where the recording has none.
    public static func windows(of recording: Recording, windowLength: Int = windowLength,
                               shift: Int = windowShift) throws -> (x: [Float], windows: Int, channels: Int, y: [Double]) {
        try recording.validate()
        guard windowLength > 0, shift > 0 else { throw PPGScopeError("window length and shift must be positive") }
        let first = recording.channels[0]
        let length = first.samples.count
        for channel in recording.channels {
            guard channel.samplingRateHz == first.samplingRateHz, channel.samples.count == length else {
                throw PPGScopeError(object: channel.name, "windowing needs channels of one rate and length: \(channel.samplingRateHz) Hz × \(channel.samples.count) differs from \(first.name)'s \(first.samplingRateHz) Hz × \(length)")
            }
        }
        guard length >= windowLength else {
            throw PPGScopeError(object: first.name, "\(length) samples is shorter than one window of \(windowLength)")
        }
        let n = (length - windowLength) / shift + 1
        let c = recording.channels.count
        var x = [Float](repeating: 0, count: n * c * windowLength)
        for w in 0..<n {
            for (k, channel) in recording.channels.enumerated() {
                let base = (w * c + k) * windowLength
                for j in 0..<windowLength { x[base + j] = channel.samples[w * shift + j] }
            }
        }
        let y = (0..<n).map { w in
            recording.referenceHR?.value(at: Double(w * shift + windowLength) / first.samplingRateHz) ?? .nan
        }
        return (x, n, c, y)
    }

    /// True when the file has a dataset `X` of rank 3 (this layout).
    public static func isWindowed(_ file: HDF5File) -> Bool {
        file.exists("X") && !file.isGroup("X") && ((try? file.shape("X"))?.count == 3)
    }

    /// Reads an HDF5 file with datasets `X` [N, C, L], `y` [N] or [N, 1] and optional
    /// `activity` [N] or [N, 1]; 32 Hz and a 64-sample shift are assumed (the layout has no
    /// attributes for them).
    public static func read(_ path: String) throws -> Recording {
        let file = try HDF5File.open(path)
        defer { file.close() }
        return try read(from: file)
    }

    public static func read(from file: HDF5File) throws -> Recording {
        let path = file.path
        guard file.exists("X") else { throw PPGScopeError(file: path, object: "X", "missing dataset") }
        let (shape, values) = try file.readDoubles("X")
        guard shape.count == 3, shape[0] >= 1, shape[1] >= 1, shape[2] >= 1 else {
            throw PPGScopeError(file: path, object: "X", "expected shape [N, C, \(windowLength)] (windows, channels, samples), found \(shape)")
        }
        guard file.exists("y") else { throw PPGScopeError(file: path, object: "y", "missing dataset") }
        let y = try perWindow(file, "y", windows: shape[0])
        let activity = file.exists("activity") ? try perWindow(file, "activity", windows: shape[0]) : nil
        var recording: Recording
        do {
            // Float32 data (every value exactly representable) is checked for exact overlaps.
            if values.allSatisfy({ Double(Float($0)) == $0 || $0.isNaN }) {
                recording = try fromWindows(x: values.map { Float($0) }, windows: shape[0], channels: shape[1], windowLength: shape[2],
                                            y: y, activity: activity)
            } else {
                recording = try fromWindows(x: values, windows: shape[0], channels: shape[1], windowLength: shape[2], y: y, activity: activity)
            }
        } catch let error as PPGScopeError {
            throw error.inFile(path)
        }
        // Root string attributes (source, subject, …) become metadata; the layout's own keys win.
        for name in (try? file.attributeNames("/")) ?? [] where recording.metadata[name] == nil {
            if let value = try? file.stringAttribute("/", name) { recording.metadata[name] = value }
        }
        return recording
    }

    /// Writes `recording` in this layout: X float32 [N, C, 256], y float64 [N] (the reference HR at
    /// each window's end time; it must cover every window), `activity` [N] when the metadata
    /// holds `window_activity` with N labels, and the other metadata as root string attributes.
    /// Not atomic (`RecordingIO.write` writes ppgscope HDF5).
    public static func write(_ recording: Recording, to path: String) throws {
        let cut: (x: [Float], windows: Int, channels: Int, y: [Double])
        do {
            guard recording.channels.allSatisfy({ $0.samplingRateHz == samplingRateHz }) else {
                throw PPGScopeError("the windowed layout is \(samplingRateHz) Hz; resample first")
            }
            cut = try windows(of: recording)
            if let bad = cut.y.firstIndex(where: { $0.isNaN }) {
                throw PPGScopeError(object: "y", "no reference HR at the end of window \(bad) (t = \(Double(bad * windowShift + windowLength) / samplingRateHz) s)")
            }
        } catch let error as PPGScopeError {
            throw error.inFile(path)
        }
        let file = try HDF5File.create(path)
        defer { file.close() }
        try file.write("X", shape: [cut.windows, cut.channels, windowLength], floats: cut.x)
        try file.write("y", shape: [cut.windows], doubles: cut.y)
        if let labels = recording.metadata["window_activity"]?.split(separator: ",").compactMap({ Double($0) }), labels.count == cut.windows {
            try file.write("activity", shape: [cut.windows], doubles: labels)
        }
        let derived: Set<String> = ["layout", "windows", "window_length_samples", "window_shift_samples", "window_activity"]
        for key in recording.metadata.keys.sorted() where !derived.contains(key) && !key.isEmpty {
            try file.setAttribute("/", key, string: recording.metadata[key] ?? "")
        }
    }

    // MARK: - Internals

    private static func perWindow(_ file: HDF5File, _ dataset: String, windows: Int) throws -> [Double] {
        let (shape, values) = try file.readDoubles(dataset)
        guard shape == [windows] || shape == [windows, 1] else {
            throw PPGScopeError(file: file.path, object: dataset, "expected shape [\(windows)] or [\(windows), 1] (one value per window of X), found \(shape)")
        }
        return values
    }

    private static func rebuild<T: BinaryFloatingPoint>(_ x: [T], windows: Int, channels: Int, windowLength: Int, shift: Int,
                                                         samplingRateHz fs: Double, y: [Double], activity: [Double]?,
                                                         relativeTolerance: Double) throws -> Recording {
        guard windows >= 1, channels >= 1, windowLength >= 1 else {
            throw PPGScopeError(object: "X", "need at least one window, channel and sample, found [\(windows), \(channels), \(windowLength)]")
        }
        guard shift >= 1, shift <= windowLength else {
            throw PPGScopeError(object: "X", "window shift must be in 1…\(windowLength) samples (no gaps), found \(shift)")
        }
        guard fs.isFinite, fs > 0 else {
            throw PPGScopeError(object: "X", "sampling rate must be a positive number of Hz, found \(fs)")
        }
        guard x.count == windows * channels * windowLength else {
            throw PPGScopeError(object: "X", "\(x.count) values do not fill [\(windows), \(channels), \(windowLength)]")
        }
        guard y.count == windows else {
            throw PPGScopeError(object: "y", "\(y.count) reference HR values for \(windows) windows")
        }
        if let bad = y.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
            throw PPGScopeError(object: "y", "window \(bad): reference HR \(y[bad]) is not a positive number of BPM")
        }
        if let activity, activity.count != windows {
            throw PPGScopeError(object: "activity", "\(activity.count) labels for \(windows) windows")
        }
        let names = (0..<channels).map { $0 < channelNames.count ? channelNames[$0] : "ch\($0)" }
        let length = (windows - 1) * shift + windowLength
        var result: [Channel] = []
        for c in 0..<channels {
            var maxAbs = 0.0
            for w in 0..<windows {
                let base = (w * channels + c) * windowLength
                for j in 0..<windowLength {
                    let v = Double(x[base + j])
                    guard v.isFinite else {
                        throw PPGScopeError(object: "X", "window \(w), channel \(c) (\(names[c])), sample \(j) is \(v) (NaN and Inf are not accepted)")
                    }
                    maxAbs = max(maxAbs, abs(v))
                }
            }
            let tolerance = relativeTolerance * maxAbs
            var samples = [Float](repeating: 0, count: length)
            var exact = [T](repeating: 0, count: length)
            var filled = 0
            for w in 0..<windows {
                let base = (w * channels + c) * windowLength
                for j in 0..<windowLength {
                    let g = w * shift + j
                    let v = x[base + j]
                    if g < filled {
                        let agrees = relativeTolerance == 0 ? (v == exact[g]) : (abs(Double(v) - Double(exact[g])) <= tolerance)
                        if !agrees {
                            let earliest = max(0, (g - windowLength + shift) / shift)
                            throw PPGScopeError(object: "X", "window \(w), channel \(c) (\(names[c])): sample \(j) (t = \(Double(g) / fs) s) is \(Double(v)) but window \(earliest) has \(Double(exact[g])) at the same time; overlapping windows must agree\(relativeTolerance == 0 ? " exactly" : " within \(tolerance)")")
                        }
                    } else {
                        exact[g] = v
                        samples[g] = Float(v)
                    }
                }
                filled = w * shift + windowLength
            }
            result.append(Channel(name: names[c], samplingRateHz: fs, unit: c < channelUnits.count ? channelUnits[c] : "a.u.", samples: samples))
        }
        let times = (0..<windows).map { Double($0 * shift + windowLength) / fs }
        var metadata = [
            "layout": layoutName,
            "windows": String(windows),
            "window_length_samples": String(windowLength),
            "window_shift_samples": String(shift),
        ]
        if let activity {
            metadata["window_activity"] = activity.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int($0)) : "\($0)" }.joined(separator: ",")
        }
        let recording = Recording(channels: result, referenceHR: HeartRateSeries(timesS: times, bpm: y), metadata: metadata)
        try recording.validate()
        return recording
    }
}
