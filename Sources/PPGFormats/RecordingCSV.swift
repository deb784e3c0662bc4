import Foundation
import PPGSignals

/// Recordings as CSV (conventions in data/README.md).
///
///     # ppgscope-csv 1
///     # sampling_rate_hz=32
///     # unit.ppg=a.u.
///     # unit.acc_x=g
///     # meta.subject=S6
///     # reference_hr=8,72.5              (one line per entry: time in s, BPM)
///     time_s,ppg,acc_x
///     0,0.25,-0.015625
///     0.03125,0.2578125,-0.015625
///
/// Reading: one header row of column names (channel names, optionally `time_s` and
/// `reference_hr_bpm`), then one row per sample; lines starting with `#` are comments, blank
/// lines are skipped. All channels share one rate, taken from (in priority) the explicit
/// `samplingRateHz`, a `# sampling_rate_hz=` comment, or the `time_s` column (uniform spacing
/// checked to 1e-6 relative). The reference HR comes from `# reference_hr=t,bpm` comment lines,
/// or else from a `reference_hr_bpm` column (the HR at that row's time; empty or NaN cells are
/// skipped). Units come from `# unit.<channel>=` (default "a.u."), metadata from `# meta.<key>=`.
///
/// Writing emits every value with Swift's shortest round-trip description, so a round trip is exact.
public enum RecordingCSV {
    /// Reserved column names.
    public static let timeColumn = "time_s"
    public static let referenceColumn = "reference_hr_bpm"

