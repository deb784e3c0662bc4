import Foundation
import PPGFormats
import PPGSignals

/// The text `ppgscope info` prints for a recording.
public enum RecordingSummary {
    /// Text description of a recording read from `file`: channels, rates, units, durations, timing
    /// (start, measured rate, jitter), segments, reference HR, metadata and, when given, which
    /// channels the analysis would use (`roles`, or `rolesProblem` saying why none could be chosen).
    public static func text(_ recording: Recording, file path: String, roles: ChannelRoles? = nil, rolesProblem: String? = nil,
                            referenceSource: String? = nil) -> String {
        var lines = ["recording \(path)"]
        lines.append("duration \(String(format: "%.2f", recording.durationS)) s")
        let rows = recording.channels.map { c -> [String] in
            let lo = c.samples.min() ?? 0, hi = c.samples.max() ?? 0
            return [c.name, c.unit, String(format: "%g", c.samplingRateHz), String(c.samples.count),
                    String(format: "%.2f", c.durationS), String(format: "%.4g … %.4g", lo, hi)]
        }
        lines += textTable(header: ["channel", "unit", "rate Hz", "samples", "duration s", "range"], rows: rows)
        if let timing = recording.timing {
            if let start = timing.startUnixS {
                let date = Date(timeIntervalSince1970: start)
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                lines.append("start \(formatter.string(from: date)) (UNIX \(String(format: "%.3f", start)) s)")
            }
            if let rate = timing.measuredRateHz {
                let jitter = timing.jitterS.map { String(format: "%.3g ms", $0 * 1000) } ?? "?"
                let worst = timing.maxDeviationS.map { String(format: "%.3g ms", $0 * 1000) } ?? "?"
                lines.append("time stamps: \(String(format: "%.6g", rate)) Hz measured, jitter \(jitter) (std), worst step deviation \(worst)"
                             + (timing.resampledToGrid ? "; resampled onto a uniform grid (linear interpolation)" : "; uniform"))
            }
        }
        if recording.timing?.measuredRateHz == nil {
            lines.append("time stamps: none (uniform sampling at the stated rate; jitter 0)")
        }
        let spans = recording.continuousSpansS
        if recording.segmentsS.isEmpty {
            lines.append("segments: 1 (no gaps)")
        } else {
            let shown = spans.prefix(8).map { String(format: "%.2f–%.2f s", $0.lowerBound, $0.upperBound) }.joined(separator: ", ")
            lines.append("segments: \(spans.count) (gaps split the recording; windows never straddle one): \(shown)\(spans.count > 8 ? ", …" : "")")
        }
        if let hr = recording.referenceHR, !hr.isEmpty {
            lines.append(String(format: "reference HR: %d values from %.1f s to %.1f s, %.1f–%.1f BPM (mean %.1f)",
                                hr.bpm.count, hr.timesS.first!, hr.timesS.last!, hr.bpm.min()!, hr.bpm.max()!,
                                hr.bpm.reduce(0, +) / Double(hr.bpm.count)) + (referenceSource.map { ", from \($0)" } ?? ""))
        } else {
            lines.append("reference HR: none")
        }
        if let roles {
            lines.append("used as PPG: \(roles.ppg) (\(roles.ppgReason))")
            lines.append("used as ACC: \(roles.acc.isEmpty ? "none — \(roles.accReason)" : "\(roles.acc.joined(separator: ", ")) (\(roles.accReason))")")
            lines.append("used as reference: \(referenceSource ?? roles.referenceChannel.map { "channel \($0)" } ?? "none")")
        } else if let rolesProblem {
            lines.append("used as PPG: none — \(rolesProblem)")
        }
        for key in recording.metadata.keys.sorted() {
            let value = recording.metadata[key]!
            // Long lists (e.g. one activity label per window) are summarised.
            lines.append(value.count > 100 ? "\(key): \(value.prefix(60))… (\(value.split(separator: ",").count) values)" : "\(key): \(value)")
        }
        return lines.joined(separator: "\n")
    }
}
