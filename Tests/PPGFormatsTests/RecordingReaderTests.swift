import Foundation
@testable import PPGFormats
import PPGSignals
import Testing

/// Fixtures written by the formats' own writers (pyEDFlib, wfdb-python, the E4 export layout) with
/// tools/recordings/make_fixtures.py; `NAME.expected.csv` holds what the format's own reader returns.
enum RecordingFixtures {
    static let directory: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        return url.appendingPathComponent("Fixtures/recordings").path
    }()

    static func path(_ name: String) -> String { "\(directory)/\(name)" }

    /// The columns of an `.expected.csv`: names and float64 values (empty cells end a column).
    static func expected(_ name: String) throws -> [(name: String, values: [Double])] {
        let lines = try String(contentsOfFile: path(name), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let names = lines[0].map(String.init)
        return names.indices.map { c in (names[c], lines.dropFirst().compactMap { c < $0.count ? Double($0[c]) : nil }) }
    }

    /// Every channel of `recording` equals the format's own reader within float32 rounding
    /// (1e-6 of the channel's largest magnitude), in order, by name and length.
    static func expectMatches(_ recording: Recording, _ expectedFile: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try expected(expectedFile)
        #expect(recording.channels.map(\.name) == expected.map(\.name), sourceLocation: sourceLocation)
        for (channel, oracle) in zip(recording.channels, expected) {
            #expect(channel.samples.count == oracle.values.count, "\(channel.name)", sourceLocation: sourceLocation)
            let scale = oracle.values.map(abs).max() ?? 1
            let worst = zip(channel.samples, oracle.values).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst <= 1e-6 * scale, "\(channel.name): worst difference \(worst) of \(scale)", sourceLocation: sourceLocation)
        }
    }
}

@Suite struct EDFReaderTests {
    @Test(arguments: ["small.edf", "small.bdf"])
    func matchesPyEDFlibPerSignalRatesAndUnits(_ name: String) throws {
        let r = try RecordingIO.read(RecordingFixtures.path(name))
        try RecordingFixtures.expectMatches(r, "\(name).expected.csv")
        #expect(r.channels.map(\.samplingRateHz) == [64, 32, 32, 32, 1])
        #expect(r.channels.map(\.unit) == ["uV", "g", "g", "g", "bpm"])
        #expect(r.metadata["format"] == (name.hasSuffix("bdf") ? "BDF+" : "EDF+"))
    }

    @Test func truncatedDataRecordNamesFileAndRecord() throws {
        let path = RecordingFixtures.path("truncated.edf")
        expectError(file: path, message: "truncated: the header announces 12 data records") { _ = try RecordingIO.read(path) }
    }
}

@Suite struct WFDBReaderTests {
    /// Formats 16, 212 and 80, three signals interleaved, gains and baselines from wfdb-python.
    @Test(arguments: ["16", "212", "80"])
    func matchesWFDBPython(_ format: String) throws {
        let r = try RecordingIO.read(RecordingFixtures.path("multi_\(format).hea"))
        try RecordingFixtures.expectMatches(r, "multi_\(format).expected.csv")
        #expect(r.channels.map(\.samplingRateHz) == [64, 64, 64])
        #expect(r.channels.map(\.unit) == ["NU", "mV", "NU"])
    }

    @Test func recordNameWithoutExtensionAndDatPathWork() throws {
        let a = try RecordingIO.read(RecordingFixtures.path("multi_16.hea"))
        #expect(try RecordingIO.read(RecordingFixtures.path("multi_16")) == a)
        #expect(try RecordingIO.read(RecordingFixtures.path("multi_16.dat")) == a)
    }

