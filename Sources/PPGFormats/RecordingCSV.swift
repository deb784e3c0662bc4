import Foundation
import PPGSignals

/// Recordings as CSV, as ppgscope writes them and as people write them (conventions in data/README.md).
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
/// Reading: lines starting with `#` are comments (`# key=value` ones are read), blank lines are
/// skipped. Cells are separated by `,`, `;` or tabs (whichever the first row uses; with `;` or tabs
/// a decimal comma is accepted). The first row is a header of column names unless every cell of it
/// is a number or a datetime; without a header the columns are `column1`, `column2`, ….
///
/// A time column is the one named by `RecordingReadOptions.timeColumn`, else the first whose name reads
/// like one (`time`, `timer`, `timestamp`, `t`, `datetime`, `time_s`, `Time (ms)`, …). Its unit is
/// the one given, else the one its name states, else inferred (`CSVTimeColumn.inferUnit`;
/// datetimes are recognised). Times must increase strictly. Uniform stamps are used as they are;
/// irregular ones are measured (rate, jitter: `Recording.timing`) and every channel is read at a
/// uniform grid by linear interpolation (`UniformGrid`); a step of 3.5 periods or more splits the
/// recording into segments (`Recording.segmentsS`).
///
/// The rate is, in priority, `RecordingReadOptions.samplingRateHz`, a `# sampling_rate_hz=` comment, or
/// the time column's. The reference HR comes from `# reference_hr=t,bpm` comment lines, or from a
/// `reference_hr_bpm` column (the HR at that row's time; empty or NaN cells are skipped). Units come
/// from `# unit.<channel>=` (default "a.u."), metadata from `# meta.<key>=`.
///
/// Writing emits every value with Swift's shortest round-trip description, so a round trip is exact.
public enum RecordingCSV {
    /// Reserved column names.
    public static let timeColumn = "time_s"
    public static let referenceColumn = "reference_hr_bpm"

