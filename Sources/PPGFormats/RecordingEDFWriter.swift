import CEDF
import Foundation
import PPGSignals

extension RecordingEDF {
    /// The prefix of the EDF+ annotations that carry the reference HR (`reference_hr_bpm=117.7`).
    public static let referenceAnnotation = "reference_hr_bpm="

    /// The data-record duration (s) in which every rate gives a whole number of samples: the first
    /// of 1, 2, 4, 5, 10, 20, 25, 50 s that works (EDF allows up to 60 s). nil when none does.
    public static func recordDuration(rates: [Double]) -> Int? {
        [1, 2, 4, 5, 10, 20, 25, 50].first { d in
            rates.allSatisfy { r in
                let n = r * Double(d)
                return n >= 1 && abs(n - n.rounded()) <= 1e-9 * n
            }
        }
    }

    /// `x` rounded (outwards, in `direction`) to a number the 8-character header field holds
    /// exactly, so the scaling the file states is the one used. EDFlib prints the field by cutting
    /// digits, not rounding them, so the value is nudged 1e-12 away from zero: −99.9634 prints as
    /// "-99.9634", not "-99.9633" (its binary value is −99.96339999…).
    static func headerValue(_ x: Double, _ direction: FloatingPointRoundingRule) -> Double {
        let integerDigits = max(1, Int(log10(max(abs(x), 1)).rounded(.down)) + 1)
        let decimals = max(0, 8 - integerDigits - (x < 0 ? 1 : 0) - 1)
        let scale = pow(10, Double(decimals))
        return (x * scale).rounded(direction) / scale * (1 + 1e-12)
    }

    /// Writes `recording` as EDF+ (16-bit, `bdf` false) or BDF+ (24-bit) through EDFlib (created or
    /// truncated; not atomic — `RecordingIO.write` is).
    ///
    /// - Each channel is a signal labelled with its name (at most 16 characters) in its unit (at
    ///   most 8), its physical range the channel's own minimum and maximum (rounded outwards to what
    ///   the 8-character header fields hold), so the quantisation step is (max − min) / 65 535 (EDF)
    ///   or / 16 777 215 (BDF); EDFlib's conversion errs by up to one step.
    /// - Rates must fit a common data record (`recordDuration`); channels are padded with their
    ///   last value to a whole number of records.
    /// - The reference HR becomes EDF+ annotations `reference_hr_bpm=<bpm>` at its times (0.1 ms
    ///   resolution), which `read` turns back into the reference. Metadata is not stored.
    /// - The start is `timing.startUnixS` (whole seconds, UTC), or 1985-01-01 00:00:00, EDF's
    ///   convention for an unknown start.
    public static func write(_ recording: Recording, to path: String, bdf: Bool) throws {
        try recording.validate()
        let kind = bdf ? "BDF" : "EDF"
        for channel in recording.channels {
            guard channel.name.utf8.count <= 16, channel.name.allSatisfy(\.isASCII) else {
                throw PPGScopeError(file: path, object: channel.name, "\(kind) labels hold at most 16 ASCII characters")
            }
            guard channel.unit.utf8.count <= 8, channel.unit.allSatisfy(\.isASCII) else {
                throw PPGScopeError(file: path, object: channel.name, "\(kind) units hold at most 8 ASCII characters, found \"\(channel.unit)\"")
            }
        }
        guard let duration = recordDuration(rates: recording.channels.map(\.samplingRateHz)) else {
            throw PPGScopeError(file: path, "\(kind) stores a whole number of samples per data record: the rates \(recording.channels.map { String(format: "%g", $0.samplingRateHz) }.joined(separator: ", ")) Hz fit no record of 1–50 s")
        }
        let perRecord = recording.channels.map { Int(($0.samplingRateHz * Double(duration)).rounded()) }
        let records = zip(recording.channels, perRecord).map { ($0.samples.count + $1 - 1) / $1 }.max() ?? 0
        let handle = edfopen_file_writeonly(path, bdf ? EDFLIB_FILETYPE_BDFPLUS : EDFLIB_FILETYPE_EDFPLUS, Int32(recording.channels.count))
        guard handle >= 0 else { throw PPGScopeError(file: path, "EDFlib cannot create the file: \(openError(handle))") }
        var closed = false
        defer { if !closed { edfclose_file(handle) } }
        func check(_ status: Int32, _ what: String) throws {
            guard status == 0 else { throw PPGScopeError(file: path, "EDFlib refused \(what)") }
        }
        let digital: (Int32, Int32) = bdf ? (-8_388_608, 8_388_607) : (-32768, 32767)
        try check(edf_set_datarecord_duration(handle, Int32(duration * 100_000)), "the data-record duration \(duration) s")
        for (i, channel) in recording.channels.enumerated() {
            let k = Int32(i)
            var lo = Double(channel.samples.min()!), hi = Double(channel.samples.max()!)
            if lo == hi { lo -= 1; hi += 1 }
            (lo, hi) = (headerValue(lo, .down), headerValue(hi, .up))
            try check(edf_set_samplefrequency(handle, k, Int32(perRecord[i])), "\(channel.name)'s rate")
            try check(edf_set_physical_minimum(handle, k, lo), "\(channel.name)'s physical minimum")
            try check(edf_set_physical_maximum(handle, k, hi), "\(channel.name)'s physical maximum")
            try check(edf_set_digital_minimum(handle, k, digital.0), "the digital minimum")
            try check(edf_set_digital_maximum(handle, k, digital.1), "the digital maximum")
            try check(edf_set_label(handle, k, channel.name), "the label \(channel.name)")
            try check(edf_set_physical_dimension(handle, k, channel.unit), "the unit \(channel.unit)")
        }
        var start = DateComponents(year: 1985, month: 1, day: 1, hour: 0, minute: 0, second: 0)
        if let unix = recording.timing?.startUnixS {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            start = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: unix.rounded(.down)))
        }
        try check(edf_set_startdatetime(handle, Int32(start.year!), Int32(start.month!), Int32(start.day!),
                                        Int32(start.hour!), Int32(start.minute!), Int32(start.second!)),
                  "the start \(start.year!)-\(start.month!)-\(start.day!) (EDF+ holds 1985–2084)")
        var buffers = perRecord.map { [Double](repeating: 0, count: $0) }
        for r in 0..<records {
            for (i, channel) in recording.channels.enumerated() {
                let n = perRecord[i], base = r * n, last = Double(channel.samples[channel.samples.count - 1])
                for j in 0..<n { buffers[i][j] = base + j < channel.samples.count ? Double(channel.samples[base + j]) : last }
                let status = buffers[i].withUnsafeMutableBufferPointer { edfwrite_physical_samples(handle, $0.baseAddress) }
                try check(status, "the samples of \(channel.name)")
            }
        }
        if let hr = recording.referenceHR {
            for (t, bpm) in zip(hr.timesS, hr.bpm) {
                try check(edfwrite_annotation_utf8(handle, Int64((t * 10_000).rounded()), -1, "\(referenceAnnotation)\(bpm)"),
                          "the reference annotation at \(t) s")
            }
        }
        closed = true
        guard edfclose_file(handle) == 0 else { throw PPGScopeError(file: path, "EDFlib could not finish the file") }
    }
}
