import Foundation
import PPGFormats
import PPGSignals
import Testing

/// A continuous 4-channel 32 Hz recording exactly N windows long: (N − 1) · 64 + 256 samples.
func continuousForWindows(_ n: Int, seed: UInt64 = 4) throws -> Recording {
    let samples = (n - 1) * 64 + 256
    var r = try Synth.ppg(PPGSynthesisOptions(durationS: Double(samples) / 32, heartRate: .linearRamp(fromBPM: 100, toBPM: 140),
                                              seed: seed, motion: MotionSynthesis(pattern: .armSwing(cadenceHz: 1.8))))
    r.metadata = [:]
    return r
}

@Suite struct DaLiATests {
    @Test func windowsRebuildTheContinuousSignals() throws {
        let n = 12
        let original = try continuousForWindows(n)
        let cut = try RecordingDaLiA.windows(of: original)
        #expect(cut.windows == n && cut.channels == 4)
        #expect(cut.x.count == n * 4 * 256)
        let y = (0..<n).map { 100 + Double($0) }
        let rebuilt = try RecordingDaLiA.fromWindows(x: cut.x, windows: n, y: y)
        #expect(rebuilt.channels.map(\.name) == ["ppg", "acc_x", "acc_y", "acc_z"])
        #expect(rebuilt.channels.map(\.unit) == ["a.u.", "g", "g", "g"])
        for (a, b) in zip(rebuilt.channels, original.channels) {
            #expect(a.samples == b.samples, "\(a.name)")
            #expect(a.samples.count == (n - 1) * 64 + 256)
            #expect(a.samplingRateHz == 32)
        }
        // y(n) sits at window n's end: t = (n · 64 + 256) / 32 s.
        let hr = try #require(rebuilt.referenceHR)
        let ends: [Double] = (0..<n).map { w in Double(w * 64 + 256) / 32 }
        #expect(hr.timesS == ends)
        #expect(hr.timesS.first == 8 && hr.timesS.last == 30)
        #expect(hr.bpm == y)
        #expect(rebuilt.metadata["layout"] == "dalia-windows")
    }

    /// One sample of window 5, channel acc_y, that window 4 also covers, is changed: refused,
    /// naming the window and the channel.
    @Test func inconsistentOverlapIsRefused() throws {
        let n = 8
        var x = try RecordingDaLiA.windows(of: try continuousForWindows(n)).x
        let w = 5, c = 2, j = 10  // t = 330 / 32 s: also in windows 2 (first), 3 and 4
        x[(w * 4 + c) * 256 + j] += 0.001
        let y = [Double](repeating: 80, count: n)
        let error = #expect(throws: PPGScopeError.self) { try RecordingDaLiA.fromWindows(x: x, windows: n, y: y) }
        #expect(error?.message.contains("window 5, channel 2 (acc_y)") == true, "\(error?.description ?? "")")
        #expect(error?.message.contains("window 2 has") == true, "\(error?.description ?? "")")
        #expect(error?.object == "X")
    }

    @Test func doubleWindowsUseARelativeTolerance() throws {
        let n = 6
        let x = try RecordingDaLiA.windows(of: try continuousForWindows(n)).x.map(Double.init)
        let peak = x.map(abs).max() ?? 1
        var nearly = x
        nearly[(3 * 4 + 0) * 256 + 5] += 0.5e-6 * peak  // within 1e-6 · max|x|
        let y = [Double](repeating: 80, count: n)
        let r = try RecordingDaLiA.fromWindows(x: nearly, windows: n, y: y)
        #expect(r.channels[0].samples.count == 576)
        var off = x
        off[(3 * 4 + 0) * 256 + 5] += 1e-5 * peak
        let error = #expect(throws: PPGScopeError.self) { try RecordingDaLiA.fromWindows(x: off, windows: n, y: y) }
        #expect(error?.message.contains("window 3, channel 0 (ppg)") == true)
    }