    /// A numerics record's HR becomes the reference; PULSE (also BPM) and SpO2 stay channels.
    @Test func numericsHeartRateIsAReference() throws {
        let (hr, _) = try RecordingLoader.readReferenceHR(RecordingFixtures.path("numerics.hea"))
        let expected = try RecordingFixtures.expected("numerics.expected.csv")[0].values
        #expect(hr.timesS == (0..<12).map(Double.init))
        #expect(zip(hr.bpm, expected).allSatisfy { abs($0 - $1) <= 1e-4 }, "\(hr.bpm) vs \(expected)")
    }

    @Test func headerNamingAMissingDatFile() throws {
        let path = RecordingFixtures.path("missing_dat.hea")
        expectError(file: path, object: "missing_dat.dat", message: "does not exist") { _ = try RecordingIO.read(path) }
    }

    /// Format 212 packs two 12-bit samples in three bytes: 0x123 and 0xABC (negative) → bytes 23 A1 BC.
    @Test func format212Unpacking() {
        #expect(RecordingWFDB.decode([0x23, 0xA1, 0xBC], format: 212) == [0x123, 0xABC - 4096])
        #expect(RecordingWFDB.decode([0x00, 0x08, 0x00], format: 212) == [nil, 0])  // -2048 is "invalid"
        #expect(RecordingWFDB.decode([0x00, 0x80, 0xFF, 0x7F], format: 16) == [nil, 32767])
        #expect(RecordingWFDB.decode([0, 128, 255], format: 80) == [nil, 0, 127])
    }

    /// Two signals at 2 and 1 samples per frame (multi-rate), a baseline, a gain, and an invalid
    /// run of three samples that splits the record into segments.
    @Test func multiRateAndInvalidSamples() throws {
        let header = try RecordingWFDB.parseHeader("""
            rec 2 10 6
            rec.dat 16x2 100(10)/mV 16 0 0 0 0 fast
            rec.dat 16 2/bpm 16 0 0 0 0 HR
            """)
        let fast: [Int16] = [110, 120, -32768, -32768, -32768, -32768, 150, 160, 170, 180, 190, 200]
        let slow: [Int16] = [120, 122, 124, 126, 128, 130]
        var bytes: [UInt8] = []
        for f in 0..<6 {
            for v in [fast[2 * f], fast[2 * f + 1], slow[f]] { bytes += [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8)] }
        }
        let r = try RecordingWFDB.recording(header) { _ in bytes }
        #expect(r.channels.map(\.samplingRateHz) == [20, 10])
        #expect(r.channels[1].samples == [60, 61, 62, 63, 64, 65])
        #expect(r.channels[0].samples[0] == 1 && r.channels[0].samples[1] == 1.1)
        #expect(r.channels[0].samples[6] == 1.4, "filled after the gap")
        #expect(r.segmentsS == [0..<0.1, 0.3..<0.6], "\(r.segmentsS)")
    }

    @Test func truncatedSignalFile() throws {
        let header = try RecordingWFDB.parseHeader("rec 1 100 50\nrec.dat 16 200 16 0 0 0 0 PLETH\n")
        #expect(throws: PPGScopeError.self) { _ = try RecordingWFDB.recording(header) { _ in [UInt8](repeating: 0, count: 60) } }
    }
}

@Suite struct E4ReaderTests {
    @Test func folderAndZipAgreeAndFollowTheExportLayout() throws {
        let folder = try RecordingIO.read(RecordingFixtures.path("e4"))
        let zip = try RecordingIO.read(RecordingFixtures.path("e4.zip"))
        #expect(folder == zip)
        #expect(folder.channels.map(\.name) == ["bvp", "acc_x", "acc_y", "acc_z", "eda", "temp", "device_hr"])
        #expect(folder.channels.map(\.samplingRateHz) == [64, 32, 32, 32, 4, 4, 1])
        #expect(folder.timing?.startUnixS == 1_495_437_325)
        // ACC is stored in 1/64 g: the third row of ACC.csv is "2, -6, 65".
        #expect(folder.channels[1].samples[0] == 2 / 64 && folder.channels[2].samples[0] == -6 / 64 && folder.channels[3].samples[0] == 65 / 64)
        // HR.csv starts 10 s in and is the device's estimate: a channel, never the reference.
        #expect(folder.referenceHR == nil && folder.metadata["device_hr_first_s"] == "10")
        let loaded = try RecordingLoader.load(RecordingRequest(path: RecordingFixtures.path("e4")))
        #expect(loaded.recording.referenceHR == nil && loaded.roles.ppg == "bvp" && loaded.roles.acc == ["acc_x", "acc_y", "acc_z"])
    }

