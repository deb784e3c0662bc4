import Foundation
import PPGSignals

/// Recordings in the ppgscope HDF5 layout (documented in data/README.md), round-tripping exactly:
///
///     /                      attrs format = "ppgscope-recording" (string), format_version = 1 (f64),
///                                  channel_names (1-D vlen UTF-8 strings, channel order)
///     /channels/<name>       float32 [T], attrs sampling_rate_hz (f64 scalar, Hz), unit (string)
///     /reference_hr/time_s   float64 [K], seconds        (group optional)
///     /reference_hr/bpm      float64 [K], beats/minute
///     /metadata              group whose string attributes are the metadata
public enum RecordingHDF5 {
    /// Value of the root attribute `format`.
    public static let formatName = "ppgscope-recording"
    /// Value of the root attribute `format_version` this code reads and writes.
    public static let formatVersion = 1

    /// True when the file's root attribute `format` says it is a ppgscope recording.
    public static func isRecording(_ file: HDF5File) -> Bool {
        file.hasAttribute("/", "format") && (try? file.stringAttribute("/", "format")) == formatName
    }

    /// Reads and validates the recording at `path`. Errors name the file and the dataset.
    public static func read(_ path: String) throws -> Recording {
        let file = try HDF5File.open(path)
        defer { file.close() }
        return try read(from: file)
    }

    /// Reads and validates a recording from an open file. Channels in `unusedChannels` are checked
    /// (dataset, shape, rate) but their samples are not read, and they are left out of the
    /// recording unless they are all it has.
    public static func read(from file: HDF5File, unusedChannels: Set<String> = []) throws -> Recording {
        let path = file.path
        func fail(_ object: String?, _ message: String) -> PPGScopeError { PPGScopeError(file: path, object: object, message) }

        guard file.hasAttribute("/", "format") else {
            throw fail("/", "missing root attribute 'format' (expected \"\(formatName)\")")
        }
        let format = try file.stringAttribute("/", "format")
        guard format == formatName else { throw fail("/", "attribute 'format' is \"\(format)\", expected \"\(formatName)\"") }
        if file.hasAttribute("/", "format_version") {
            let version = try file.doubleAttribute("/", "format_version")
            guard version == Double(formatVersion) else {
                throw fail("/", "format_version \(version) is not supported (this ppgscope reads version \(formatVersion))")
            }
        } else {
            throw fail("/", "missing root attribute 'format_version'")
        }
        guard file.hasAttribute("/", "channel_names") else { throw fail("/", "missing root attribute 'channel_names'") }
        let names = try file.stringsAttribute("/", "channel_names")
        guard !names.isEmpty else { throw fail("/", "attribute 'channel_names' is empty: a recording needs at least one channel") }
        guard file.isGroup("channels") else { throw fail("channels", "missing group") }
        let stored = Set(try file.children("channels"))
        if let extra = stored.subtracting(names).sorted().first {
            throw fail("channels/\(extra)", "dataset is not listed in the root attribute 'channel_names'")
        }

        var channels: [Channel] = []
        for name in names {
            let dataset = "channels/\(name)"
            guard stored.contains(name), file.exists(dataset) else { throw fail(dataset, "missing dataset") }
            let shape = try file.shape(dataset)
            guard shape.count == 1 else {
                throw fail(dataset, "expected a 1-D dataset [T], found shape \(shape)")
            }
            guard file.hasAttribute(dataset, "sampling_rate_hz") else { throw fail(dataset, "missing attribute 'sampling_rate_hz'") }
            let rates = try file.doublesAttribute(dataset, "sampling_rate_hz")
            guard rates.count == 1, let rate = rates.first else {
                throw fail(dataset, "attribute 'sampling_rate_hz' must be one number, found \(rates.count)")
            }
            guard rate.isFinite, rate > 0 else {
                throw fail(dataset, "sampling_rate_hz must be a positive number of Hz, found \(rate)")
            }
            if unusedChannels.contains(name), names.contains(where: { !unusedChannels.contains($0) }) { continue }
            let unit = file.hasAttribute(dataset, "unit") ? try file.stringAttribute(dataset, "unit") : "a.u."
            let samples = try file.readFloats(dataset).values
            guard !samples.isEmpty else { throw fail(dataset, "channel has no samples (shape [0])") }
            if let bad = samples.firstIndex(where: { !$0.isFinite }) {
                throw fail(dataset, "sample \(bad) is \(samples[bad]) (NaN and Inf are not accepted)")
            }
            channels.append(Channel(name: name, samplingRateHz: rate, unit: unit, samples: samples))
        }

        var reference: HeartRateSeries?
        if file.exists("reference_hr") {
            var columns: [[Double]] = []
            for column in ["time_s", "bpm"] {
                let dataset = "reference_hr/\(column)"
                guard file.exists(dataset) else { throw fail(dataset, "missing dataset") }
                let (shape, values) = try file.readDoubles(dataset)
                guard shape.count == 1 else { throw fail(dataset, "expected a 1-D dataset [K], found shape \(shape)") }
                if let bad = values.firstIndex(where: { !$0.isFinite }) {
                    throw fail(dataset, "entry \(bad) is \(values[bad]) (NaN and Inf are not accepted)")
                }
                columns.append(values)
            }
            guard columns[0].count == columns[1].count else {
                throw fail("reference_hr", "time_s has \(columns[0].count) entries but bpm has \(columns[1].count)")
            }
            reference = HeartRateSeries(timesS: columns[0], bpm: columns[1])
        }

        var metadata: [String: String] = [:]
        if file.exists("metadata") {
            for key in try file.attributeNames("metadata") {
                metadata[key] = try file.stringAttribute("metadata", key)
            }
        }

        let recording = Recording(channels: channels, referenceHR: reference, metadata: metadata)
        do {
            try recording.validate()
        } catch let error as PPGScopeError {
            throw error.inFile(path)
        }
        return recording
    }

