import Foundation
import PPGFormats
import PPGSignals
import Testing

/// A synthetic recording with motion (ppg + acc_x/y/z at 32 Hz), a reference HR and metadata
/// that exercises escaping (unicode, newlines, backslashes, '=', spaces at the ends).
func sampleRecording(durationS: Double = 20, seed: UInt64 = 1) throws -> Recording {
    var r = try Synth.ppg(PPGSynthesisOptions(durationS: durationS, heartRate: .linearRamp(fromBPM: 70, toBPM: 95),
                                              seed: seed, motion: MotionSynthesis(pattern: .random(bandwidthHz: 3))))
    r.metadata["subject"] = "S6 — stairs ✓"
    r.metadata["note"] = "line one\nline two\\with backslash = and comma, "
    r.metadata["  padded key "] = "\tvalue with tab "
    r.metadata["empty"] = ""
    r.referenceHR = HeartRateSeries(timesS: [0, 2.5, 8.125, 19.96875], bpm: [70.1, 72.25, 80, 1.0 / 3 + 90])
    return r
}

/// Float samples compared bit for bit.
func bits(_ x: [Float]) -> [UInt32] { x.map(\.bitPattern) }

@Suite struct HDF5RoundTripTests {
    @Test func roundTripIsExact() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var r = try sampleRecording()
        // Channels of other rates and lengths, odd units.
        r.channels.append(Channel(name: "temperature", samplingRateHz: 4, unit: "°C", samples: [36.5, 36.625, 36.7]))
        r.channels.append(Channel(name: "eda", samplingRateHz: 0.1, unit: "µS", samples: [Float.leastNonzeroMagnitude, -0.0, .greatestFiniteMagnitude]))
        let path = dir.file("rec.h5")
        try RecordingIO.write(r, to: path)
        let back = try RecordingIO.read(path)
        #expect(back == r)
        for (a, b) in zip(back.channels, r.channels) { #expect(bits(a.samples) == bits(b.samples)) }
        #expect(dir.contents() == ["rec.h5"])
    }

    @Test func recordingWithoutReferenceOrMetadata() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let r = Recording(channels: [Channel(name: "ppg", samplingRateHz: 31.25, samples: [1, 2, 3])])
        let path = dir.file("bare.hdf5")
        try RecordingIO.write(r, to: path)
        #expect(try RecordingIO.read(path) == r)
    }

    @Test func layoutIsTheDocumentedOne() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let r = try sampleRecording(durationS: 4)
        let path = dir.file("layout.h5")
        try RecordingIO.write(r, to: path)
        let file = try HDF5File.open(path)
        #expect(try file.stringAttribute("/", "format") == "ppgscope-recording")
        #expect(try file.doubleAttribute("/", "format_version") == 1)
        #expect(try file.stringsAttribute("/", "channel_names") == ["ppg", "acc_x", "acc_y", "acc_z"])
        #expect(try file.shape("channels/ppg") == [128])
        #expect(try file.doubleAttribute("channels/acc_x", "sampling_rate_hz") == 32)
        #expect(try file.stringAttribute("channels/acc_x", "unit") == "g")
        #expect(try file.readDoubles("reference_hr/time_s").values == r.referenceHR?.timesS)
        #expect(try file.readDoubles("reference_hr/bpm").values == r.referenceHR?.bpm)
        #expect(try file.stringAttribute("metadata", "subject") == "S6 — stairs ✓")
    }
}

@Suite struct SoundFileRoundTripTests {
    @Test func floatWAVIsBitExact() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var r = try sampleRecording()
        // Unnormalised and extreme values must survive untouched.
        let extremes: [Float] = [20000, -1e-30, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, -0.0, 1.5, -3]
        for (i, v) in extremes.enumerated() { r.channels[0].samples[10 + i] = v }
        let path = dir.file("rec.wav")
        try RecordingIO.write(r, to: path)
        let back = try RecordingIO.read(path)
        #expect(back.channels.map(\.name) == r.channels.map(\.name))
        #expect(back.channels.map(\.unit) == r.channels.map(\.unit))
        for (a, b) in zip(back.channels, r.channels) { #expect(bits(a.samples) == bits(b.samples), "\(a.name)") }
        #expect(back == r)
        #expect(dir.contents() == ["rec.wav"])
    }