    /// Reads a CSV file (see the type's documentation).
    public static func read(_ path: String, options: RecordingReadOptions = RecordingReadOptions()) throws -> Recording {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PPGScopeError(file: path, "cannot read file: \(error.localizedDescription)")
        }
        do {
            var text = String(decoding: data, as: UTF8.self)
            if text.hasPrefix("\u{FEFF}") { text.removeFirst() }  // byte-order mark (spreadsheet exports)
            return try parse(text, options: options)
        } catch let error as PPGScopeError {
            throw error.inFile(path)
        }
    }

    /// Reads a CSV file whose rate, when it has none, is `samplingRateHz`.
    public static func read(_ path: String, samplingRateHz: Double?) throws -> Recording {
        try read(path, options: RecordingReadOptions(samplingRateHz: samplingRateHz))
    }

    /// Parses CSV text with an explicit rate (see `parse(_:options:)`).
    public static func parse(_ text: String, samplingRateHz: Double?) throws -> Recording {
        try parse(text, options: RecordingReadOptions(samplingRateHz: samplingRateHz))
    }

    /// The cell separator of a row: tab, then `;`, then `,` (the first present), or nil for one column.
    static func delimiter<S: StringProtocol>(of row: S) -> Character? {
        if row.contains("\t") { return "\t" }
        if row.contains(";") { return ";" }
        if row.contains(",") { return "," }
        return nil
    }

    /// A cell without surrounding spaces and quotes (no copy when there are none).
    static func cleanCell(_ cell: Substring) -> Substring {
        var c = cell
        while let f = c.first, f == " " || f == "\t" { c = c.dropFirst() }
        while let l = c.last, l == " " || l == "\t" { c = c.dropLast() }
        if c.count >= 2, c.first == "\"", c.last == "\"" { c = c.dropFirst().dropLast() }
        return c
    }

    /// A number cell: Swift's `Double` syntax, with a decimal comma accepted when `decimalComma`.
    static func number<S: StringProtocol>(_ cell: S, decimalComma: Bool) -> Double? {
        if let v = Double(cell) { return v }
        if decimalComma, cell.contains(",") { return Double(cell.replacingOccurrences(of: ",", with: ".")) }
        return nil
    }

    /// Parses CSV text (see the type's documentation). Errors name the line and column.
    public static func parse(_ text: String, options: RecordingReadOptions = RecordingReadOptions()) throws -> Recording {
        var commentRate: Double?
        var units: [String: String] = [:]
        var metadata: [String: String] = [:]
        var referenceComments: [(Double, Double)] = []
        var rows: [[Substring]] = []
        var rowLines: [Int] = []
        var separator: Character?? = nil

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
            if separator == nil { separator = .some(delimiter(of: line)) }
            let cells: [Substring]
            if let sep = separator! {
                cells = line.split(separator: sep, omittingEmptySubsequences: false).map(cleanCell)
            } else {
                cells = [Substring(trimmed)]
            }
            rows.append(cells)
            rowLines.append(lineNumber)
        }
        guard !rows.isEmpty else { throw PPGScopeError("no data: expected rows of samples (with or without a header row)") }
        let decimalComma = separator! != nil && separator! != ","

        // A header unless every cell of the first row is a number or a datetime.
        let firstRowIsData = rows[0].allSatisfy { number($0, decimalComma: decimalComma) != nil || CSVTimeColumn.parseDateTime($0) != nil }
        let hasHeader = !firstRowIsData
        let header = hasHeader ? rows.removeFirst().map(String.init) : (1...rows[0].count).map { "column\($0)" }
        if hasHeader { rowLines.removeFirst() }
        var seen = Set<String>()
        for (i, name) in header.enumerated() {
            guard !name.isEmpty else { throw PPGScopeError(object: "header", "column \(i + 1) has no name") }
            guard seen.insert(name).inserted else { throw PPGScopeError(object: "header", "column \"\(name)\" appears twice") }
        }

        // The time column: named (or numbered from 1) by the options, else recognised by its name.
        var timeIndex: Int?
        if let wanted = options.timeColumn {
            if let i = header.firstIndex(of: wanted) {
                timeIndex = i
            } else if let k = Int(wanted), (1...header.count).contains(k) {
                timeIndex = k - 1
            } else {
                throw PPGScopeError(object: "time column", "no column \"\(wanted)\" (columns: \(header.joined(separator: ", ")))")
            }
        } else if hasHeader {
            timeIndex = header.firstIndex(of: timeColumn) ?? header.firstIndex { CSVTimeColumn.isTimeName($0) }
        } else if header.count > 1, CSVTimeColumn.parseDateTime(rows[0][0]) != nil {
            timeIndex = 0  // a header-less file starting with datetimes
        }
        let referenceIndex = header.firstIndex(of: referenceColumn)
        let channelIndices = header.indices.filter { $0 != timeIndex && $0 != referenceIndex }
        guard !channelIndices.isEmpty else { throw PPGScopeError(object: "header", "no signal columns (only \(header.joined(separator: ", ")))") }
        guard !rows.isEmpty else { throw PPGScopeError("no data rows after the header") }
        let timeName = timeIndex.map { header[$0] } ?? timeColumn

        var columns = [[Float]](repeating: [], count: header.count)
        var timeCells: [Substring] = []
        var referenceCells: [Double] = []
        for c in channelIndices { columns[c].reserveCapacity(rows.count) }
        for (r, cells) in rows.enumerated() {
            let line = rowLines[r]
            guard cells.count == header.count else {
                throw PPGScopeError(object: "line \(line)", "row has \(cells.count) cells but the \(hasHeader ? "header" : "first row") has \(header.count) columns")
            }
            for c in header.indices {
                let cell = cells[c]
                if c == timeIndex {
                    timeCells.append(cell)
                } else if c == referenceIndex {
                    if cell.isEmpty { referenceCells.append(.nan); continue }
                    guard let v = number(cell, decimalComma: decimalComma) else {
                        throw PPGScopeError(object: "line \(line), column \(referenceColumn)", "not a number: \"\(cell)\"")
                    }
                    referenceCells.append(v)
                } else {
                    // Parsed straight to Float (no double rounding through Double: round trips stay exact).
                    guard let v = Float(cell) ?? (decimalComma ? Float(cell.replacingOccurrences(of: ",", with: ".")) : nil) else {
                        throw PPGScopeError(object: "line \(line), column \(header[c])", "not a number: \"\(cell)\"")
                    }
                    guard v.isFinite else {
                        throw PPGScopeError(object: "line \(line), column \(header[c])", "\(cell) is not accepted (NaN and Inf are not valid samples)")
                    }
                    columns[c].append(v)
                }
            }
        }

        // Times in seconds (relative or UNIX), checked to increase.
        var times: [Double] = []
        var unit: CSVTimeUnit?
        if timeIndex != nil {
            (times, unit) = try parseTimes(timeCells, lines: rowLines, column: timeName, options: options, decimalComma: decimalComma)
        }

        var rate: Double
        var timing: SampleTiming?
        var segments: [Range<Double>] = []
        let explicitRate = options.samplingRateHz
        if times.count >= 2 {
            let analysis = UniformGrid.analyse(times, rateHz: explicitRate ?? commentRate)
            let implied = UniformGrid.analyse(times)
            rate = analysis.rateHz
            guard rate.isFinite, rate > 0 else {
                throw PPGScopeError(object: "sampling_rate_hz", "sampling rate must be a positive number of Hz, found \(rate)")
            }
            if analysis.isUniform {
                if abs(implied.rateHz - rate) > 1e-6 * rate {
                    throw PPGScopeError(object: timeName, "time column implies \(implied.rateHz) Hz but the sampling rate is \(rate) Hz")
                }
            } else {
                if explicitRate ?? commentRate != nil, abs(implied.rateHz - rate) > 0.05 * rate {
                    throw PPGScopeError(object: timeName, "time stamps imply \(String(format: "%.4g", implied.rateHz)) Hz but the sampling rate is \(rate) Hz")
                }
                let span = (times[times.count - 1] - times[0]) * rate
                guard span < Double(UniformGrid.maximumGridSamples) else {
                    throw PPGScopeError(object: timeName, "the time stamps span \(times[times.count - 1] - times[0]) s: at \(rate) Hz that is more than \(UniformGrid.maximumGridSamples) samples; check the time unit (--time-unit)")
                }
                let count = UniformGrid.gridCount(times, rateHz: rate)
                for c in channelIndices { columns[c] = UniformGrid.interpolate(columns[c], at: times, rateHz: rate, count: count) }
                segments = UniformGrid.segments(times, gapsAfter: analysis.gapsAfter, rateHz: rate)
            }
            // ppgscope's own uniform `time_s` column says nothing beyond the rate (and round-trips exactly).
            if !(analysis.isUniform && timeName == timeColumn) {
                timing = SampleTiming(startUnixS: unit?.isAbsolute == true ? times[0] : nil, measuredRateHz: implied.rateHz,
                                      jitterS: analysis.jitterS, maxDeviationS: analysis.maxDeviationS, resampledToGrid: !analysis.isUniform)
            }
        } else if let r = explicitRate ?? commentRate {
            rate = r
            if let unit, unit.isAbsolute, let t = times.first { timing = SampleTiming(startUnixS: t) }
        } else {
            let hint = hasHeader ? "add a line \"# sampling_rate_hz=32\" or a time column" : "the file has no header row and no time column"
            throw PPGScopeError("missing sampling rate: give it with --rate HZ (\(hint))")
        }
        guard rate.isFinite, rate > 0 else {
            throw PPGScopeError(object: "sampling_rate_hz", "sampling rate must be a positive number of Hz, found \(rate)")
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
                t.append(times.isEmpty ? Double(i) / rate : times[i] - times[0])
                v.append(bpm)
            }
            reference = HeartRateSeries(timesS: t, bpm: v)
        }
        if let t0 = times.first, t0 != 0, unit?.isAbsolute != true { metadata["csv_time_offset_s"] = "\(t0)" }
        if let unit, timeIndex != nil, timing != nil { metadata["csv_time_column"] = "\(timeName) (\(unit.rawValue))" }
        let recording = Recording(channels: channels, referenceHR: reference, metadata: metadata, segmentsS: segments, timing: timing)
        try recording.validate()
        return recording
    }

    /// The time column's cells in seconds (UNIX seconds for absolute units), and the unit used.
    /// Throws naming the line for a cell that does not parse, a repeated time or a time that goes back.
    static func parseTimes(_ cells: [Substring], lines: [Int], column: String, options: RecordingReadOptions,
                           decimalComma: Bool) throws -> ([Double], CSVTimeUnit) {
        var unit = options.timeUnit ?? CSVTimeColumn.unitHint(column)
        if unit == nil, let first = cells.first, number(first, decimalComma: decimalComma) == nil, CSVTimeColumn.parseDateTime(first) != nil {
            unit = .datetime
        }
        var raw: [Double] = []
        raw.reserveCapacity(cells.count)
        for (i, cell) in cells.enumerated() {
            let value = unit == .datetime ? CSVTimeColumn.parseDateTime(cell) : number(cell, decimalComma: decimalComma)
            guard let value, value.isFinite else {
                let expected = unit == .datetime ? "a datetime (YYYY-MM-DD HH:MM:SS[.ffffff] or ISO 8601)" : "a finite number"
                throw PPGScopeError(object: "line \(lines[i]), column \(column)", "time \"\(cell)\" is not \(expected)")
            }
            if i > 0 {
                if value == raw[i - 1] {
                    throw PPGScopeError(object: "line \(lines[i]), column \(column)", "duplicate time stamp \(cell) (the same as line \(lines[i - 1]))")
                }
                if value < raw[i - 1] {
                    throw PPGScopeError(object: "line \(lines[i]), column \(column)", "time goes backwards: \(cell) after \(cells[i - 1]) on line \(lines[i - 1])")
                }
            }
            raw.append(value)
        }
        if unit == nil {
            let steps = raw.count >= 2 ? (1..<raw.count).map { raw[$0] - raw[$0 - 1] }.sorted() : [0]
            unit = CSVTimeColumn.inferUnit(firstValue: raw.first ?? 0, medianStep: steps[steps.count / 2])
        }
        let scale = unit!.secondsPerUnit
        return (scale == 1 ? raw : raw.map { $0 * scale }, unit!)
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
