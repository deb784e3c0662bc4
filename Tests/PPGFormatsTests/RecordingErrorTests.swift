import Foundation
import PPGFormats
import PPGSignals
import Testing

/// Writes a hand-made file in the ppgscope layout: `datasets` are (name, shape, values, rate).
func writeHandmadeLayout(_ path: String, channelNames: [String],
                         datasets: [(name: String, shape: [Int], values: [Float], rate: Double)]) throws {
    let file = try HDF5File.create(path)
    defer { file.close() }
    try file.setAttribute("/", "format", string: "ppgscope-recording")
    try file.setAttribute("/", "format_version", double: 1)
    try file.setAttribute("/", "channel_names", strings: channelNames)
    try file.createGroup("channels")
    for d in datasets {
        try file.write("channels/\(d.name)", shape: d.shape, floats: d.values)
        try file.setAttribute("channels/\(d.name)", "sampling_rate_hz", double: d.rate)
        try file.setAttribute("channels/\(d.name)", "unit", string: "a.u.")
    }
}

/// Expects `body` to throw a PPGScopeError naming `file`, with `object` (when given) and a
/// message containing `message`.
func expectError(file: String, object: String? = nil, message: String,
                 sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected an error about \(message)", sourceLocation: sourceLocation)
    } catch let error as PPGScopeError {
        #expect(error.file == file, "error names \(error.file ?? "no file"): \(error)", sourceLocation: sourceLocation)
        if let object { #expect(error.object == object, "object \(error.object ?? "none"): \(error)", sourceLocation: sourceLocation) }
        #expect(error.description.contains(message), "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a PPGScopeError, got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct ReadErrorTests {
    @Test(arguments: ["none.h5", "none.wav", "none.flac", "none.csv"])
    func missingFile(_ name: String) {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file(name)
        expectError(file: path, message: "no such file") { _ = try RecordingIO.read(path) }
    }

    @Test(arguments: ["empty.h5", "empty.wav", "empty.flac", "empty.csv"])
    func emptyFile(_ name: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file(name)
        try Data().write(to: URL(fileURLWithPath: path))
        expectError(file: path, message: "empty file") { _ = try RecordingIO.read(path) }
    }

    @Test func unknownExtensionAndDirectory() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("rec.mat")
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        expectError(file: path, message: "unknown recording format '.mat'") { _ = try RecordingIO.read(path) }
        expectError(file: dir.file("noext"), message: "no such file") { _ = try RecordingIO.read(dir.file("noext")) }
        let folder = dir.file("folder.h5")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        expectError(file: folder, message: "directory") { _ = try RecordingIO.read(folder) }
    }

    /// Truncated files (a real recording cut at several points) give a clear error naming the file.
    @Test(arguments: [0.5, 0.9, 0.1, 0.01])
    func truncatedHDF5(_ fraction: Double) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("cut.h5")
        try RecordingIO.write(try sampleRecording(durationS: 300), to: path)  // 9600 samples: chunked + gzip
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber).intValue
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: UInt64(Double(size) * fraction))
        try handle.close()
        expectError(file: path, message: "truncated") { _ = try RecordingIO.read(path) }
    }

    @Test func truncatedAudioAndGarbage() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        for name in ["cut.wav", "cut.flac"] {
            let path = dir.file(name)
            try RecordingIO.write(try sampleRecording(durationS: 60), to: path)
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            try data.prefix(20).write(to: URL(fileURLWithPath: path))
            expectError(file: path, message: "cannot open as audio") { _ = try RecordingIO.read(path) }
            // Cut inside the audio data.
            try data.prefix(data.count * 6 / 10).write(to: URL(fileURLWithPath: path))
            expectError(file: path, message: "truncated") { _ = try RecordingIO.read(path) }
        }
        let garbage = dir.file("garbage.h5")
        try Data("time_s,ppg\n0,1\n".utf8).write(to: URL(fileURLWithPath: garbage))
        expectError(file: garbage, message: "not an HDF5 file") { _ = try RecordingIO.read(garbage) }
    }

    @Test func missingDataset() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("missing.h5")
        try writeHandmadeLayout(path, channelNames: ["ppg", "acc_x"], datasets: [("ppg", [4], [1, 2, 3, 4], 32)])
        expectError(file: path, object: "channels/acc_x", message: "missing dataset") { _ = try RecordingIO.read(path) }
    }

    @Test func unlistedDataset() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("unlisted.h5")
        try writeHandmadeLayout(path, channelNames: ["ppg"], datasets: [("ppg", [2], [1, 2], 32), ("acc_x", [2], [1, 2], 32)])
        expectError(file: path, object: "channels/acc_x", message: "not listed") { _ = try RecordingIO.read(path) }
    }

    @Test func twoDimensionalChannel() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("shape.h5")
        try writeHandmadeLayout(path, channelNames: ["ppg"], datasets: [("ppg", [2, 3], [1, 2, 3, 4, 5, 6], 32)])
        expectError(file: path, object: "channels/ppg", message: "expected a 1-D dataset [T], found shape [2, 3]") {
            _ = try RecordingIO.read(path)
        }
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteSamples(_ bad: Float) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("nan.h5")
        try writeHandmadeLayout(path, channelNames: ["ppg"], datasets: [("ppg", [4], [1, 2, bad, 4], 32)])
        expectError(file: path, object: "channels/ppg", message: "sample 2 is") { _ = try RecordingIO.read(path) }
    }

    @Test(arguments: [0.0, -32, .nan])
    func badSamplingRate(_ rate: Double) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("rate.h5")
        try writeHandmadeLayout(path, channelNames: ["ppg"], datasets: [("ppg", [4], [1, 2, 3, 4], rate)])
        expectError(file: path, object: "channels/ppg", message: "sampling_rate_hz must be a positive number") {
            _ = try RecordingIO.read(path)
        }
    }

    @Test func emptyChannelAndWrongFormat() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let empty = dir.file("empty-channel.h5")
        try writeHandmadeLayout(empty, channelNames: ["ppg"], datasets: [("ppg", [0], [], 32)])
        expectError(file: empty, object: "channels/ppg", message: "no samples") { _ = try RecordingIO.read(empty) }

        let other = dir.file("other.h5")
        do {
            let file = try HDF5File.create(other)
            try file.setAttribute("/", "format", string: "something-else")
            file.close()
        }
        expectError(file: other, message: "expected \"ppgscope-recording\"") { _ = try RecordingIO.read(other) }

        let plain = dir.file("plain.h5")
        do {
            let file = try HDF5File.create(plain)
            try file.write("data", shape: [3], floats: [1, 2, 3])
            file.close()
        }
        expectError(file: plain, message: "not a recording") { _ = try RecordingIO.read(plain) }
    }

    @Test func referenceHRMismatch() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("hr.h5")
        // A reference HR whose times do not increase.
        let file = try HDF5File.create(path)
        try file.setAttribute("/", "format", string: "ppgscope-recording")
        try file.setAttribute("/", "format_version", double: 1)
        try file.setAttribute("/", "channel_names", strings: ["ppg"])
        try file.write("channels/ppg", shape: [2], floats: [1, 2])
        try file.setAttribute("channels/ppg", "sampling_rate_hz", double: 32)
        try file.write("reference_hr/time_s", shape: [2], doubles: [1, 1])
        try file.write("reference_hr/bpm", shape: [2], doubles: [60, 61])
        file.close()
        expectError(file: path, object: "reference_hr", message: "times must increase") { _ = try RecordingIO.read(path) }
    }

    @Test func samplingRateOverrideMustAgree() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("rec.h5")
        try RecordingIO.write(try sampleRecording(durationS: 2), to: path)
        #expect(try RecordingIO.read(path, samplingRateHz: 32).channels.count == 4)
        expectError(file: path, message: "64.0 Hz was requested") { _ = try RecordingIO.read(path, samplingRateHz: 64) }
        expectError(file: path, message: "positive number") { _ = try RecordingIO.read(path, samplingRateHz: 0) }
    }
}