    @Test func zipWithoutBVP() throws {
        let path = RecordingFixtures.path("e4_no_bvp.zip")
        expectError(file: path, message: "no BVP.csv") { _ = try RecordingIO.read(path) }
    }

    @Test func startTimesAreAligned() throws {
        // ACC starts 1 s after BVP: BVP drops its first 64 samples so that both start together.
        let bvp = "100.000000\n64.000000\n" + (0..<192).map { "\($0)" }.joined(separator: "\n")
        let acc = "101.000000, 101.000000, 101.000000\n32.000000, 32.000000, 32.000000\n" + (0..<64).map { _ in "0, 0, 64" }.joined(separator: "\n")
        let r = try RecordingE4.parse(files: ["BVP.csv": bvp, "ACC.csv": acc])
        #expect(r.channels[0].samples.first == 64 && r.channels[0].samples.count == 128)
        #expect(r.channels[3].samples.allSatisfy { $0 == 1 } && r.timing?.startUnixS == 101)
    }
}

@Suite struct CSVInTheWildTests {
    @Test func headerlessNeedsARate() throws {
        let path = RecordingFixtures.path("headerless.csv")
        expectError(file: path, message: "--rate") { _ = try RecordingIO.read(path) }
        let r = try RecordingIO.read(path, samplingRateHz: 64)
        #expect(r.channels.map(\.name) == ["column1"] && r.channels[0].samples.count == 768)
        #expect(try ChannelMap.roles(of: r).ppg == "column1")
    }

    /// `;` cells with decimal commas, a `timer` column in ms (rounded to whole ms at 32 Hz).
    @Test func semicolonsDecimalCommasAndATimerInMilliseconds() throws {
        let r = try RecordingIO.read(RecordingFixtures.path("semicolon_timer_ms.csv"))
        #expect(r.channels.map(\.name) == ["green", "ACC X", "ACC Y", "ACC Z"])
        #expect(r.channels[0].samplingRateHz == 32 && r.channels[0].samples.count == 384)
        #expect(r.timing?.jitterS ?? 0 > 0 && r.timing!.maxDeviationS! <= 0.00075 + 1e-9)
        let roles = try ChannelMap.roles(of: r)
        #expect(roles.ppg == "green" && roles.acc == ["ACC X", "ACC Y", "ACC Z"])
    }

    /// Datetimes with jitter and a 0.5 s hole: 100 Hz measured, two segments.
    @Test func datetimesWithJitterAndAGap() throws {
        let r = try RecordingIO.read(RecordingFixtures.path("datetime_gap.csv"))
        #expect(r.channels[0].samplingRateHz == 100)
        #expect(r.segmentsS.count == 2 && abs(r.segmentsS[0].upperBound - 5.0) < 0.01 && (5.49...5.52).contains(r.segmentsS[1].lowerBound), "\(r.segmentsS)")
        let jitter = r.timing!.jitterS!
        #expect(jitter > 0.0015 && jitter < 0.0025, "uniform ±2 ms stamps: step std ≈ 2 ms · √(2/3) = 1.63 ms, found \(jitter)")
        #expect(abs(r.timing!.startUnixS! - 1_479_995_938) < 0.01)
    }

    @Test func unixMillisecondsWithTabs() throws {
        let r = try RecordingIO.read(RecordingFixtures.path("unix_ms_tab.csv"))
        #expect(r.channels[0].samplingRateHz == 64 && r.timing?.startUnixS == 1_480_000_000)
    }

