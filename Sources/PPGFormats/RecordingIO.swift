import Foundation
import PPGSignals

/// How a recording file is to be read, where the file does not say (all optional).
public struct RecordingReadOptions: Sendable, Equatable {
    /// Sample rate in Hz for a file without one (a CSV without time column or rate comment). For
    /// formats that carry rates, a value no channel has is refused.
    public var samplingRateHz: Double?
    /// CSV: the time column's name, or its number counted from 1.
    public var timeColumn: String?
    /// CSV: the time column's unit (else stated by its name or inferred).
    public var timeUnit: CSVTimeUnit?
    /// Channels the caller will not use (e.g. the accelerometer without a motion filter): a format
    /// that can leave their samples unread does — the ppgscope HDF5 layout checks their metadata
    /// and leaves them out of the recording. Others read every channel.
    public var unusedChannels: Set<String> = []

    public init(samplingRateHz: Double? = nil, timeColumn: String? = nil, timeUnit: CSVTimeUnit? = nil, unusedChannels: Set<String> = []) {
        self.samplingRateHz = samplingRateHz
        self.timeColumn = timeColumn
        self.timeUnit = timeUnit
        self.unusedChannels = unusedChannels
    }
}

/// File formats for recordings, chosen by extension, or by content when the extension says nothing.
public enum RecordingFormat: String, Sendable, CaseIterable {
    /// `.h5` / `.hdf5`: the ppgscope layout (read and write) or the DaLiA windowed layout (read).
    case hdf5
    /// `.wav`: 32-bit float WAV.
    case wav
    /// `.flac`: 24-bit FLAC, scaled per channel.
    case flac
    /// `.csv` (and any other text file, by content): text, one row per sample.
    case csv
    /// An Empatica E4 export: its folder (holding `BVP.csv`) or its `.zip` (read).
    case e4
    /// `.edf` / `.bdf` / `.rec`: EDF, EDF+, BDF, BDF+ through EDFlib (read).
    case edf
    /// `.hea` (+ `.dat`): a PhysioNet WFDB record; the record name without extension works too (read).
    case wfdb

    /// True for the formats `RecordingIO.write` writes.
    public var isWritable: Bool { [.hdf5, .wav, .flac, .csv, .edf].contains(self) }

    /// The format of `path` from its extension (case-insensitive), or a `PPGScopeError` naming the file.
    public static func of(_ path: String) throws -> RecordingFormat {
        if let format = byExtension(path) { return format }
        let ext = OutputPath.pathExtension(path)
        throw PPGScopeError(file: path, "unknown recording format \(ext.isEmpty ? "(no extension)" : "'.\(ext)'"): use .h5/.hdf5, .wav, .flac, .csv, .edf/.bdf, .hea (WFDB), .zip or a folder (Empatica E4)")
    }

    static func byExtension(_ path: String) -> RecordingFormat? {
        switch OutputPath.pathExtension(path).lowercased() {
        case "h5", "hdf5": return .hdf5
        case "wav": return .wav
        case "flac": return .flac
        case "csv": return .csv
        case "zip": return .e4
        case "edf", "bdf", "rec": return .edf
        case "hea": return .wfdb
        default: return nil
        }
    }

    /// The format of an existing `path`: a folder is an E4 export; a name whose `.hea` exists is a
    /// WFDB record; a known extension decides; otherwise the first bytes (HDF5, RIFF, fLaC, zip,
    /// EDF's "0       ", BDF's "\u{FF}BIOSEMI", else text → CSV).
    public static func detect(_ path: String) throws -> RecordingFormat {
        let status = FileStatus(path), exists = status != nil
        if status?.isDirectory == true { return .e4 }
        if !exists, FileManager.default.fileExists(atPath: path + ".hea") { return .wfdb }
        if OutputPath.pathExtension(path).lowercased() == "dat",
           FileManager.default.fileExists(atPath: String(path.dropLast(4)) + ".hea") { return .wfdb }
        if let format = byExtension(path) { return format }
        guard exists else { throw PPGScopeError(file: path, "no such file") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw PPGScopeError(file: path, "cannot open file") }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        func starts(_ prefix: [UInt8]) -> Bool { head.count >= prefix.count && Array(head.prefix(prefix.count)) == prefix }
        if starts([0x89, 0x48, 0x44, 0x46]) { return .hdf5 }
        if starts(Array("RIFF".utf8)) { return .wav }
        if starts(Array("fLaC".utf8)) { return .flac }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return .e4 }
        if starts(Array("0       ".utf8)) || starts([0xFF] + Array("BIOSEMI".utf8)) { return .edf }
        if head.isEmpty { throw PPGScopeError(file: path, "empty file (0 bytes)") }
        if head.allSatisfy({ $0 == 9 || $0 == 10 || $0 == 13 || ($0 >= 32 && $0 != 127) }) { return .csv }
        let ext = OutputPath.pathExtension(path)
        throw PPGScopeError(file: path, "unknown recording format \(ext.isEmpty ? "(no extension)" : "'.\(ext)'"): the content is not HDF5, WAV, FLAC, EDF/BDF, a zip or text, and the extension is none of .h5/.hdf5, .wav, .flac, .csv, .edf/.bdf, .hea (WFDB), .zip (Empatica E4)")
    }
}