    @Test func badShapesAndValuesAreRefused() throws {
        let x = [Float](repeating: 1, count: 2 * 4 * 256)
        #expect(throws: PPGScopeError.self) { try RecordingDaLiA.fromWindows(x: x, windows: 3, y: [1, 2, 3]) }
        #expect(throws: PPGScopeError.self) { try RecordingDaLiA.fromWindows(x: x, windows: 2, y: [80]) }
        #expect(throws: PPGScopeError.self) { try RecordingDaLiA.fromWindows(x: x, windows: 2, y: [80, .nan]) }
        #expect(throws: PPGScopeError.self) { try RecordingDaLiA.fromWindows(x: x, windows: 2, y: [80, 81], activity: [1]) }
        var nan = x
        nan[300] = .nan
        let error = #expect(throws: PPGScopeError.self) { try RecordingDaLiA.fromWindows(x: nan, windows: 2, y: [80, 81]) }
        #expect(error?.message.contains("window 0, channel 1") == true)
    }

    /// The windowed HDF5 layout (X [N, 4, 256] float32, y [N, 1], activity [N]) is detected and
    /// read by RecordingIO, and RecordingDaLiA.write produces a file that reads back the same.
    @Test func windowedHDF5FileIsDetectedAndRead() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let n = 10
        let original = try continuousForWindows(n)
        let cut = try RecordingDaLiA.windows(of: original)
        let path = dir.file("S6.h5")
        do {
            let file = try HDF5File.create(path)
            try file.write("X", shape: [n, 4, 256], floats: cut.x)
            try file.write("y", shape: [n, 1], doubles: (0..<n).map { 120 + 0.5 * Double($0) })
            try file.write("activity", shape: [n], doubles: (0..<n).map { Double($0 / 4) })
            try file.setAttribute("/", "subject", string: "S6")
            file.close()
        }
        let r = try RecordingIO.read(path)
        #expect(r.channels.map(\.samples) == original.channels.map(\.samples))
        #expect(r.referenceHR?.bpm.first == 120)
        #expect(r.metadata["window_activity"] == "0,0,0,0,1,1,1,1,2,2")
        #expect(r.metadata["subject"] == "S6")

        let again = dir.file("again.h5")
        try RecordingDaLiA.write(r, to: again)
        let file = try HDF5File.open(again)
        #expect(try file.shape("X") == [n, 4, 256])
        #expect(try file.readFloats("X").values == cut.x)
        #expect(try file.readDoubles("activity").values == (0..<n).map { Double($0 / 4) })
        file.close()
        #expect(try RecordingIO.read(again) == r)

        // And a conversion to the ppgscope layout keeps everything.
        let converted = dir.file("converted.h5")
        try RecordingIO.write(r, to: converted)
        #expect(try RecordingIO.read(converted) == r)
    }

    @Test func windowedFileErrorsNameTheDataset() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let x = try RecordingDaLiA.windows(of: try continuousForWindows(3)).x
        let noY = dir.file("noy.h5")
        do {
            let file = try HDF5File.create(noY)
            try file.write("X", shape: [3, 4, 256], floats: x)
            file.close()
        }
        expectError(file: noY, object: "y", message: "missing dataset") { _ = try RecordingIO.read(noY) }

        let wrongY = dir.file("wrongy.h5")
        do {
            let file = try HDF5File.create(wrongY)
            try file.write("X", shape: [3, 4, 256], floats: x)
            try file.write("y", shape: [2], doubles: [80, 81])
            file.close()
        }
        expectError(file: wrongY, object: "y", message: "expected shape [3] or [3, 1]") { _ = try RecordingIO.read(wrongY) }

        var broken = x
        broken[(2 * 4 + 3) * 256 + 0] += 1  // window 2 starts inside window 1
        let overlap = dir.file("overlap.h5")
        do {
            let file = try HDF5File.create(overlap)
            try file.write("X", shape: [3, 4, 256], floats: broken)
            try file.write("y", shape: [3], doubles: [80, 81, 82])
            file.close()
        }
        expectError(file: overlap, object: "X", message: "window 2, channel 3 (acc_z)") { _ = try RecordingIO.read(overlap) }
    }
}