    @Test(arguments: [("bad_time.csv", "time \"noon\" is not a finite number"),
                      ("backwards.csv", "time goes backwards"),
                      ("duplicate.csv", "duplicate time stamp")])
    func badTimesNameTheLine(_ name: String, _ message: String) throws {
        let path = RecordingFixtures.path(name)
        expectError(file: path, object: "line 4, column time", message: message) { _ = try RecordingIO.read(path) }
    }

    @Test func timeColumnAndUnitCanBeNamed() throws {
        let text = "a,when,b\n1,0,5\n2,1000,6\n3,2000,7\n"
        let r = try RecordingCSV.parse(text, options: RecordingReadOptions(timeColumn: "when", timeUnit: .milliseconds))
        #expect(r.channels.map(\.name) == ["a", "b"] && r.channels[0].samplingRateHz == 1)
        let byNumber = try RecordingCSV.parse(text, options: RecordingReadOptions(timeColumn: "2", timeUnit: .seconds))
        #expect(byNumber.channels[0].samplingRateHz == 0.001)
        #expect(throws: PPGScopeError.self) { _ = try RecordingCSV.parse(text, options: RecordingReadOptions(timeColumn: "nope")) }
    }
}

@Suite struct TimeParsingTests {
    @Test func datetimes() {
        #expect(CSVTimeColumn.parseDateTime("1970-01-01T00:00:00Z") == 0)
        #expect(CSVTimeColumn.parseDateTime("2016-11-24 13:58:58") == 1_479_995_938)
        #expect(abs(CSVTimeColumn.parseDateTime("2016-11-24 13:58:58.081000")! - 1_479_995_938.081) < 1e-6)
        #expect(CSVTimeColumn.parseDateTime("2016-11-24T14:58:58+01:00") == 1_479_995_938)
        #expect(CSVTimeColumn.parseDateTime("2000-02-29 00:00") == 951_782_400)
        #expect(CSVTimeColumn.parseDateTime("noon") == nil && CSVTimeColumn.parseDateTime("2016-13-01 00:00:00") == nil)
    }

    @Test func unitsFromNamesAndValues() {
        #expect(CSVTimeColumn.isTimeName("Time (s)") && CSVTimeColumn.isTimeName("timer") && CSVTimeColumn.isTimeName("t"))
        #expect(!CSVTimeColumn.isTimeName("temp") && !CSVTimeColumn.isTimeName("ppg"))
        #expect(CSVTimeColumn.unitHint("time_ms") == .milliseconds && CSVTimeColumn.unitHint("Time [s]") == .seconds)
        #expect(CSVTimeColumn.unitHint("timestamp_unix_ms") == .unixMilliseconds && CSVTimeColumn.unitHint("datetime") == .datetime)
        #expect(CSVTimeColumn.inferUnit(firstValue: 1.48e12, medianStep: 15) == .unixMilliseconds)
        #expect(CSVTimeColumn.inferUnit(firstValue: 1.48e9, medianStep: 0.015) == .unixSeconds)
        #expect(CSVTimeColumn.inferUnit(firstValue: 0, medianStep: 10) == .milliseconds)
        #expect(CSVTimeColumn.inferUnit(firstValue: 0, medianStep: 0.01) == .seconds)
    }
}

@Suite struct UniformGridTests {
    /// Steps alternating 10 ± 1 ms: rate 100 Hz, jitter (std about 10 ms) exactly 1 ms.
    @Test func jitterOfAlternatingSteps() {
        var t = [0.0]
        for k in 0..<100 { t.append(t.last! + (k % 2 == 0 ? 0.011 : 0.009)) }
        let a = UniformGrid.analyse(t)
        #expect(a.rateHz == 100 && !a.isUniform && a.gapsAfter.isEmpty)
        #expect(abs(a.jitterS - 0.001) < 1e-12 && abs(a.maxDeviationS - 0.001) < 1e-12)
    }

