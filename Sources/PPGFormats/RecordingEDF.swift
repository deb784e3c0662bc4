import CEDF
import Foundation
import PPGSignals

/// EDF, EDF+, BDF and BDF+ through EDFlib (Debian `libedf-dev`; conventions in data/README.md).
///
/// Every ordinary signal becomes a channel named by its label (spaces trimmed), at its own rate
/// (samples per data record / record duration), in physical units (EDF's physical dimension).
/// EDF+ annotation signals are skipped; discontinuous files (EDF+D) are refused. The start date
/// and time become `timing.startUnixS` (as written, no time zone).
public enum RecordingEDF {
    /// The sizes the fixed header announces, to tell a truncated file from other format errors.
    struct Layout: Equatable {
        var headerBytes: Int
        var records: Int
        var recordBytes: Int
    }

    /// Reads the announced layout from the first bytes of an EDF/BDF file, or nil if they do not parse.
    static func layout(_ head: [UInt8]) -> Layout? {
        func field(_ offset: Int, _ length: Int) -> Int? {
            guard offset + length <= head.count else { return nil }
            return Int(String(decoding: head[offset..<(offset + length)], as: UTF8.self).trimmingCharacters(in: .whitespaces))
        }
        guard let headerBytes = field(184, 8), let records = field(236, 8), let ns = field(252, 4), ns > 0, ns <= 640, records < 100_000_000,
              headerBytes == 256 * (ns + 1), head.count >= headerBytes else { return nil }
        let bytesPerSample = head[0] == 0xFF ? 3 : 2
        var samples = 0
        for i in 0..<ns {
            guard let n = field(256 + ns * 216 + i * 8, 8), n >= 0, n < 100_000_000 else { return nil }
            samples += n
        }
        return Layout(headerBytes: headerBytes, records: records, recordBytes: samples * bytesPerSample)
    }

    public static func read(_ path: String) throws -> Recording {
        guard let file = FileHandle(forReadingAtPath: path),
              let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue else {
            throw PPGScopeError(file: path, "cannot read file")
        }
        let head = (try? file.read(upToCount: 256 * (Int(EDFLIB_MAXSIGNALS) + 1))) ?? Data()
        try? file.close()
        if let layout = layout([UInt8](head)), layout.records >= 0 {
            let body = size - layout.headerBytes
            let expected = layout.records * layout.recordBytes
            if body < expected {
                throw PPGScopeError(file: path, "truncated: the header announces \(layout.records) data records of \(layout.recordBytes) bytes, the file holds \(body / max(layout.recordBytes, 1)) whole records and \(body % max(layout.recordBytes, 1)) bytes of a truncated one")
            }
        }
        let header = UnsafeMutablePointer<edf_hdr_struct>.allocate(capacity: 1)
        defer { header.deallocate() }
        guard edfopen_file_readonly(path, header, EDFLIB_READ_ANNOTATIONS) == 0 else {
            throw PPGScopeError(file: path, openError(header.pointee.filetype))
        }
        let handle = header.pointee.handle
        defer { edfclose_file(handle) }
        let h = header.pointee
        let recordS = Double(h.datarecord_duration) / Double(EDFLIB_TIME_DIMENSION)
        guard recordS > 0 else { throw PPGScopeError(file: path, "data record duration is \(recordS) s: no sample rate can be derived") }
        var channels: [Channel] = []
        for i in 0..<Int(h.edfsignals) {
            let signal = ppgscope_edf_signal(header, Int32(i))!.pointee
            var name = String(cString: ppgscope_edf_label(header, Int32(i))).trimmingCharacters(in: .whitespaces)
            if name.isEmpty { name = "signal\(i)" }
            while channels.contains(where: { $0.name == name }) { name += "_\(i)" }
            let unit = String(cString: ppgscope_edf_unit(header, Int32(i))).trimmingCharacters(in: .whitespaces)
            let count = Int(signal.smp_in_file)
            var buffer = [Double](repeating: 0, count: count)
            let got = buffer.withUnsafeMutableBufferPointer { edfread_physical_samples(handle, Int32(i), Int32(count), $0.baseAddress) }
            guard got == count else {
                throw PPGScopeError(file: path, object: name, "EDFlib read \(got) of \(count) samples")
            }
            channels.append(Channel(name: name, samplingRateHz: Double(signal.smp_in_datarecord) / recordS,
                                    unit: unit.isEmpty ? "a.u." : unit, samples: buffer.map { Float($0) }))
        }
        let kinds = [EDFLIB_FILETYPE_EDF: "EDF", EDFLIB_FILETYPE_EDFPLUS: "EDF+", EDFLIB_FILETYPE_BDF: "BDF", EDFLIB_FILETYPE_BDFPLUS: "BDF+"]
        var start = Double(CSVTimeColumn.daysFromCivil(Int(h.startdate_year), Int(h.startdate_month), Int(h.startdate_day))) * 86400
        start += Double(h.starttime_hour * 3600 + h.starttime_minute * 60 + h.starttime_second)
        start += Double(h.starttime_subsecond) / Double(EDFLIB_TIME_DIMENSION)
        // The reference HR ppgscope writes as annotations `reference_hr_bpm=<bpm>`.
        var times: [Double] = [], bpm: [Double] = []
        let annotation = UnsafeMutablePointer<edf_annotation_struct>.allocate(capacity: 1)
        defer { annotation.deallocate() }
        for n in 0..<Int32(max(0, min(h.annotations_in_file, 10_000_000))) where edf_get_annotation(handle, n, annotation) == 0 {
            let text = withUnsafeBytes(of: annotation.pointee.annotation) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if text.hasPrefix(referenceAnnotation), let value = Double(text.dropFirst(referenceAnnotation.count)) {
                times.append(Double(annotation.pointee.onset) / Double(EDFLIB_TIME_DIMENSION))
                bpm.append(value)
            }
        }
        let recording = Recording(channels: channels, referenceHR: times.isEmpty ? nil : HeartRateSeries(timesS: times, bpm: bpm),
                                  metadata: ["format": kinds[h.filetype] ?? "EDF"], timing: SampleTiming(startUnixS: start))
        do { try recording.validate() } catch let error as PPGScopeError { throw error.inFile(path) }
        return recording
    }

    /// EDFlib's version (its integer 123 → "1.23").
    public static var libraryVersion: String {
        let v = Int(edflib_version())
        return "\(v / 100).\(String(format: "%02d", v % 100))"
    }

    /// EDFlib's open error codes, in words.
    static func openError(_ code: Int32) -> String {
        switch code {
        case EDFLIB_MALLOC_ERROR: return "EDFlib ran out of memory"
        case EDFLIB_NO_SUCH_FILE_OR_DIRECTORY: return "no such file"
        case EDFLIB_FILE_CONTAINS_FORMAT_ERRORS: return "not a valid EDF/BDF file (EDFlib found format errors in the header or the file size)"
        case EDFLIB_MAXFILES_REACHED: return "EDFlib has too many files open"
        case EDFLIB_FILE_READ_ERROR: return "read error"
        case EDFLIB_FILE_ALREADY_OPENED: return "already opened"
        case EDFLIB_FILETYPE_ERROR: return "not an EDF or BDF file"
        case EDFLIB_NUMBER_OF_SIGNALS_INVALID: return "invalid number of signals"
        case EDFLIB_FILE_IS_DISCONTINUOUS: return "discontinuous EDF+D/BDF+D files are not supported"
        default: return "EDFlib could not open it (error \(code))"
        }
    }
}
