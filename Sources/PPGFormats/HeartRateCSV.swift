import Foundation
import PPGSignals

extension RecordingIO {
    /// Reads a heart-rate trajectory from a CSV of `time_s,bpm` rows (a header row is optional).
    public static func readHeartRatePoints(_ path: String) throws -> HeartRateSeries {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PPGScopeError(file: path, FileManager.default.fileExists(atPath: path) ? "not readable as UTF-8 text" : "no such file")
        }
        var times: [Double] = [], bpm: [Double] = []
        for (i, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let cells = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.isEmpty || cells[0].hasPrefix("#") { continue }
            guard cells.count >= 2, let t = Double(cells[0]), let b = Double(cells[1]) else {
                if i == 0 { continue }  // header
                throw PPGScopeError(file: path, object: "line \(i + 1)", "expected two numbers time_s,bpm")
            }
            times.append(t)
            bpm.append(b)
        }
        let series = HeartRateSeries(timesS: times, bpm: bpm)
        guard !times.isEmpty else { throw PPGScopeError(file: path, "no time_s,bpm rows") }
        do {
            try Recording(channels: [Channel(name: "x", samplingRateHz: 1, samples: [0])], referenceHR: series).validate()
        } catch let e as PPGScopeError { throw e.inFile(path) }
        return series
    }
}
