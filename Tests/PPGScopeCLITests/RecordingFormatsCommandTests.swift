import Foundation
import Testing

/// Recordings from anywhere through the binary: the S6 recording written by other formats' own
/// writers, bad inputs, channel options, gaps, and what `info` says.
@Suite struct RecordingFormatsCommandTests {
    static let fixtures = "Tests/PPGFormatsTests/Fixtures/recordings"
    static let s6Formats = "data/s6-formats"
    /// KID-PPG's MAE on S6 in the project's own layout (exact filter): `hr` prints 2.911.
    static let s6ModelMAE = 2.911

    /// The model's MAE from `hr --json`, or nil when there is no reference.
    func modelMAE(_ arguments: [String]) throws -> Double? {
        let r = try CLI.run(["hr", "--model", "models/kid_ppg_weights.h5", "--json"] + arguments)
        #expect(r.status == 0, "\(arguments): \(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return (json?["model_metrics"] as? [String: Any])?["mae"] as? Double
    }

    /// S6 as an E4 export (folder, zip), EDF+ (pyEDFlib) and WFDB (wfdb-python), made by
    /// scripts/make-s6-formats: the model's MAE stays within 0.3 BPM of 2.911. The E4 export's
    /// reference comes from --reference-hr (its HR.csv is the device's estimate, deliberately 20 BPM
    /// off, and must not be used), EDF+'s from its HR signal, WFDB's from a numerics record.
    @Test(arguments: [["s6_e4", "--reference-hr", "s6_reference.csv"], ["s6_e4.zip", "--reference-hr", "s6_reference.csv"],
                      ["s6.edf"], ["s6.hea", "--reference-hr", "s6_numerics.hea"]])
    func s6InOtherFormatsKeepsTheModelMAE(_ arguments: [String]) throws {
        let source = "\(CLI.repository)/\(Self.s6Formats)/\(arguments[0])"
        guard FileManager.default.fileExists(atPath: source) else {
            Issue.record("\(source) is missing: run scripts/make-s6-formats (make test does)")
            return
        }
        var args = ["--recording", source]
        if arguments.count == 3 { args += [arguments[1], "\(CLI.repository)/\(Self.s6Formats)/\(arguments[2])"] }
        let mae = try modelMAE(args)
        #expect(mae.map { abs($0 - Self.s6ModelMAE) <= 0.3 } == true, "\(arguments[0]): MAE \(mae.map { "\($0)" } ?? "none")")
    }

    /// ppgscope's own EDF+ writer (EDFlib) on S6: the model's MAE is unchanged to the printed digit.
    @Test func s6ConvertedToEDFKeepsTheModelMAE() throws {
        let dir = try CLI.temporaryDirectory("s6-edf")
        let convert = try CLI.run(["convert", "data/ppg_dalia_S6_stairs.h5", dir + "/s6.edf"])
        #expect(convert.status == 0, "\(convert.stderr)")
        let mae = try modelMAE(["--recording", dir + "/s6.edf"])
        #expect(mae.map { abs($0 - Self.s6ModelMAE) < 0.0005 } == true, "\(mae.map { "\($0)" } ?? "none")")
    }

    @Test func e4DeviceHeartRateIsNeverTheReference() throws {
        let source = "\(CLI.repository)/\(Self.s6Formats)/s6_e4"
        guard FileManager.default.fileExists(atPath: source) else {
            Issue.record("\(source) is missing: run scripts/make-s6-formats (make test does)")
            return
        }
        #expect(try modelMAE(["--recording", source]) == nil)
    }

