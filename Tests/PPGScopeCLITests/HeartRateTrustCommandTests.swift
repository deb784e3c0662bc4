import Foundation
import Testing

/// `hr` on a recording from another device: conditioning printed and stored, beats, report, errors.
@Suite struct HeartRateTrustCommandTests {
    @Test func aFingerLikeRecordingIsConditionedAndReported() throws {
        let dir = try CLI.temporaryDirectory("hrtrust")
        #expect(try CLI.run(["synth", "--hr", "59", "--duration", "40", "--rate", "100", "--polarity", "inverted",
                             "--offset", "515", "--scale", "100", "--out", dir + "/finger.h5"]).status == 0)
        let r = try CLI.run(["hr", "--recording", dir + "/finger.h5", "--model", "models/kid_ppg_weights.h5", "--out", dir + "/hr.csv",
                             "--beats", dir + "/beats.csv", "--report", dir + "/report", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let conditioning = try #require(json["conditioning"] as? [String: Any])
        #expect(conditioning["flipped"] as? Bool == true && conditioning["baselineRemoved"] as? Bool == true)
        #expect(conditioning["detectedPolarity"] as? String == "inverted")
        for key in ["model_metrics", "peaks_metrics", "spectral_metrics", "best_metrics"] {
            let mae = (json[key] as? [String: Any])?["mae"] as? Double
            #expect(mae.map { $0 < 3 } ?? false, "\(key) MAE \(String(describing: mae)) on a clean 59 BPM signal")
        }
        let lines = try String(contentsOfFile: dir + "/hr.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.first?.hasPrefix("# ppgscope hr: input conditioning") == true)
        #expect(lines.contains { $0.contains("flipped to upright") })
        let rows = lines.filter { !$0.hasPrefix("#") }
        #expect(rows.first == "window,start_s,end_s,hr_bpm,hr_std_bpm,p_within,spectral_bpm,reference_bpm,peaks_bpm,sqi,best_bpm,best_source")
        #expect(rows.count == 1 + 17)
        let beats = try String(contentsOfFile: dir + "/beats.csv", encoding: .utf8).split(separator: "\n")
        #expect(beats.first == "time_s,ibi_s,accepted" && abs(beats.count - 1 - 39) <= 1, "\(beats.count - 1) beats in 40 s at 59 BPM")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/report"))
        for f in ["index.html", "hr_over_time.svg", "sqi.svg", "bland_altman_model.svg", "bland_altman_peaks.svg", "bland_altman_best.svg"] {
            #expect(files.contains(f), "\(f) missing")
        }
        let html = try String(contentsOfFile: dir + "/report/index.html", encoding: .utf8)
        #expect(html.contains("flipped to upright"))
    }

    @Test func inspectConditionsTheInputAsHrDoes() throws {
        let dir = try CLI.temporaryDirectory("inspectcond")
        #expect(try CLI.run(["synth", "--hr", "59", "--duration", "24", "--rate", "100", "--polarity", "inverted",
                             "--offset", "515", "--scale", "100", "--out", dir + "/finger.h5"]).status == 0)
        let r = try CLI.run(["inspect", "--model", "models/kid_ppg_weights.h5", "--recording", dir + "/finger.h5", "--no-ablation", "--out", dir + "/report"])
        #expect(r.status == 0 && r.stderr.contains("flipped to upright") && r.stderr.contains("baseline"), "\(r.stderr)")
        let kept = try CLI.run(["inspect", "--model", "models/kid_ppg_weights.h5", "--recording", dir + "/finger.h5", "--no-ablation",
                                "--polarity", "as-is", "--scale", "none", "--out", dir + "/report2"])
        #expect(kept.status == 0 && kept.stderr.contains("warning: input outside the model's training data: polarity"), "\(kept.stderr)")
    }

    @Test func withoutAModelTheClassicalEstimatorsStillGiveBestBPM() throws {
        let dir = try CLI.temporaryDirectory("hrclassical")
        #expect(try CLI.run(["synth", "--hr", "90", "--duration", "30", "--rate", "50", "--out", dir + "/p.h5"]).status == 0)
        let r = try CLI.run(["hr", "--recording", dir + "/p.h5", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let best = try #require(json["best_metrics"] as? [String: Any])
        #expect((best["mae"] as? Double).map { $0 < 1 } ?? false && best["windows"] as? Int == 12, "\(best)")
        #expect((json["bestSources"] as? [String: Int])?["model"] == 0)
    }

    @Test func outOfDistributionInputIsWarnedAbout() throws {
        let dir = try CLI.temporaryDirectory("hrood")
        #expect(try CLI.run(["synth", "--hr", "70", "--duration", "30", "--polarity", "inverted", "--out", dir + "/p.h5"]).status == 0)
        let r = try CLI.run(["hr", "--recording", dir + "/p.h5", "--model", "models/kid_ppg_weights.h5", "--polarity", "as-is", "--scale", "none", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning: input outside the model's training data: amplitude"), "\(r.stderr)")
        #expect(r.stderr.contains("warning: input outside the model's training data: polarity"), "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((json["warnings"] as? [String])?.count ?? 0 >= 2)
        #expect((json["bestSources"] as? [String: Int])?["model"] == 0, "an out-of-distribution model never gives best_bpm")
    }

    @Test func badConditioningValuesAreUsageErrors() throws {
        for args in [["--polarity", "sideways"], ["--scale", "-2"], ["--estimator", "magic"], ["--sqi-min", "2"]] {
            let r = try CLI.run(["hr", "--recording", "x.h5"] + args)
            #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
        }
        let dir = try CLI.temporaryDirectory("hrbad")
        let r = try CLI.run(["hr", "--recording", dir + "/missing.h5", "--report", dir + "/report", "--beats", dir + "/b.csv"])
        #expect(r.status == 1 && r.stderr.contains("missing.h5"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/report") && !FileManager.default.fileExists(atPath: dir + "/b.csv"))
    }

    @Test func synthRefusesBadDeviceOptions() throws {
        for args in [["--polarity", "up"], ["--scale", "0"], ["--clip", "0.6"], ["--dropouts", "-1"]] {
            let r = try CLI.run(["synth", "--out", "/tmp/never.h5"] + args)
            #expect(r.status == 64, "\(args)")
        }
    }
}
