import Foundation
import PPGSignals

/// Everything that says how to read one recording for analysis: the file, what the file does not
/// say (rate, time column), which channels to use, and where the reference HR lives.
public struct RecordingRequest: Sendable, Equatable {
    public var path: String
    public var read: RecordingReadOptions
    public var channels: ChannelChoice
    /// A file holding the reference HR: CSV `time_s,bpm`, or any readable recording with a
    /// heart-rate channel (or a reference HR of its own).
    public var referenceHRPath: String?

    public init(path: String, read: RecordingReadOptions = RecordingReadOptions(), channels: ChannelChoice = ChannelChoice(),
                referenceHRPath: String? = nil) {
        self.path = path
        self.read = read
        self.channels = channels
        self.referenceHRPath = referenceHRPath
    }
}

/// A recording ready for analysis: channels in the analysis' names (`ChannelMap.canonical`), the
/// roles that were chosen, the file as read, and where the reference came from.
public struct LoadedRecording: Sendable {
    /// Canonical channels (`ppg`, `acc_x`, …) and the reference HR.
    public var recording: Recording
    /// The recording as read, with its own channel names.
    public var original: Recording
    public var roles: ChannelRoles
    /// "file" (the recording's own), "channel NAME", "PATH" (--reference-hr) or "none".
    public var referenceSource: String
}

/// Reads a recording, maps its channels and attaches the reference HR: the one way every command
/// that analyses a recording (`hr`, `inspect`, `compare`, `batch`) loads it.
public enum RecordingLoader {
    public static func load(_ request: RecordingRequest) throws -> LoadedRecording {
        try assemble(try RecordingIO.read(request.path, options: request.read), request)
    }

    /// Maps the channels of `original` (already read from `request.path`) and attaches the reference.
    public static func assemble(_ original: Recording, _ request: RecordingRequest) throws -> LoadedRecording {
        let roles: ChannelRoles
        do {
            roles = try ChannelMap.roles(of: original, choice: request.channels)
        } catch let error as PPGScopeError {
            throw error.inFile(request.path)
        }
        var recording = ChannelMap.canonical(original, roles: roles)
        var source = original.referenceHR != nil ? "file" : roles.referenceChannel.map { "channel \($0)" } ?? "none"
        if let path = request.referenceHRPath {
            var series = try readReferenceHR(path)
            if let start = original.timing?.startUnixS, let refStart = series.startUnixS {
                series.hr.timesS = series.hr.timesS.map { $0 + refStart - start }  // both clocks known: align them
            }
            recording.referenceHR = series.hr
            recording.metadata["reference_hr_file"] = path
            source = path
        }
        return LoadedRecording(recording: recording, original: original, roles: roles, referenceSource: source)
    }

    /// A reference HR file: CSV `time_s,bpm` rows, or any recording with a reference HR or a
    /// heart-rate channel. `startUnixS` is the recording's wall-clock start when it has one.
    public static func readReferenceHR(_ path: String) throws -> (hr: HeartRateSeries, startUnixS: Double?) {
        var firstError: PPGScopeError?
        if (try? RecordingFormat.detect(path)) == .csv {
            do { return (try RecordingIO.readHeartRatePoints(path), nil) } catch let error as PPGScopeError { firstError = error }
        }
        let recording: Recording
        do {
            recording = try RecordingIO.read(path)
        } catch let error as PPGScopeError {
            throw firstError ?? error
        }
        if let hr = recording.referenceHR, !hr.isEmpty { return (hr, recording.timing?.startUnixS) }
        var candidates = recording.channels.filter { ChannelMap.isHeartRate($0) && !ChannelMap.isDeviceEstimate($0) }
        if candidates.count > 1, let hr = candidates.first(where: { ChannelMap.key($0.name) == "hr" }) { candidates = [hr] }
        guard candidates.count == 1 || recording.channels.count == 1 else {
            throw firstError ?? PPGScopeError(file: path, object: "reference HR",
                                              candidates.isEmpty ? "no heart-rate channel (BPM) among: \(ChannelMap.listing(recording))"
                                                  : "several heart-rate channels (\(candidates.map(\.name).joined(separator: ", "))); give a CSV time_s,bpm instead")
        }
        let series = ChannelMap.heartRateSeries(candidates.first ?? recording.channels[0])
        guard !series.isEmpty else { throw PPGScopeError(file: path, object: "reference HR", "the heart-rate channel holds no positive values") }
        return (series, recording.timing?.startUnixS)
    }
}
