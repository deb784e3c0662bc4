import Foundation
import PPGSignals

/// File formats for recordings, chosen by extension.
public enum RecordingFormat: String, Sendable, CaseIterable {
    /// `.h5` / `.hdf5`: the ppgscope layout (read and write) or the DaLiA windowed layout (read).
    case hdf5
    /// `.wav`: 32-bit float WAV.
    case wav
    /// `.flac`: 24-bit FLAC, scaled per channel.
    case flac
    /// `.csv`: text, one row per sample.
    case csv

    /// The format of `path` from its extension (case-insensitive), or a `PPGScopeError` naming the file.
    public static func of(_ path: String) throws -> RecordingFormat {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "h5", "hdf5": return .hdf5
        case "wav": return .wav
        case "flac": return .flac
        case "csv": return .csv
        case let other:
            throw PPGScopeError(file: path, "unknown recording format \(other.isEmpty ? "(no extension)" : "'.\(other)'"): use .h5/.hdf5, .wav, .flac or .csv")
        }
    }
}

/// Reads and writes recordings in every format, dispatching on the file extension.
public enum RecordingIO {
    /// Reads the recording at `path` and validates it.
    ///
    /// `samplingRateHz` is the rate of a CSV file without one (it overrides the file's rate); for
    /// the other formats, which carry their own rate, it must agree with every channel's rate.
    /// Missing, empty, truncated or unrecognised files give a `PPGScopeError` naming the file.
    public static func read(_ path: String, samplingRateHz: Double? = nil) throws -> Recording {
        let format = try RecordingFormat.of(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PPGScopeError(file: path, "no such file")
        }
        guard !isDirectory.boolValue else { throw PPGScopeError(file: path, "is a directory, not a recording file") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
        guard size != 0 else { throw PPGScopeError(file: path, "empty file (0 bytes)") }
        if let rate = samplingRateHz, !(rate.isFinite && rate > 0) {
            throw PPGScopeError(file: path, object: "sampling_rate_hz", "sampling rate must be a positive number of Hz, found \(rate)")
        }

        let recording: Recording
        switch format {
        case .csv:
            return try RecordingCSV.read(path, samplingRateHz: samplingRateHz)
        case .wav, .flac:
            recording = try RecordingSoundFile.read(path)
        case .hdf5:
            let file = try HDF5File.open(path)
            defer { file.close() }
            if RecordingHDF5.isRecording(file) {
                recording = try RecordingHDF5.read(from: file)
            } else if RecordingDaLiA.isWindowed(file) {
                recording = try RecordingDaLiA.read(from: file)
            } else if file.hasAttribute("/", "format") {
                recording = try RecordingHDF5.read(from: file)  // reports the unexpected format name
            } else {
                throw PPGScopeError(file: path, "not a recording: expected the ppgscope layout (root attribute format = \"\(RecordingHDF5.formatName)\") or the windowed layout (dataset X [N, C, 256] with y [N])")
            }
        }
        do { try recording.validate() } catch let error as PPGScopeError { throw error.inFile(path) }
        if let rate = samplingRateHz, let other = recording.channels.first(where: { $0.samplingRateHz != rate }) {
            throw PPGScopeError(file: path, object: other.name, "file says \(other.samplingRateHz) Hz but \(rate) Hz was requested (only CSV takes a rate from outside)")
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
        try atomicWrite(path) { temporary in
            switch format {
            case .hdf5: try RecordingHDF5.write(recording, to: temporary)
            case .wav: try RecordingSoundFile.write(recording, to: temporary, container: .wav)
            case .flac: try RecordingSoundFile.write(recording, to: temporary, container: .flac)
            case .csv: try RecordingCSV.write(recording, to: temporary)
            }
        }
    }

    /// Runs `body` on a temporary path next to `path`, then renames it to `path`. Errors that
    /// name the temporary file are re-attributed to `path`.
    static func atomicWrite(_ path: String, _ body: (String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PPGScopeError(file: path, "directory \(directory) does not exist")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw PPGScopeError(file: path, "is a directory")
        }
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)").path
        OutputTemporaries.register(temporary)
        defer { OutputTemporaries.unregister(temporary) }
        do {
            try body(temporary)
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                throw PPGScopeError(file: path, "cannot move the finished file into place: \(reason)")
            }
        } catch let error as PPGScopeError {
            unlink(temporary)
            var attributed = error
            if attributed.file == temporary || attributed.file == nil { attributed.file = path }
            throw attributed
        } catch {
            unlink(temporary)
            throw PPGScopeError(file: path, "\(error)")
        }
    }
}