    /// FLAC keeps 24 bits relative to each channel's peak: |error| ≤ scale/2 (+ float rounding),
    /// scale = max|x| / 8388607.
    @Test func flacIsWithinItsStatedPrecision() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var r = try sampleRecording()
        r.channels.append(Channel(name: "silent", samplingRateHz: 32, unit: "mV", samples: [Float](repeating: 0, count: 640)))
        r.channels[1].samples = r.channels[1].samples.map { $0 * 20000 }  // a large-valued channel
        let path = dir.file("rec.flac")
        try RecordingIO.write(r, to: path)
        let back = try RecordingIO.read(path)
        #expect(back.channels.map(\.name) == r.channels.map(\.name))
        #expect(back.channels.map(\.unit) == r.channels.map(\.unit))
        #expect(back.referenceHR == r.referenceHR)
        #expect(back.metadata == r.metadata)
        for (a, b) in zip(back.channels, r.channels) {
            #expect(a.samplingRateHz == 32)
            #expect(a.samples.count == b.samples.count)
            let peak = b.samples.map { Double(abs($0)) }.max() ?? 0
            let scale = peak > 0 ? peak / 8_388_607 : 1
            var worst = 0.0
            for (x, y) in zip(a.samples, b.samples) {
                let bound = scale / 2 + Double(abs(y)) * 0x1p-23
                worst = max(worst, abs(Double(x) - Double(y)) / bound)
            }
            #expect(worst <= 1.0, "\(a.name): error reaches \(worst) × (scale/2 + ulp)")
            if peak == 0 { #expect(a.samples.allSatisfy { $0 == 0 }) }
        }
    }

    @Test func plainWAVGetsDefaultNames() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let stereo = dir.file("plain.wav")
        try pcm16WAV(channels: 2, rate: 32, samples: [100, -200, 300, -400, 32767, -32768]).write(to: URL(fileURLWithPath: stereo))
        let r = try RecordingIO.read(stereo)
        #expect(r.channels.map(\.name) == ["ch0", "ch1"])
        #expect(r.channels.map(\.unit) == ["a.u.", "a.u."])
        #expect(r.channels[0].samples == [100, 300, 32767])
        #expect(r.channels[1].samples == [-200, -400, -32768])
        #expect(r.channels[0].samplingRateHz == 32)
        #expect(r.referenceHR == nil)

        let mono = dir.file("mono.wav")
        try pcm16WAV(channels: 1, rate: 64, samples: [1, 2, 3]).write(to: URL(fileURLWithPath: mono))
        let m = try RecordingIO.read(mono)
        #expect(m.channels.map(\.name) == ["ppg"])
        #expect(m.channels[0].samples == [1, 2, 3])
    }

    @Test func largeMetadataSurvives() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var r = try sampleRecording(durationS: 3600)  // 1 h: 1801 reference HR points in the JSON
        r.referenceHR = try Synth.ppg(PPGSynthesisOptions(durationS: 3600, heartRate: .linearRamp(fromBPM: 60, toBPM: 61.234))).referenceHR
        for container in ["wav", "flac"] {
            let path = dir.file("long.\(container)")
            try RecordingIO.write(r, to: path)
            let back = try RecordingIO.read(path)
            #expect(back.referenceHR == r.referenceHR, "\(container)")
            #expect(back.metadata == r.metadata, "\(container)")
        }
    }

    @Test func mixedRatesLengthsAndFractionalRatesAreRefused() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let a = Channel(name: "ppg", samplingRateHz: 32, samples: [1, 2, 3, 4])
        let cases: [(Recording, String)] = [
            (Recording(channels: [a, Channel(name: "acc", samplingRateHz: 16, samples: [1, 2])]), "sampling rate"),
            (Recording(channels: [a, Channel(name: "acc", samplingRateHz: 32, samples: [1, 2])]), "length"),
            (Recording(channels: [Channel(name: "ppg", samplingRateHz: 31.5, samples: [1, 2])]), "whole number of Hz"),
        ]
        for container in ["wav", "flac"] {
            for (r, message) in cases {
                let path = dir.file("bad.\(container)")
                let error = #expect(throws: PPGScopeError.self) { try RecordingIO.write(r, to: path) }
                #expect(error?.file == path)
                #expect(error?.message.contains(message) == true, "\(error?.description ?? "")")
            }
        }
        let tooFast = Recording(channels: [Channel(name: "ppg", samplingRateHz: 700_000, samples: [1, 2])])
        #expect(throws: PPGScopeError.self) { try RecordingIO.write(tooFast, to: dir.file("fast.flac")) }
        #expect(dir.contents().isEmpty)
    }
}