@Suite struct CSVErrorTests {
    func write(_ text: String, _ dir: TemporaryDirectory, _ name: String = "bad.csv") throws -> String {
        let path = dir.file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func raggedRow() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try write("# sampling_rate_hz=32\nppg,acc_x\n1,2\n3\n", dir)
        expectError(file: path, object: "line 4", message: "row has 1 cells but the header has 2 columns") { _ = try RecordingIO.read(path) }
    }

    @Test func nonNumericCell() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try write("# sampling_rate_hz=32\nppg,acc_x\n1,2\n3,abc\n", dir)
        expectError(file: path, object: "line 4, column acc_x", message: "not a number: \"abc\"") { _ = try RecordingIO.read(path) }
    }

    @Test func nanSample() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try write("# sampling_rate_hz=32\nppg\n1\nnan\n", dir)
        expectError(file: path, object: "line 4, column ppg", message: "NaN and Inf") { _ = try RecordingIO.read(path) }
    }

    @Test func missingRate() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try write("ppg\n1\n2\n", dir)
        expectError(file: path, message: "missing sampling rate") { _ = try RecordingIO.read(path) }
        #expect(try RecordingIO.read(path, samplingRateHz: 32).channels[0].samples == [1, 2])
    }

    @Test(arguments: ["0", "-32", "nan"])
    func badRateComment(_ value: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try write("# sampling_rate_hz=\(value)\nppg\n1\n2\n", dir)
        expectError(file: path, message: "positive number of Hz") { _ = try RecordingIO.read(path) }
    }

    /// Irregular stamps are no longer refused: they are measured and resampled (CSVInTheWildTests).
    @Test func nonUniformTimeColumnIsResampled() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try write("time_s,ppg\n0,1\n0.25,2\n0.5,3\n0.751,4\n0.999,5\n", dir)
        let r = try RecordingIO.read(path)
        #expect(r.channels[0].samplingRateHz == 4 && r.channels[0].samples.count == 5, "\(r.channels[0])")
        #expect(r.timing?.resampledToGrid == true)
    }

    @Test func timeColumnContradictsRate() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try write("# sampling_rate_hz=32\ntime_s,ppg\n0,1\n0.25,2\n", dir)
        expectError(file: path, object: "time_s", message: "implies 4.0 Hz") { _ = try RecordingIO.read(path) }
    }

    @Test func noHeaderOrNoRows() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let comments = try write("# only comments\n", dir, "a.csv")
        expectError(file: comments, message: "no data") { _ = try RecordingIO.read(comments) }
        let header = try write("ppg,acc_x\n", dir, "b.csv")
        expectError(file: header, message: "no data rows") { _ = try RecordingIO.read(header, samplingRateHz: 32) }
        let dup = try write("ppg,ppg\n1,2\n", dir, "c.csv")
        expectError(file: dup, message: "appears twice") { _ = try RecordingIO.read(dup, samplingRateHz: 32) }
    }
}