    /// Linear interpolation reproduces a linear signal exactly at the grid times.
    @Test func interpolationIsExactOnALine() {
        let t = [0, 0.011, 0.019, 0.031, 0.04]
        let v = t.map { Float(3 * $0 + 1) }
        let g = UniformGrid.interpolate(v, at: t, rateHz: 100, count: 5)
        for k in 0..<5 { #expect(abs(g[k] - Float(3 * Double(k) / 100 + 1)) < 1e-6) }
    }

    @Test func gapsSplitSegments() {
        let t = (0..<10).map { Double($0) / 10 } + (0..<10).map { 2 + Double($0) / 10 }
        let a = UniformGrid.analyse(t)
        #expect(a.gapsAfter == [9] && a.rateHz == 10)
        #expect(UniformGrid.segments(t, gapsAfter: a.gapsAfter, rateHz: 10) == [0..<1.0, 2..<3.0])
    }

    @Test func missingSamplesAreFilledAndLongRunsAreGaps() {
        let (filled, gaps) = UniformGrid.fillMissing([1, .nan, 3, .nan, .nan, .nan, 7])!
        #expect(filled == [1, 2, 3, 4, 5, 6, 7] && gaps == [3..<6])
        #expect(UniformGrid.fillMissing([.nan, .nan]) == nil)
    }
}

@Suite struct ChannelMapTests {
    func recording(_ names: [String], rate: Double = 64, units: [String]? = nil) -> Recording {
        Recording(channels: names.enumerated().map { Channel(name: $1, samplingRateHz: rate, unit: units?[$0] ?? "a.u.", samples: [0, 1]) })
    }

    @Test(arguments: [(["PLETH", "II", "RESP"], "PLETH"), (["ppg", "ppg_ir"], "ppg"), (["BVP"], "BVP"), (["green", "ax", "ay", "az"], "green"),
                      (["Pulse", "ACC X", "ACC Y", "ACC Z"], "Pulse"), (["signal"], "signal"), (["PPG wrist", "HR"], "PPG wrist")])
    func recognisesThePPG(_ names: [String], _ ppg: String) throws {
        #expect(try ChannelMap.roles(of: recording(names)).ppg == ppg)
    }

    @Test(arguments: [["acc_x", "acc_y", "acc_z"], ["ACC X", "ACC Y", "ACC Z"], ["accX", "accY", "accZ"], ["ax", "ay", "az"], ["x_acc", "y_acc", "z_acc"]])
    func recognisesTheAccelerometer(_ acc: [String]) throws {
        #expect(try ChannelMap.roles(of: recording(["ppg"] + acc)).acc == acc)
    }

    @Test func ambiguousOrMissingListsTheChannels() {
        #expect(throws: PPGScopeError.self) { _ = try ChannelMap.roles(of: recording(["ppg_green", "ppg_red"])) }
        do {
            _ = try ChannelMap.roles(of: recording(["a", "b"]))
            Issue.record("expected an error")
        } catch let e as PPGScopeError {
            #expect(e.message.contains("a (64 Hz, a.u.), b (64 Hz, a.u.)") && e.message.contains("--ppg"))
        } catch { Issue.record("\(error)") }
        #expect(throws: PPGScopeError.self) { _ = try ChannelMap.roles(of: recording(["ppg", "acc_x", "ACC X", "acc_y", "acc_z"])) }
    }

    @Test func namedChannelsWinAndAreCanonicalised() throws {
        let r = recording(["a", "b", "c", "d", "ppg"])
        let roles = try ChannelMap.roles(of: r, choice: ChannelChoice(ppg: "b", acc: ["c", "d", "a"]))
        let canonical = ChannelMap.canonical(r, roles: roles)
        #expect(canonical.channels.map(\.name) == ["ppg", "acc_x", "acc_y", "acc_z", "ppg_orig"])
        #expect(throws: PPGScopeError.self) { _ = try ChannelMap.roles(of: r, choice: ChannelChoice(ppg: "zz")) }
    }