/// A minimal RIFF/WAVE PCM 16-bit file (interleaved samples), without any metadata chunk.
func pcm16WAV(channels: Int, rate: Int, samples: [Int16]) -> Data {
    var d = Data()
    func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { d.append(contentsOf: $0) } }
    func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { d.append(contentsOf: $0) } }
    let dataBytes = samples.count * 2
    d.append(contentsOf: Array("RIFF".utf8)); u32(36 + dataBytes)
    d.append(contentsOf: Array("WAVE".utf8))
    d.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(1); u16(channels); u32(rate)
    u32(rate * channels * 2); u16(channels * 2); u16(16)
    d.append(contentsOf: Array("data".utf8)); u32(dataBytes)
    for s in samples { withUnsafeBytes(of: s.littleEndian) { d.append(contentsOf: $0) } }
    return d
}

@Suite struct CSVRoundTripTests {
    @Test(arguments: [32.0, 31.25, 25])
    func roundTripIsExact(_ rate: Double) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var r = try sampleRecording(durationS: 10)
        for i in r.channels.indices { r.channels[i].samplingRateHz = rate }
        r.channels[0].samples[3] = .leastNonzeroMagnitude
        r.channels[0].samples[4] = .greatestFiniteMagnitude
        r.channels[0].samples[5] = -0.0
        r.channels[1].unit = " g (wrist) "
        let path = dir.file("rec.csv")
        try RecordingIO.write(r, to: path)
        let back = try RecordingIO.read(path)
        #expect(back == r)
        for (a, b) in zip(back.channels, r.channels) { #expect(bits(a.samples) == bits(b.samples)) }
        #expect(dir.contents() == ["rec.csv"])
    }

    @Test func writerEmitsTheRateCommentAndTimeColumn() throws {
        let r = Recording(channels: [Channel(name: "ppg", samplingRateHz: 32, samples: [0.1, 2])])
        let text = try RecordingCSV.render(r)
        #expect(text.contains("# sampling_rate_hz=32.0\n"))
        #expect(text.hasSuffix("time_s,ppg\n0.0,0.1\n0.03125,2.0\n"))
    }

    @Test func rateFromTimeColumn() throws {
        let r = try RecordingCSV.parse("time_s,ppg,acc_x\n0,1,5\n0.04,2,6\n0.08,3,7\n0.12,4,8\n")
        #expect(r.channels.map(\.samplingRateHz) == [25, 25])
        #expect(r.channels[1].samples == [5, 6, 7, 8])
    }

    @Test func rateFromCommentAndExplicitRateWins() throws {
        let text = "# sampling_rate_hz = 64\nppg\n1\n2\n"
        #expect(try RecordingCSV.parse(text).channels[0].samplingRateHz == 64)
        #expect(try RecordingCSV.parse(text, samplingRateHz: 128).channels[0].samplingRateHz == 128)
        #expect(try RecordingCSV.parse("ppg\r\n1\r\n\r\n2\r\n", samplingRateHz: 8).channels[0].samples == [1, 2])
    }

    @Test func byteOrderMarkIsIgnored() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("bom.csv")
        try Data("\u{FEFF}time_s,ppg\n0,1\n0.5,2\n".utf8).write(to: URL(fileURLWithPath: path))
        let r = try RecordingIO.read(path)
        #expect(r.channels.map(\.name) == ["ppg"])
        #expect(r.channels[0].samplingRateHz == 2)
    }

    @Test func referenceColumnIsRead() throws {
        let r = try RecordingCSV.parse("time_s,ppg,reference_hr_bpm\n0,1,\n0.5,2,70\n1,3,nan\n1.5,4,72.5\n")
        #expect(r.channels.map(\.name) == ["ppg"])
        #expect(r.referenceHR == HeartRateSeries(timesS: [0.5, 1.5], bpm: [70, 72.5]))
    }
}
