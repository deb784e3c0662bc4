import Foundation
import Testing

/// `batch` and `merge` end to end through the binary: per-recording and cohort files, failures,
/// resume after SIGKILL, shards merged bit for bit, and every refusal with its message.
@Suite struct BatchCommandTests {
    static let model = "models/relu_dc_model_S5.h5"

    /// A cohort in `dir`: three synthetic recordings with accelerometer and reference (two share
    /// the file name s.h5), one PPG-only recording without reference, and a manifest with labels.
    func cohort(_ label: String) throws -> (dir: String, manifest: String) {
        let dir = try CLI.temporaryDirectory(label)
        for sub in ["a", "b"] { try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true) }
        for (hr, seed, path) in [(75, 1, "a/s.h5"), (95, 2, "b/s.h5"), (120, 3, "c.h5")] {
            let r = try CLI.run(["synth", "--hr", "\(hr)", "--duration", "40", "--motion", "arm-swing", "--seed", "\(seed)", "--out", "\(dir)/\(path)"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        #expect(try CLI.run(["synth", "--cosines", "1.5", "--duration", "30", "--out", "\(dir)/noref.h5"]).status == 0)
        let manifest = "path,reference_hr,subject,activity\na/s.h5,,S1,walk\nb/s.h5,,S2,walk\nc.h5,,S1,run\nnoref.h5,,S3,rest\n"
        try manifest.write(toFile: dir + "/cohort.csv", atomically: true, encoding: .utf8)
        return (dir, dir + "/cohort.csv")
    }

    func json(_ path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    /// Every file under `dir` (relative path → bytes), provenance.json aside.
    func files(_ dir: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: dir)!
        while let name = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDirectory)
            if !isDirectory.boolValue && name != "provenance.json" { result[name] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)) }
        }
        return result
    }

    @Test func cohortHasARowPerRecordingPooledMetricsLabelsAndFailures() throws {
        let (dir, manifest) = try cohort("batch")
        try "path,reference_hr,subject,activity\n".appending(try String(contentsOfFile: manifest, encoding: .utf8).split(separator: "\n").dropFirst()
            .joined(separator: "\n")).appending("\nmissing.h5,,S4,rest\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["synth", "--hr", "70", "--duration", "5", "--out", dir + "/short.h5"]).status == 0)
        try (try String(contentsOfFile: manifest, encoding: .utf8) + "short.h5,,S4,rest\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        let r = try CLI.run(["batch", "--model", Self.model, "--manifest", manifest, "--out", dir + "/out"])
        #expect(r.status == 1, "a failed recording makes the exit status 1")
        #expect(r.stderr.contains("missing.h5: no such file") && r.stderr.contains("shorter than one 8 s window"), "\(r.stderr)")
        let recordings = Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/out/recordings"))
        #expect(recordings.count == 4 && recordings.contains("c") && recordings.contains("noref"), "\(recordings)")
        #expect(recordings.filter { $0.hasPrefix("s-") }.count == 2, "two inputs named s.h5 get distinct names")
        for name in recordings {
            let csv = try String(contentsOfFile: "\(dir)/out/recordings/\(name)/hr.csv", encoding: .utf8)
            // As `hr --out`: '#' lines with the conditioning, then the header.
            #expect(csv.split(separator: "\n").first { !$0.hasPrefix("#") }?.hasPrefix("window,start_s,end_s,hr_bpm") == true)
        }
        let failures = try String(contentsOfFile: dir + "/out/failures.csv", encoding: .utf8).split(separator: "\n")
        #expect(failures.count == 3 && failures[1].hasPrefix("\"missing\"") && failures[2].hasPrefix("\"short\""), "\(failures)")

        let cohort = try json(dir + "/out/cohort.json")
        #expect(cohort["recordings"] as? Int == 6 && cohort["processed"] as? Int == 4 && cohort["failed"] as? Int == 2)
        let rows = try #require(cohort["rows"] as? [[String: Any]])
        #expect(rows.map { $0["key"] as? String ?? "" } == rows.map { $0["key"] as? String ?? "" }.sorted(), "rows in key order")
        let noref = try #require(rows.first { $0["key"] as? String == "noref" })
        #expect(noref["metrics"] == nil, "no reference: metrics absent, not zero")
        #expect((noref["conditioningNote"] as? String)?.contains("motion-artefact filter was skipped") == true)
        let c = try #require(rows.first { $0["key"] as? String == "c" })
        let cModel = try #require((c["metrics"] as? [String: Any])?["model"] as? [String: Any])
        // Pooled over the three referenced recordings' windows: the windows add up.
        let pooled = try #require((cohort["pooled"] as? [String: Any])?["model"] as? [String: Any])
        let perRecording = rows.compactMap { (($0["metrics"] as? [String: Any])?["model"] as? [String: Any])?["windows"] as? Int }
        #expect(pooled["windows"] as? Int == perRecording.reduce(0, +) && perRecording.count == 3)
        #expect((pooled["limitsOfAgreement"] as? [Double])?.count == 2 && cModel["mae"] is Double)
        let bySubject = try #require((cohort["byLabel"] as? [String: Any])?["subject"] as? [String: Any])
        let s1 = try #require(bySubject["S1"] as? [String: Any])
        #expect(s1["recordings"] as? Int == 2)
        let s1Windows = ((s1["metrics"] as? [String: Any])?["model"] as? [String: Any])?["windows"] as? Int
        #expect(s1Windows == perRecording.reduce(0, +) - (((rows.first { ($0["key"] as? String)?.hasPrefix("s-") == true && ($0["labels"] as? [String: String])?["subject"] == "S2" }?["metrics"] as? [String: Any])?["model"] as? [String: Any])?["windows"] as? Int ?? -1))
        // provenance.json says where the time went: every phase measured, none negative.
        let phases = try #require(try json(dir + "/out/provenance.json")["phases"] as? [String: Double])
        #expect(Set(phases.keys) == ["setup", "reading", "processing", "report"] && phases.values.allSatisfy { $0 >= 0 }, "\(phases)")
        #expect(phases["processing"]! > 0 && phases["reading"]! > 0, "\(phases)")
        let html = try String(contentsOfFile: dir + "/out/index.html", encoding: .utf8)
        for figure in ["per_recording_mae.svg", "bland_altman.svg", "mae_by_subject.svg", "mae_by_activity.svg"] {
            #expect(html.contains(figure) && FileManager.default.fileExists(atPath: dir + "/out/" + figure), "\(figure)")
        }
    }

    @Test func aManifestReferenceFileIsUsedAndAnUnreadableFileFailsAlone() throws {
        let dir = try CLI.temporaryDirectory("reference")
        #expect(try CLI.run(["synth", "--cosines", "1.5", "--duration", "30", "--out", dir + "/cos.h5"]).status == 0)
        try "time_s,bpm\n0,90\n30,90\n".write(toFile: dir + "/cos_hr.csv", atomically: true, encoding: .utf8)
        try Data("not an HDF5 file at all".utf8).write(to: URL(fileURLWithPath: dir + "/garbage.h5"))
        try "path,reference_hr\ncos.h5,cos_hr.csv\ngarbage.h5,\n".write(toFile: dir + "/m.csv", atomically: true, encoding: .utf8)
        let r = try CLI.run(["batch", "--estimator", "spectral", "--manifest", dir + "/m.csv", "--out", dir + "/out"])
        #expect(r.status == 1 && r.stderr.contains("garbage.h5") && r.stderr.contains("not an HDF5 file"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/out/recordings") == ["cos"], "the unreadable file leaves no output")
        let rows = try #require(try json(dir + "/out/cohort.json")["rows"] as? [[String: Any]])
        let spectral = try #require(((rows.first { $0["key"] as? String == "cos" })?["metrics"] as? [String: Any])?["spectral"] as? [String: Any])
        #expect((spectral["mae"] as? Double).map { $0 < 1 } == true, "a 1.5 Hz cosine against the file's 90 BPM: \(spectral)")
    }

    @Test func shardsMergeToTheUnshardedRunBitForBit() throws {
        let (dir, manifest) = try cohort("shards")
        let whole = try CLI.run(["batch", "--model", Self.model, "--inspect", "--manifest", manifest, "--out", dir + "/whole"])
        #expect(whole.status == 0, "\(whole.stderr)")
        for k in 0..<3 {
            let r = try CLI.run(["batch", "--model", Self.model, "--inspect", "--manifest", manifest, "--shard", "\(k)/3", "--out", "\(dir)/shard\(k)"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let merged = try CLI.run(["merge", "--out", dir + "/merged", dir + "/shard2", dir + "/shard0", dir + "/shard1"])
        #expect(merged.status == 0, "\(merged.stderr)")
        let a = try files(dir + "/whole"), b = try files(dir + "/merged")
        #expect(Set(a.keys) == Set(b.keys))
        #expect(a.keys.contains("spectra.h5") && a.keys.contains("cohort.json") && a.keys.filter { $0.hasSuffix("layer_sums.h5") }.count == 4)
        for (name, bytes) in a { #expect(b[name] == bytes, "\(name) differs between the merged shards and one run") }

        let missing = try CLI.run(["merge", "--out", dir + "/m2", dir + "/shard0", dir + "/shard2"])
        #expect(missing.status == 1 && missing.stderr.contains("1/3 missing"), "\(missing.stderr)")
        let overlap = try CLI.run(["merge", "--out", dir + "/m3", dir + "/shard0", dir + "/shard0", dir + "/shard1", dir + "/shard2"])
        #expect(overlap.status == 1 && overlap.stderr.contains("overlaps") && overlap.stderr.contains("shard0"), "\(overlap.stderr)")
        let other = try CLI.run(["batch", "--model", Self.model, "--inspect", "--filter", "none", "--manifest", manifest, "--shard", "1/3", "--out", dir + "/other1"])
        #expect(other.status == 0, "\(other.stderr)")
        let mixed = try CLI.run(["merge", "--out", dir + "/m4", dir + "/shard0", dir + "/other1", dir + "/shard2"])
        #expect(mixed.status == 1 && mixed.stderr.contains("other1") && mixed.stderr.contains("--filter"), "\(mixed.stderr)")
        for out in ["m2", "m3", "m4"] { #expect(!FileManager.default.fileExists(atPath: "\(dir)/\(out)"), "a refused merge writes nothing") }
    }

    @Test func aRunKilledAtAnyMomentResumesToTheSameResult() throws {
        let (dir, manifest) = try cohort("resume")
        let arguments = ["batch", "--model", Self.model, "--inspect", "--manifest", manifest]
        #expect(try CLI.run(arguments + ["--out", dir + "/whole"]).status == 0)
        let reference = try files(dir + "/whole")
        for (i, delay) in [0.2, 0.6, 1.2].enumerated() {
            let out = "\(dir)/killed\(i)"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CLI.binary)
            process.arguments = arguments + ["--out", out]
            process.currentDirectoryURL = URL(fileURLWithPath: CLI.repository)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let resumed = try CLI.run(arguments + ["--out", out, "--resume"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let result = try files(out)
            #expect(Set(result.keys) == Set(reference.keys), "killed after \(delay) s: \(Set(result.keys).symmetricDifference(reference.keys))")
            for (name, bytes) in reference { #expect(result[name] == bytes, "killed after \(delay) s: \(name) differs") }
        }
    }

    @Test func anOutputDirectoryHoldingSomethingElseIsRefusedUntouched() throws {
        let (dir, manifest) = try cohort("refuse")
        #expect(try CLI.run(["batch", "--estimator", "spectral", "--manifest", manifest, "--out", dir + "/out"]).status == 0)
        let before = try files(dir + "/out")
        let same = try CLI.run(["batch", "--estimator", "spectral", "--manifest", manifest, "--out", dir + "/out"])
        #expect(same.status == 1 && same.stderr.contains("already holds this run") && same.stderr.contains("--resume"), "\(same.stderr)")
        let other = try CLI.run(["batch", "--estimator", "spectral", "--filter", "none", "--manifest", manifest, "--out", dir + "/out", "--resume"])
        #expect(other.status == 1 && other.stderr.contains("another run") && other.stderr.contains("--filter"), "\(other.stderr)")
        try FileManager.default.createDirectory(atPath: dir + "/foreign", withIntermediateDirectories: true)
        try "x".write(toFile: dir + "/foreign/notes.txt", atomically: true, encoding: .utf8)
        let foreign = try CLI.run(["batch", "--estimator", "spectral", "--manifest", manifest, "--out", dir + "/foreign"])
        #expect(foreign.status == 1 && foreign.stderr.contains("foreign") && foreign.stderr.contains("not empty"), "\(foreign.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/foreign") == ["notes.txt"])
        #expect(try files(dir + "/out") == before, "the refused runs changed nothing")
        let usage = try CLI.run(["batch", "--estimator", "spectral", "--out", dir + "/x"])
        #expect(usage.status == 64, "no recordings and no manifest is a usage error")
    }
}