    @Test func aChannelHasOneRole() {
        #expect(throws: PPGScopeError.self) { _ = try ChannelMap.roles(of: recording(["a", "b", "c"]), choice: ChannelChoice(ppg: "a", acc: ["a", "b", "c"])) }
        #expect(throws: PPGScopeError.self) { _ = try ChannelMap.roles(of: recording(["p", "b", "c"]), choice: ChannelChoice(acc: ["b", "b", "c"])) }
    }

    /// A reference from another file with its own wall-clock start is moved onto the recording's clock.
    @Test func referenceFromAnotherClockIsAligned() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let reference = Recording(channels: [Channel(name: "HR", samplingRateHz: 1, unit: "bpm", samples: [60, 61, 62, 63])],
                                  timing: SampleTiming(startUnixS: 1_495_437_325 + 5))
        try RecordingIO.write(reference, to: dir.file("ref.edf"))
        let loaded = try RecordingLoader.load(RecordingRequest(path: RecordingFixtures.path("e4"), referenceHRPath: dir.file("ref.edf")))
        let hr = try #require(loaded.recording.referenceHR)
        #expect(hr.timesS == [5, 6, 7, 8], "shifted by the 5 s between the starts")
        #expect(zip(hr.bpm, [60.0, 61, 62, 63]).allSatisfy { abs($0 - $1) <= 3.0 / 65535 }, "within EDF's quantisation: \(hr.bpm)")
        #expect(loaded.referenceSource == dir.file("ref.edf"))
    }

    @Test func heartRateChannelsAreReferencesButDeviceEstimatesAreNot() throws {
        let r = Recording(channels: [Channel(name: "PLETH", samplingRateHz: 125, samples: [0, 1]),
                                     Channel(name: "HR", samplingRateHz: 1, unit: "bpm", samples: [60, 0, 62]),
                                     Channel(name: "device_hr", samplingRateHz: 1, unit: "bpm", samples: [70, 71, 72])])
        let roles = try ChannelMap.roles(of: r)
        #expect(roles.ppg == "PLETH" && roles.referenceChannel == "HR")
        #expect(ChannelMap.canonical(r, roles: roles).referenceHR == HeartRateSeries(timesS: [0, 2], bpm: [60, 62]))
    }
}

@Suite struct EDFWriterTests {
    func recording(rates: [Double] = [64, 32, 1]) -> Recording {
        let channels = rates.enumerated().map { k, rate in
            Channel(name: ["ppg", "acc_x", "HR"][k], samplingRateHz: rate, unit: ["a.u.", "g", "bpm"][k],
                    samples: (0..<Int(10 * rate)).map { Float(sin(Double($0) * 0.37 + Double(k)) * (k == 2 ? 5 : 100) + (k == 2 ? 70 : 0)) })
        }
        return Recording(channels: channels, referenceHR: HeartRateSeries(timesS: [8, 9.5], bpm: [71.25, 72.0625]),
                         timing: SampleTiming(startUnixS: 1_495_437_325))
    }

