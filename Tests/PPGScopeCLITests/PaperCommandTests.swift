import Foundation
import Testing

/// `ppgscope paper` experiments: the output directory is written atomically and the Keras reference
/// files are checked.
@Suite struct PaperCommandTests {
    /// Names in `directory` that look like a temporary output (".<name>.tmp-<pid>").
    func leftovers(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".tmp-") }
    }

    @Test(arguments: ["relu-series", "toy-networks"])
    func experimentReplacesItsOutputDirectoryAndLeavesNoTemporary(experiment: String) throws {
        let dir = try CLI.temporaryDirectory("paper-\(experiment)")
        let out = dir + "/nested/\(experiment)"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: URL(fileURLWithPath: out + "/stale.txt"))
        let r = try CLI.run(["paper", experiment, "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("wrote \(out)/summary.json"))
        let files = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(files.contains("summary.json") && files.contains("index.html"), "\(files)")
        #expect(!files.contains("stale.txt"), "the directory is replaced as a whole")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
        #expect(summary is [String: Any])
        #expect(try leftovers(dir + "/nested").isEmpty)
        #expect(try leftovers(out).isEmpty)
    }

    @Test func activationsWritesItsTablesAndFiguresAtomically() throws {
        let dir = try CLI.temporaryDirectory("paper-activations")
        let out = dir + "/activations"
        let r = try CLI.run(["paper", "activations", "--max-amplitude", "1", "--points-per-decade", "1", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("| relu | 0 | 0.03183, 0.3183"), "relu's DC is A/π: \(r.stdout)")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        #expect(files == ["summary.json", "index.html", "single-tone.csv", "two-tone.csv", "activations-dc.svg",
                          "activations-second-harmonic.svg", "activations-difference-line.svg"], "\(files)")
        let csv = try String(contentsOfFile: out + "/single-tone.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.first?.hasPrefix("activation,amplitude,dc,dc_minus_f0,c1,c2,c3,c4,c5,") == true)
        #expect(csv.count == 1 + 14 * 3, "14 activations × A = 0.01, 0.1, 1")
        #expect(try leftovers(dir).isEmpty)
        let bad = try CLI.run(["paper", "activations", "--min-amplitude", "0", "--out", dir + "/bad"])
        #expect(bad.status == 64 && bad.stderr.contains("--min-amplitude"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad"))
    }

    @Test func malformedKerasReferenceIsAnErrorNamingTheFileBeforeTraining() throws {
        let dir = try CLI.temporaryDirectory("paper-keras")
        let csv = dir + "/bad_keras.csv"
        try Data("repetition,model,epoch,loss,conv1_distance,conv2_distance\n0,relu,1,oops,0.1,0.2\n".utf8)
            .write(to: URL(fileURLWithPath: csv))
        let r = try CLI.run(["paper", "dc-training", "--repetitions", "1", "--epochs", "1", "--keras-csv", csv, "--out", dir + "/dc"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("bad_keras.csv") && r.stderr.contains("line 2"), "\(r.stderr)")
        #expect(!r.stdout.contains("repetition 0 done"), "the reference is read before training")
        #expect(!FileManager.default.fileExists(atPath: dir + "/dc"))
    }

    @Test func explicitlyRequestedKerasFileMustExist() throws {
        let dir = try CLI.temporaryDirectory("paper-keras-missing")
        let r = try CLI.run(["paper", "dc-training", "--repetitions", "1", "--epochs", "1",
                             "--keras-json", dir + "/missing.json", "--out", dir + "/dc"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("missing.json") && r.stderr.contains("no such file"), "\(r.stderr)")
    }
}