/// Reads and writes recordings in every format, dispatching on the file extension or content.
public enum RecordingIO {
    /// Reads the recording at `path` and validates it.
    ///
    /// `samplingRateHz` is the rate of a CSV file without one (it overrides the file's rate); for
    /// the other formats, which carry their own rate, some channel must have it.
    /// Missing, empty, truncated or unrecognised files give a `PPGScopeError` naming the file.
    public static func read(_ path: String, samplingRateHz: Double?) throws -> Recording {
        try read(path, options: RecordingReadOptions(samplingRateHz: samplingRateHz))
    }

    /// Reads the recording at `path` (any format `RecordingFormat.detect` knows) and validates it.
    public static func read(_ path: String, options: RecordingReadOptions = RecordingReadOptions()) throws -> Recording {
        let format = try RecordingFormat.detect(path)
        if let rate = options.samplingRateHz, !(rate.isFinite && rate > 0) {
            throw PPGScopeError(file: path, object: "sampling_rate_hz", "sampling rate must be a positive number of Hz, found \(rate)")
        }
        switch format {
        case .e4:
            return try checkRate(RecordingE4.read(path), options, path)
        case .wfdb:
            return try checkRate(RecordingWFDB.read(path), options, path)
        default:
            break
        }
        guard let status = FileStatus(path) else { throw PPGScopeError(file: path, "no such file") }
        guard !status.isDirectory else { throw PPGScopeError(file: path, "is a directory, not a recording file") }
        guard status.bytes != 0 else { throw PPGScopeError(file: path, "empty file (0 bytes)") }

        let recording: Recording
        switch format {
        case .csv:
            return try RecordingCSV.read(path, options: options)
        case .e4, .wfdb:
            fatalError("handled above")
        case .edf:
            recording = try RecordingEDF.read(path)
        case .wav, .flac:
            recording = try RecordingSoundFile.read(path)
        case .hdf5:
            let file = try HDF5File.open(path)
            defer { file.close() }
            if RecordingHDF5.isRecording(file) {
                recording = try RecordingHDF5.read(from: file, unusedChannels: options.unusedChannels)
            } else if RecordingDaLiA.isWindowed(file) {
                recording = try RecordingDaLiA.read(from: file)
            } else if file.hasAttribute("/", "format") {
                recording = try RecordingHDF5.read(from: file)  // reports the unexpected format name
            } else {
                throw PPGScopeError(file: path, "not a recording: expected the ppgscope layout (root attribute format = \"\(RecordingHDF5.formatName)\") or the windowed layout (dataset X [N, C, 256] with y [N])")
            }
        }
        do { try recording.validate() } catch let error as PPGScopeError { throw error.inFile(path) }
        return try checkRate(recording, options, path)
    }

    /// A format that carries its rates takes `--rate` only when some channel has that rate.
    static func checkRate(_ recording: Recording, _ options: RecordingReadOptions, _ path: String) throws -> Recording {
        if let rate = options.samplingRateHz, !recording.channels.contains(where: { $0.samplingRateHz == rate }),
           let other = recording.channels.first {
            throw PPGScopeError(file: path, object: other.name, "file says \(other.samplingRateHz) Hz but \(rate) Hz was requested (only files without a rate take one from outside)")
        }
        return recording
    }

    /// Writes `recording` to `path` in the format of its extension (.h5/.hdf5 → ppgscope layout).
    ///
    /// Atomic: the data goes to `.<name>.tmp-<pid>-<random>` in the same directory, which is
    /// renamed over `path` only when complete; on any failure the temporary file is removed and
    /// `path` is left as it was.
    public static func write(_ recording: Recording, to path: String) throws {
        let format = try RecordingFormat.of(path)
        guard format.isWritable else {
            throw PPGScopeError(file: path, "ppgscope reads \(format.rawValue) but does not write it: write .h5, .wav, .flac, .csv, .edf or .bdf")
        }
        try atomicWrite(path) { temporary in
            switch format {
            case .edf: try RecordingEDF.write(recording, to: temporary, bdf: OutputPath.pathExtension(path).lowercased() == "bdf")
            case .e4, .wfdb: break
            case .hdf5: try RecordingHDF5.write(recording, to: temporary)
            case .wav: try RecordingSoundFile.write(recording, to: temporary, container: .wav)
            case .flac: try RecordingSoundFile.write(recording, to: temporary, container: .flac)
            case .csv: try RecordingCSV.write(recording, to: temporary)
            }
        }
    }

    /// Runs `body` on a temporary path next to `path`, then renames it to `path` (`AtomicOutput.file`);
    /// an existing directory at `path` is refused first.
    static func atomicWrite(_ path: String, _ body: (String) throws -> Void) throws {
        if OutputPath.isDirectory(path) { throw PPGScopeError(file: path, "is a directory") }
        try AtomicOutput.file(path, body)
    }
}