    /// EDFlib's writer and reader: rates, units, labels, start and reference exact; samples within
    /// one quantisation step, (max − min) / (2^16 − 1) for EDF, / (2^24 − 1) for BDF (EDFlib's
    /// physical → digital conversion errs by up to one step), plus float32 rounding.
    @Test(arguments: [("rec.edf", 65535.0), ("rec.bdf", 16_777_215.0)])
    func roundTripWithinTheQuantisationStep(_ name: String, _ levels: Double) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let r = recording()
        try RecordingIO.write(r, to: dir.file(name))
        let back = try RecordingIO.read(dir.file(name))
        #expect(back.channels.map(\.name) == r.channels.map(\.name) && back.channels.map(\.unit) == r.channels.map(\.unit))
        #expect(back.channels.map(\.samplingRateHz) == r.channels.map(\.samplingRateHz))
        #expect(back.referenceHR == r.referenceHR && back.timing?.startUnixS == 1_495_437_325)
        for (a, b) in zip(back.channels, r.channels) {
            let step = Double(b.samples.max()! - b.samples.min()!) / levels
            let worst = zip(a.samples, b.samples).map { abs(Double($0) - Double($1)) }.max()!
            let float32 = Double(b.samples.map(abs).max()!.ulp)
            #expect(a.samples.count == b.samples.count && worst <= step * 1.0001 + float32, "\(a.name): \(worst) vs step \(step)")
        }
        #expect(dir.contents() == [name])
    }

    @Test func unrepresentableRatesAndLongLabelsLeaveNoFile() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        expectError(file: dir.file("a.edf"), message: "fit no record") { try RecordingIO.write(recording(rates: [64, 33.33, 1]), to: dir.file("a.edf")) }
        var long = recording()
        long.channels[0].name = "a label of more than sixteen"
        expectError(file: dir.file("b.edf"), object: long.channels[0].name, message: "16 ASCII") { try RecordingIO.write(long, to: dir.file("b.edf")) }
        #expect(dir.contents().isEmpty)
        #expect(RecordingEDF.recordDuration(rates: [0.5, 64]) == 2 && RecordingEDF.recordDuration(rates: [0.2, 25]) == 5)
    }
}

/// `RecordingReadOptions.unusedChannels`: the ppgscope HDF5 layout leaves those channels' samples
/// unread (a cohort without motion filter skips the accelerometer) but still checks their metadata.
@Suite struct UnusedChannelTests {
    static func write(_ channels: [Channel], label: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ppgscope-unused-\(label)-\(UInt32.random(in: 0...UInt32.max)).h5").path
        try RecordingIO.write(Recording(channels: channels), to: path)
        return path
    }

    @Test func theAccelerometerIsLeftOutAndThePPGReadAsBefore() throws {
        let ppg = Channel(name: "ppg", samplingRateHz: 32, samples: (0..<320).map { Float($0) })
        let acc = ["acc_x", "acc_y", "acc_z"].map { Channel(name: $0, samplingRateHz: 32, samples: [Float](repeating: 1, count: 320)) }
        let path = try Self.write([ppg] + acc, label: "acc")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let all = try RecordingIO.read(path)
        let some = try RecordingIO.read(path, options: RecordingReadOptions(unusedChannels: ["acc_x", "acc_y", "acc_z"]))
        #expect(all.channels.map(\.name) == ["ppg", "acc_x", "acc_y", "acc_z"])
        #expect(some.channels.map(\.name) == ["ppg"] && some.channels[0].samples == all.channels[0].samples)
        let none = try RecordingIO.read(path, options: RecordingReadOptions(unusedChannels: ["ppg", "acc_x", "acc_y", "acc_z"]))
        #expect(none.channels.count == 4, "every channel unused: all are read (a recording needs one)")
    }

    @Test func anUnusedChannelsMetadataIsStillChecked() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ppgscope-unused-meta-\(UInt32.random(in: 0...UInt32.max)).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try HDF5File.create(path)
        try file.setAttribute("/", "format", string: RecordingHDF5.formatName)
        try file.setAttribute("/", "format_version", double: Double(RecordingHDF5.formatVersion))
        try file.setAttribute("/", "channel_names", strings: ["ppg", "acc_x"])
        try file.write("channels/ppg", shape: [3], floats: [1, 2, 3])
        try file.setAttribute("channels/ppg", "sampling_rate_hz", double: 32)
        try file.write("channels/acc_x", shape: [3], floats: [1, 2, 3])  // no sampling_rate_hz
        file.close()
        #expect(throws: PPGScopeError.self) { try RecordingIO.read(path, options: RecordingReadOptions(unusedChannels: ["acc_x"])) }
    }
}
