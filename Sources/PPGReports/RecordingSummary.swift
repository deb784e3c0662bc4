import Foundation
import PPGSignals

/// The text `ppgscope info` prints for a recording.
public enum RecordingSummary {
    /// Text description of a recording read from `file`: channels, rates, units, durations, reference HR, metadata.
    public static func text(_ recording: Recording, file path: String) -> String {
        var lines = ["recording \(path)"]
        lines.append("duration \(String(format: "%.2f", recording.durationS)) s")
        let rows = recording.channels.map { c -> [String] in
            let lo = c.samples.min() ?? 0, hi = c.samples.max() ?? 0
            return [c.name, c.unit, String(format: "%g", c.samplingRateHz), String(c.samples.count),
                    String(format: "%.2f", c.durationS), String(format: "%.4g … %.4g", lo, hi)]
        }
        lines += textTable(header: ["channel", "unit", "rate Hz", "samples", "duration s", "range"], rows: rows)
        if let hr = recording.referenceHR, !hr.isEmpty {
            lines.append(String(format: "reference HR: %d values from %.1f s to %.1f s, %.1f–%.1f BPM (mean %.1f)",
                                hr.bpm.count, hr.timesS.first!, hr.timesS.last!, hr.bpm.min()!, hr.bpm.max()!,
                                hr.bpm.reduce(0, +) / Double(hr.bpm.count)))
        } else {
            lines.append("reference HR: none")
        }
        for key in recording.metadata.keys.sorted() {
            let value = recording.metadata[key]!
            // Long lists (e.g. one activity label per window) are summarised.
            lines.append(value.count > 100 ? "\(key): \(value.prefix(60))… (\(value.split(separator: ",").count) values)" : "\(key): \(value)")
        }
        return lines.joined(separator: "\n")
    }
}