    /// Reads a CSV file. `samplingRateHz`, when given, overrides the file's rate (and must agree
    /// with a `time_s` column if there is one).
    public static func read(_ path: String, samplingRateHz: Double? = nil) throws -> Recording {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PPGScopeError(file: path, "cannot read file: \(error.localizedDescription)")
        }
        do {
            var text = String(decoding: data, as: UTF8.self)
            if text.hasPrefix("\u{FEFF}") { text.removeFirst() }  // byte-order mark (spreadsheet exports)
            return try parse(text, samplingRateHz: samplingRateHz)
        } catch let error as PPGScopeError {
            throw error.inFile(path)
        }
    }

    /// Parses CSV text (see the type's documentation). Errors name the line and column.
    public static func parse(_ text: String, samplingRateHz explicitRate: Double? = nil) throws -> Recording {
        var commentRate: Double?
        var units: [String: String] = [:]
        var metadata: [String: String] = [:]
        var referenceComments: [(Double, Double)] = []
        var header: [String]?
        var rows: [[Substring]] = []
        var rowLines: [Int] = []

        var lineNumber = 0
        // "\r\n" is one Character in Swift, so split on every newline character.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("#") {
                let body = trimmed.dropFirst()
                guard let eq = body.firstIndex(of: "=") else { continue }
                let key = body[..<eq].trimmingCharacters(in: .whitespaces)
                let value = body[body.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                if key == "sampling_rate_hz" {
                    guard let r = Double(value) else {
                        throw PPGScopeError(object: "line \(lineNumber)", "sampling_rate_hz is not a number: \"\(value)\"")
                    }
                    commentRate = r
                } else if key.hasPrefix("unit.") {
                    units[String(key.dropFirst(5))] = unescape(value)
                } else if key.hasPrefix("meta.") {
                    metadata[unescape(String(key.dropFirst(5)))] = unescape(value)
                } else if key == "reference_hr" {
                    let parts = value.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
                    guard parts.count == 2, let t = parts[0], let bpm = parts[1] else {
                        throw PPGScopeError(object: "line \(lineNumber)", "reference_hr must be \"time_s,bpm\", found \"\(value)\"")
                    }
                    referenceComments.append((t, bpm))
                }
                continue
            }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            if header == nil {
                header = cells.map { cell in
                    var name = cell.trimmingCharacters(in: .whitespaces)
                    if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
                    return name
                }
                continue
            }
            rows.append(cells)
            rowLines.append(lineNumber)
        }

        guard let header else { throw PPGScopeError("no header row: expected a line of column names") }
        var seen = Set<String>()
        for (i, name) in header.enumerated() {
            guard !name.isEmpty else { throw PPGScopeError(object: "header", "column \(i + 1) has no name") }
            guard seen.insert(name).inserted else { throw PPGScopeError(object: "header", "column \"\(name)\" appears twice") }
        }
        let timeIndex = header.firstIndex(of: timeColumn)
        let referenceIndex = header.firstIndex(of: referenceColumn)
        let channelIndices = header.indices.filter { $0 != timeIndex && $0 != referenceIndex }
        guard !channelIndices.isEmpty else { throw PPGScopeError(object: "header", "no signal columns (only \(header.joined(separator: ", ")))") }
        guard !rows.isEmpty else { throw PPGScopeError("no data rows after the header") }

        var columns = [[Float]](repeating: [], count: header.count)
        var times: [Double] = []
        var referenceCells: [Double] = []
        for c in channelIndices { columns[c].reserveCapacity(rows.count) }
        for (r, cells) in rows.enumerated() {
            let line = rowLines[r]
            guard cells.count == header.count else {
                throw PPGScopeError(object: "line \(line)", "row has \(cells.count) cells but the header has \(header.count) columns")
            }
            for c in header.indices {
                let cell = cells[c].trimmingCharacters(in: .whitespaces)
                if c == timeIndex {
                    guard let t = Double(cell), t.isFinite else {
                        throw PPGScopeError(object: "line \(line), column \(timeColumn)", "not a finite number: \"\(cell)\"")
                    }
                    times.append(t)
                } else if c == referenceIndex {
                    if cell.isEmpty { referenceCells.append(.nan); continue }
                    guard let v = Double(cell) else {
                        throw PPGScopeError(object: "line \(line), column \(referenceColumn)", "not a number: \"\(cell)\"")
                    }
                    referenceCells.append(v)
                } else {
                    guard let v = Float(cell) else {
                        throw PPGScopeError(object: "line \(line), column \(header[c])", "not a number: \"\(cell)\"")
                    }
                    guard v.isFinite else {
                        throw PPGScopeError(object: "line \(line), column \(header[c])", "\(cell) is not accepted (NaN and Inf are not valid samples)")
                    }
                    columns[c].append(v)
                }
            }
        }

        // The rate, and the time column checked against it.
        var rate: Double
        var timeOffset = 0.0
        var timeRate: Double?
        if !times.isEmpty {
            timeOffset = times[0]
            if times.count >= 2 {
                let span = times[times.count - 1] - times[0]
                guard span > 0 else { throw PPGScopeError(object: timeColumn, "times do not increase") }
                let first = times[1] - times[0]
                for i in 1..<times.count {
                    let d = times[i] - times[i - 1]
                    guard abs(d - first) <= 1e-6 * first else {
                        throw PPGScopeError(object: "line \(rowLines[i]), column \(timeColumn)", "time step \(d) s differs from the first step \(first) s: samples must be uniformly spaced (within 1e-6 relative)")
                    }
                }
                var fromTimes = Double(times.count - 1) / span
                if abs(fromTimes - fromTimes.rounded()) <= 1e-9 * fromTimes { fromTimes = fromTimes.rounded() }
                timeRate = fromTimes
            }
        }
        if let explicitRate {
            rate = explicitRate
        } else if let commentRate {
            rate = commentRate
        } else if let timeRate {
            rate = timeRate
        } else {
            throw PPGScopeError("missing sampling rate: give it explicitly, add a line \"# sampling_rate_hz=32\", or a \(timeColumn) column with at least two rows")
        }
        guard rate.isFinite, rate > 0 else {
            throw PPGScopeError(object: "sampling_rate_hz", "sampling rate must be a positive number of Hz, found \(rate)")
        }
        if let timeRate, abs(timeRate - rate) > 1e-6 * rate {
            throw PPGScopeError(object: timeColumn, "time column implies \(timeRate) Hz but the sampling rate is \(rate) Hz")
        }

        let channels = channelIndices.map { c in
            Channel(name: header[c], samplingRateHz: rate, unit: units[header[c]] ?? "a.u.", samples: columns[c])
        }
        var reference: HeartRateSeries?
        if !referenceComments.isEmpty {
            guard referenceIndex == nil else {
                throw PPGScopeError(object: referenceColumn, "reference HR given both as '# reference_hr=' lines and as a column")
            }
            reference = HeartRateSeries(timesS: referenceComments.map(\.0), bpm: referenceComments.map(\.1))
        } else if referenceIndex != nil {
            var t: [Double] = [], v: [Double] = []
            for (i, bpm) in referenceCells.enumerated() where !bpm.isNaN {
                t.append(times.isEmpty ? Double(i) / rate : times[i] - timeOffset)
                v.append(bpm)
            }
            reference = HeartRateSeries(timesS: t, bpm: v)
        }
        if timeOffset != 0 { metadata["csv_time_offset_s"] = "\(timeOffset)" }
        let recording = Recording(channels: channels, referenceHR: reference, metadata: metadata)
        try recording.validate()
        return recording
    }

    /// Writes `recording` to `path` (created or truncated; not atomic — `RecordingIO.write` is).
    public static func write(_ recording: Recording, to path: String) throws {
        let text: String
        do {
            text = try render(recording)
        } catch let error as PPGScopeError {
            throw error.inFile(path)
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw PPGScopeError(file: path, "cannot write file: \(error.localizedDescription)")
        }
    }

    /// The CSV text of `recording`: comments (format, rate, units, metadata, reference HR), a
    /// header `time_s,<channels…>` and one row per sample, values in shortest round-trip form.
    /// All channels must share one rate and one length.
    public static func render(_ recording: Recording) throws -> String {
        try recording.validate()
        let first = recording.channels[0]
        for channel in recording.channels {
            guard channel.samplingRateHz == first.samplingRateHz, channel.samples.count == first.samples.count else {
                throw PPGScopeError(object: channel.name, "CSV holds channels of one rate and length: \(channel.samplingRateHz) Hz × \(channel.samples.count) differs from \(first.name)'s \(first.samplingRateHz) Hz × \(first.samples.count) (write HDF5 instead)")
            }
            guard channel.name != timeColumn, channel.name != referenceColumn else {
                throw PPGScopeError(object: channel.name, "channel name is reserved in CSV")
            }
            guard !channel.name.contains(where: { ",\"\n\r#=\\".contains($0) }), channel.name.trimmingCharacters(in: .whitespaces) == channel.name else {
                throw PPGScopeError(object: channel.name, "channel name cannot be a CSV column name (no commas, quotes, '#', '=', backslashes, line breaks or surrounding spaces)")
            }
        }
        for key in recording.metadata.keys where key.contains("=") {
            throw PPGScopeError(object: "metadata", "metadata key \"\(key)\" contains '=' and cannot be stored in CSV")
        }
        let rate = first.samplingRateHz
        var out = "# ppgscope-csv 1\n# sampling_rate_hz=\(rate)\n"
        for channel in recording.channels { out += "# unit.\(channel.name)=\(escape(channel.unit))\n" }
        for key in recording.metadata.keys.sorted() {
            out += "# meta.\(escape(key))=\(escape(recording.metadata[key] ?? ""))\n"
        }
        if let hr = recording.referenceHR {
            for i in hr.timesS.indices { out += "# reference_hr=\(hr.timesS[i]),\(hr.bpm[i])\n" }
        }
        out += ([timeColumn] + recording.channels.map(\.name)).joined(separator: ",") + "\n"
        out.reserveCapacity(out.utf8.count + first.samples.count * (recording.channels.count + 1) * 12)
        for t in 0..<first.samples.count {
            out += "\(Double(t) / rate)"
            for channel in recording.channels {
                out += ","
                out += channel.samples[t].description
            }
            out += "\n"
        }
        return out
    }

    /// Backslash escapes for comment values: `\\`, `\n`, `\r`, and `\s` / `\t` for spaces and tabs
    /// at either end (the reader trims unescaped whitespace around values).
    static func escape(_ s: String) -> String {
        let chars = Array(s)
        let firstInner = chars.firstIndex { $0 != " " && $0 != "\t" } ?? chars.count
        let lastInner = chars.lastIndex { $0 != " " && $0 != "\t" } ?? -1
        var out = ""
        for (i, ch) in chars.enumerated() {
            let atEnd = i < firstInner || i > lastInner
            switch ch {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\r\n": out += "\\r\\n"
            case " " where atEnd: out += "\\s"
            case "\t" where atEnd: out += "\\t"
            default: out.append(ch)
            }
        }
        return out
    }

    static func unescape(_ s: String) -> String {
        var out = ""
        var escaping = false
        for ch in s {
            if escaping {
                switch ch {
                case "n": out += "\n"
                case "r": out += "\r"
                case "s": out += " "
                case "t": out += "\t"
                default: out.append(ch)
                }
                escaping = false
            } else if ch == "\\" {
                escaping = true
            } else {
                out.append(ch)
            }
        }
        if escaping { out += "\\" }
        return out
    }
}
