import PPGSignals

/// How a CSV time column counts time.
public enum CSVTimeUnit: String, Sendable, CaseIterable {
    /// Seconds from any origin.
    case seconds = "s"
    /// Milliseconds from any origin.
    case milliseconds = "ms"
    /// UNIX time in seconds (UTC).
    case unixSeconds = "unix-s"
    /// UNIX time in milliseconds (UTC).
    case unixMilliseconds = "unix-ms"
    /// ISO 8601 (`2016-11-24T13:58:58.081Z`, `…+01:00`) or `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC when
    /// no zone is given).
    case datetime

    /// Seconds per unit of the column's numbers (1 for datetimes, parsed to seconds).
    var secondsPerUnit: Double { self == .milliseconds || self == .unixMilliseconds ? 1e-3 : 1 }
    /// True when the times are wall-clock (UNIX or datetime).
    var isAbsolute: Bool { self == .unixSeconds || self == .unixMilliseconds || self == .datetime }
}

/// Recognising, parsing and interpreting a CSV time column. Pure functions.
enum CSVTimeColumn {
    /// Leading words of time-column names (after lower-casing and splitting on anything that is not
    /// a letter or digit): `time`, `Time (s)`, `timer`, `timestamp`, `t`, `datetime`, `time_ms`, ….
    static let nameWords: Set<String> = ["t", "time", "timer", "times", "timestamp", "timestamps", "datetime", "date",
                                         "epoch", "unix", "seconds", "sec", "secs", "ms", "millis", "milliseconds"]

    /// The words of a column name: lower-cased runs of letters and digits.
    static func words(_ name: String) -> [String] {
        name.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// True when `name` reads like a time column.
    static func isTimeName(_ name: String) -> Bool {
        guard let first = words(name).first else { return false }
        return nameWords.contains(first)
    }

    /// The unit a name states, if any (`time_ms`, `Time [s]`, `timestamp_unix_ms`, `seconds`).
    static func unitHint(_ name: String) -> CSVTimeUnit? {
        let w = Set(words(name))
        let ms = !w.isDisjoint(with: ["ms", "msec", "millis", "milliseconds", "timer"])
        let s = !w.isDisjoint(with: ["s", "sec", "secs", "seconds"])
        if !w.isDisjoint(with: ["unix", "epoch", "posix"]) { return ms ? .unixMilliseconds : .unixSeconds }
        if !w.isDisjoint(with: ["datetime", "date"]) { return .datetime }
        return ms ? .milliseconds : (s ? .seconds : nil)
    }

    /// The unit of a numeric time column without a stated unit, from its first value and median step:
    /// ≥ 1e11 is UNIX ms (after 1973), ≥ 1e8 UNIX s (after 1973); otherwise a median step of at
    /// least 0.5 means milliseconds (no PPG is sampled slower than 2 Hz), else seconds.
    static func inferUnit(firstValue: Double, medianStep: Double) -> CSVTimeUnit {
        if firstValue >= 1e11 { return .unixMilliseconds }
        if firstValue >= 1e8 { return .unixSeconds }
        return medianStep >= 0.5 ? .milliseconds : .seconds
    }

    /// UNIX seconds of an ISO 8601 / `YYYY-MM-DD HH:MM:SS[.f…]` datetime, or nil when `text` is not one.
    /// The date and time may be separated by `T` or spaces; seconds and the fraction are optional;
    /// a zone (`Z`, `±HH`, `±HH:MM`, `±HHMM`) may follow; without one the time is taken as UTC.
    static func parseDateTime<S: StringProtocol>(_ text: S) -> Double? {
        let b = Array(text.utf8)
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= b.count else { return nil }
            var v = 0
            for k in 0..<digits {
                let c = b[i + k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += digits
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        guard i < b.count, b[i] == 84 || b[i] == 32 else { return nil }  // 'T' or ' '
        while i < b.count, b[i] == 84 || b[i] == 32 { i += 1 }
        guard let hour = number(2), expect(58), let minute = number(2), hour < 24, minute < 60 else { return nil }
        var seconds = 0.0
        if expect(58) {
            guard let s = number(2), s <= 60 else { return nil }
            seconds = Double(s)
            if i < b.count, b[i] == 46 || b[i] == 44 {  // '.' or ','
                i += 1
                var scale = 0.1, any = false
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    seconds += Double(b[i] - 48) * scale
                    scale /= 10
                    i += 1
                    any = true
                }
                guard any else { return nil }
            }
        }
        var offset = 0.0
        while i < b.count, b[i] == 32 { i += 1 }
        if i < b.count {
            if b[i] == 90 { i += 1 }  // 'Z'
            else if b[i] == 43 || b[i] == 45 {  // '+' / '-'
                let sign = b[i] == 43 ? 1.0 : -1.0
                i += 1
                guard let hh = number(2) else { return nil }
                _ = expect(58)
                let mm = number(2) ?? 0
                offset = sign * Double(hh * 3600 + mm * 60)
            }
            guard i == b.count else { return nil }
        }
        return Double(daysFromCivil(year, month, day)) * 86400 + Double(hour * 3600 + minute * 60) + seconds - offset
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
