import Foundation
import PPGFormats
import PPGSignals
import Testing

/// convert, synth, hr and inspect end to end through the binary: outputs, exit codes, messages.
@Suite struct RecordingCommandTests {
    @Test func synthThenInfoShowsTheGroundTruthHeartRate() throws {
        let dir = try CLI.temporaryDirectory("synth")
        let r = try CLI.run(["synth", "--hr", "90", "--duration", "40", "--motion", "arm-swing", "--out", dir + "/s.wav"])
        #expect(r.status == 0, "\(r.stderr)")
        let info = try CLI.run(["info", dir + "/s.wav"])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("acc_x") && info.stdout.contains("90.0–90.0 BPM"), "\(info.stdout)")
    }

    @Test func convertRoundTripsThroughEveryFormat() throws {
        let dir = try CLI.temporaryDirectory("convert")
        #expect(try CLI.run(["synth", "--hr", "70", "--duration", "20", "--out", dir + "/a.h5"]).status == 0)
        for ext in ["csv", "wav", "flac"] {
            let r = try CLI.run(["convert", dir + "/a.h5", dir + "/b.\(ext)"])
            #expect(r.status == 0, "\(ext): \(r.stderr)")
        }
        let a = try RecordingIO.read(dir + "/a.h5"), csv = try RecordingIO.read(dir + "/b.csv"), wav = try RecordingIO.read(dir + "/b.wav")
        #expect(csv == a && wav == a, "CSV and float WAV are exact")
    }

    @Test func missingEmptyAndNaNInputsAreClearErrorsWithoutOutput() throws {
        let dir = try CLI.temporaryDirectory("bad")
        let missing = try CLI.run(["convert", dir + "/nope.h5", dir + "/out.csv"])
        #expect(missing.status == 1 && missing.stderr.contains("nope.h5") && missing.stderr.contains("no such file"), "\(missing.stderr)")
        FileManager.default.createFile(atPath: dir + "/empty.h5", contents: Data())
        let empty = try CLI.run(["convert", dir + "/empty.h5", dir + "/out.csv"])
        #expect(empty.status == 1 && empty.stderr.contains("empty.h5"), "\(empty.stderr)")
        try "# sampling_rate_hz=32\nppg\n1\nnan\n3\n".write(toFile: dir + "/nan.csv", atomically: true, encoding: .utf8)
        let nan = try CLI.run(["convert", dir + "/nan.csv", dir + "/out.h5"])
        #expect(nan.status == 1 && nan.stderr.contains("nan.csv"), "\(nan.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("out") || $0.hasPrefix(".out") }
        #expect(left.isEmpty, "no partial output: \(left)")
    }

    @Test func withoutAccelerometerTheDefaultFilterIsSkippedAndAnExplicitOneRefused() throws {
        let dir = try CLI.temporaryDirectory("hrnoacc")
        #expect(try CLI.run(["synth", "--hr", "80", "--duration", "30", "--out", dir + "/p.h5"]).status == 0)
        let r = try CLI.run(["hr", "--recording", dir + "/p.h5", "--estimator", "spectral", "--filter", "exact", "--out", dir + "/hr.csv"])
        #expect(r.status == 1 && r.stderr.contains("p.h5") && r.stderr.contains("--filter none"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/hr.csv"))
        let skipped = try CLI.run(["hr", "--recording", dir + "/p.h5", "--estimator", "spectral"])
        #expect(skipped.status == 0 && skipped.stderr.contains("motion-artefact filter was skipped"), "\(skipped.stderr)")
        let ok = try CLI.run(["hr", "--recording", dir + "/p.h5", "--estimator", "spectral", "--filter", "none", "--out", dir + "/hr.csv", "--json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let csv = try String(contentsOfFile: dir + "/hr.csv", encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(csv.first == "window,start_s,end_s,hr_bpm,hr_std_bpm,p_within,spectral_bpm,reference_bpm,peaks_bpm,sqi,best_bpm,best_source")
        #expect(csv.count == 1 + 12)
        let json = try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any]
        let mae = (json?["spectral_metrics"] as? [String: Any])?["mae"] as? Double
        #expect(mae.map { $0 < 2 } ?? false, "spectral MAE on a clean 80 BPM signal: \(String(describing: mae))")
    }

    @Test func badOptionValuesAreUsageErrors() throws {
        let r = try CLI.run(["hr", "--recording", "x.h5", "--filter", "magic", "--estimator", "spectral"])
        #expect(r.status == 64)
    }

    @Test func inspectWritesTheReport() throws {
        let dir = try CLI.temporaryDirectory("inspect")
        let r = try CLI.run(["inspect", "--model", "models/relu_dc_model_S5.h5", "--recording", "data/ppg_dalia_S6_stairs.h5",
                             "--windows", "0:24", "--out", dir + "/report"])
        #expect(r.status == 0, "\(r.stderr)")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/report"))
        for f in ["summary.json", "spectra.h5", "index.html", "layer_map.svg", "dc_prominence.svg", "spectrogram.svg", "dc_ablation.svg",
                  "dc_added_by_activation.svg"] {
            #expect(files.contains(f), "\(f) missing")
        }
        #expect(files.contains { $0.hasPrefix("fig3_") })
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/report/summary.json"))) as? [String: Any]
        #expect((summary?["windows"] as? Int) == 24)
        let layers = summary?["layers"] as? [[String: Any]] ?? []
        #expect(layers.count == 23, "12 block layers, 9 conv pre-activations, attention and normalisation")
        #expect(layers.first?["samplingRateHz"] as? Double == 32 && layers.last?["samplingRateHz"] as? Double == 2)
        let activated = layers.filter { $0["dcAddedByActivation"] is Double }
        #expect(activated.count == 9 && activated.allSatisfy { $0["activation"] as? String == "relu" }, "the 9 ReLU convs")
        #expect(r.stdout.contains("DC added by the activation"))
    }
}