    /// Each bad input: exit 1, the file and the problem named, no output file left.
    @Test(arguments: [("bad_time.csv", "is not a finite number"), ("backwards.csv", "time goes backwards"),
                      ("duplicate.csv", "duplicate time stamp"), ("e4_no_bvp.zip", "no BVP.csv"),
                      ("missing_dat.hea", "does not exist"), ("truncated.edf", "truncated"),
                      ("ambiguous.csv", "several channels could be the PPG (ppg_green, ppg_red, ppg_ir)"),
                      ("headerless.csv", "--rate")])
    func badInputIsAClearErrorWithoutOutput(_ name: String, _ message: String) throws {
        let dir = try CLI.temporaryDirectory("bad-recording")
        let input = "\(Self.fixtures)/\(name)"
        let hr = try CLI.run(["hr", "--recording", input, "--estimator", "spectral", "--out", dir + "/hr.csv"])
        #expect(hr.status == 1 && hr.stderr.contains(input) && hr.stderr.contains(message), "\(name): \(hr.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(!hr.stderr.contains("Fatal error") && left.isEmpty, "\(left)")
        if name != "ambiguous.csv" {  // convert does not need a PPG
            let convert = try CLI.run(["convert", input, dir + "/out.h5"])
            #expect(convert.status == 1 && convert.stderr.contains(message), "\(name): \(convert.stderr)")
            let after = try FileManager.default.contentsOfDirectory(atPath: dir)
            #expect(after.isEmpty, "\(after)")
        }
    }

    @Test func namedChannelsResolveAnAmbiguousMap() throws {
        let r = try CLI.run(["info", "\(Self.fixtures)/ambiguous.csv", "--ppg", "ppg_green"])
        #expect(r.status == 0 && r.stdout.contains("used as PPG: ppg_green (named)"), "\(r.stdout)\(r.stderr)")
        let bad = try CLI.run(["hr", "--recording", "\(Self.fixtures)/ambiguous.csv", "--estimator", "spectral", "--ppg", "nope"])
        #expect(bad.status == 1 && bad.stderr.contains("no channel \"nope\"") && bad.stderr.contains("ppg_ir (64 Hz, a.u.)"), "\(bad.stderr)")
    }

    /// `info` on any input: channels, rates, duration, jitter, segments and the roles.
    @Test func infoShowsTimingSegmentsAndRoles() throws {
        let r = try CLI.run(["info", "\(Self.fixtures)/datetime_gap.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        for text in ["pleth", "100", "duration 12.00 s", "jitter 1.", "segments: 2", "used as PPG: pleth (label)", "used as ACC: none", "used as reference: none"] {
            #expect(r.stdout.contains(text), "missing \(text): \(r.stdout)")
        }
        let edf = try CLI.run(["info", "\(Self.fixtures)/small.edf"])
        #expect(edf.stdout.contains("used as ACC: ACC X, ACC Y, ACC Z (label)") && edf.stdout.contains("used as reference: channel HR"), "\(edf.stdout)")
        let rate = try CLI.run(["info", "\(Self.fixtures)/headerless.csv", "--rate", "64"])
        #expect(rate.status == 0 && rate.stdout.contains("used as PPG: column1 (only signal)"), "\(rate.stdout)\(rate.stderr)")
    }

    /// A 30 s recording at 32 Hz with time stamps missing from 10 s to 12 s: two segments, and no
    /// window of `hr` reaches into the gap.
    @Test func windowsNeverStraddleAGap() throws {
        let dir = try CLI.temporaryDirectory("gap")
        var text = "time,ppg\n"
        for k in 0..<(30 * 32) {
            let t = Double(k) / 32
            if t >= 10 && t < 12 { continue }
            text += "\(t),\(sin(2 * Double.pi * 1.2 * t))\n"
        }
        try text.write(toFile: dir + "/gap.csv", atomically: true, encoding: .utf8)
        let r = try CLI.run(["hr", "--recording", dir + "/gap.csv", "--estimator", "spectral", "--out", dir + "/hr.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        // `#` lines carry the input conditioning; then the header, then a row per window.
        let rows = try String(contentsOfFile: dir + "/hr.csv", encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") }.dropFirst()
        let spans = rows.map { row -> (Double, Double) in
            let cells = row.split(separator: ",", omittingEmptySubsequences: false)
            return (Double(cells[1])!, Double(cells[2])!)
        }
        #expect(spans.count == 2 + 6, "segment 0–10 s: 2 windows; 12–30 s: 6 windows; found \(spans)")
        #expect(spans.allSatisfy { $0.1 <= 10 + 1e-9 || $0.0 >= 12 - 1e-9 }, "\(spans)")
        #expect(spans.allSatisfy { row in row.1 - row.0 == 8 })
        let spectral = rows.map { Double($0.split(separator: ",", omittingEmptySubsequences: false)[6]) }
        #expect(spectral.allSatisfy { $0.map { abs($0 - 72) < 4 } ?? false }, "1.2 Hz = 72 BPM: \(spectral)")
    }
}