    /// Writes `recording` to `path` (created or truncated; not atomic — `RecordingIO.write` is).
    /// Validates first; channel names must be usable as HDF5 link names (no `/`, not `.`).
    public static func write(_ recording: Recording, to path: String) throws {
        do {
            try recording.validate()
            try checkNames(recording)
        } catch let error as PPGScopeError {
            throw error.inFile(path)
        }
        let file = try HDF5File.create(path)
        defer { file.close() }
        try file.setAttribute("/", "format", string: formatName)
        try file.setAttribute("/", "format_version", double: Double(formatVersion))
        try file.setAttribute("/", "channel_names", strings: recording.channels.map(\.name), asArray: true)
        try file.createGroup("channels")
        for channel in recording.channels {
            let dataset = "channels/\(channel.name)"
            try file.write(dataset, shape: [channel.samples.count], floats: channel.samples)
            try file.setAttribute(dataset, "sampling_rate_hz", double: channel.samplingRateHz)
            try file.setAttribute(dataset, "unit", string: channel.unit)
        }
        if let hr = recording.referenceHR {
            try file.createGroup("reference_hr")
            try file.write("reference_hr/time_s", shape: [hr.timesS.count], doubles: hr.timesS)
            try file.write("reference_hr/bpm", shape: [hr.bpm.count], doubles: hr.bpm)
        }
        try file.createGroup("metadata")
        for key in recording.metadata.keys.sorted() {
            try file.setAttribute("metadata", key, string: recording.metadata[key] ?? "")
        }
    }

    private static func checkNames(_ recording: Recording) throws {
        for channel in recording.channels {
            guard !channel.name.contains("/"), channel.name != ".", channel.name != "..", !channel.name.contains("\0") else {
                throw PPGScopeError(object: channel.name, "channel name cannot be stored in HDF5 (no '/', NUL, '.' or '..')")
            }
        }
        for key in recording.metadata.keys where key.isEmpty || key.contains("\0") {
            throw PPGScopeError(object: "metadata", "metadata key \"\(key)\" cannot be an HDF5 attribute name (empty or NUL)")
        }
        for (key, value) in recording.metadata where value.contains("\0") {
            throw PPGScopeError(object: "metadata", "value of \"\(key)\" contains a NUL character")
        }
    }
}