@Suite struct WriteErrorTests {
    /// Invalid recordings are refused before anything is written, in every format.
    @Test(arguments: ["out.h5", "out.wav", "out.flac", "out.csv"])
    func invalidRecordingLeavesNoFile(_ name: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file(name)
        var nan = try sampleRecording(durationS: 2)
        nan.channels[2].samples[5] = .nan
        expectError(file: path, object: "acc_y", message: "NaN") { try RecordingIO.write(nan, to: path) }
        var zeroRate = try sampleRecording(durationS: 2)
        zeroRate.channels[0].samplingRateHz = 0
        expectError(file: path, object: "ppg", message: "sampling rate") { try RecordingIO.write(zeroRate, to: path) }
        zeroRate.channels[0].samplingRateHz = -32
        expectError(file: path, object: "ppg", message: "sampling rate") { try RecordingIO.write(zeroRate, to: path) }
        #expect(dir.contents().isEmpty)
    }

    /// A failure in the middle of an HDF5 write (an attribute name too long for the object
    /// header) removes the temporary file and leaves an existing output untouched.
    @Test func failureMidWriteKeepsThePreviousFile() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("out.h5")
        let good = try sampleRecording(durationS: 2)
        try RecordingIO.write(good, to: path)
        var bad = good
        bad.metadata[String(repeating: "k", count: 100_000)] = "v"
        #expect(throws: PPGScopeError.self) { try RecordingIO.write(bad, to: path) }
        #expect(dir.contents() == ["out.h5"])
        #expect(try RecordingIO.read(path) == good)
    }

    @Test func unknownExtensionAndMissingDirectory() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let r = try sampleRecording(durationS: 1)
        expectError(file: dir.file("out.txt"), message: "unknown recording format") { try RecordingIO.write(r, to: dir.file("out.txt")) }
        let nested = dir.file("no/such/dir/out.h5")
        expectError(file: nested, message: "does not exist") { try RecordingIO.write(r, to: nested) }
        #expect(dir.contents().isEmpty)
    }

    @Test func namesThatCannotBeStored() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let slash = Recording(channels: [Channel(name: "a/b", samplingRateHz: 32, samples: [1])])
        expectError(file: dir.file("x.h5"), object: "a/b", message: "cannot be stored in HDF5") { try RecordingIO.write(slash, to: dir.file("x.h5")) }
        let comma = Recording(channels: [Channel(name: "a,b", samplingRateHz: 32, samples: [1])])
        expectError(file: dir.file("x.csv"), object: "a,b", message: "CSV column name") { try RecordingIO.write(comma, to: dir.file("x.csv")) }
        let reserved = Recording(channels: [Channel(name: "time_s", samplingRateHz: 32, samples: [1])])
        expectError(file: dir.file("y.csv"), object: "time_s", message: "reserved") { try RecordingIO.write(reserved, to: dir.file("y.csv")) }
        #expect(dir.contents().isEmpty)
    }
}
