import Foundation
import PPGAnalysis
import PPGFormats
@testable import PPGReports
import PPGSignals
import Testing

/// `ReportJSON.text` writes what Foundation's JSONEncoder writes with the same settings, byte for
/// byte: on awkward values, and on the files of a real cohort run.
@Suite struct ReportJSONEncoderTests {
    /// The oracle: Foundation's encoder as `ReportJSON` was configured before it had its own.
    static func foundation<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    enum Kind: String, Codable { case upright, inverted }

    struct Awkward: Codable {
        var doubles: [Double] = [0, -0.0, 1, -1, 0.1, 1e-7, 1.5e-300, 123456789012345680000, 1e22, 2.5e-5, 100, .pi,
                                 .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 47.07281]
        var floats: [Float] = [0, 0.1, 3.4e38, 1e-7, .nan, 16]
        var ints: [Int] = [0, -1, .max, .min]
        var texts = ["", "plain", "a \"quoted\" \\ back/slash", "line\nbreak\ttab\r\u{08}\u{0C}", "\u{01}\u{1F}", "é, 💓, ≤ 5 BPM", "/data/S6.h5"]
        var pairs: [[Double]] = [[116.00515054567701, -3.901505925338398], [], [1]]
        var keys: [String: Int] = ["b": 1, "B": 2, "a_b": 3, "aB": 4, "_": 5, "z10": 6, "z9": 7, "é": 8, "Z": 9, "": 10, "a b": 11]
        var empty: [String: Double] = [:]
        var emptyList: [Int] = []
        var nested: [String: [String: [Double]]] = ["x": ["y": [1, 2]], "w": [:]]
        var absent: Double? = nil
        var present: Double? = 2
        var flags = [true, false]
        var kind = Kind.inverted
        var kinds: [Kind?] = [.upright, nil]
        var intKeys: [Int: String] = [3: "three", 10: "ten"]
        var bytes: UInt8 = 255
        var big: UInt64 = .max
    }

    @Test func awkwardValuesAreWrittenAsFoundationWritesThem() throws {
        let value = Awkward()
        #expect(try ReportJSON.text(value) == (try Self.foundation(value)))
        for v in [Awkward().doubles, [], [1.0]] { #expect(try ReportJSON.text(v) == (try Self.foundation(v))) }
        #expect(try ReportJSON.text("top-level/string") == (try Self.foundation("top-level/string")))
        #expect(try ReportJSON.text([String: Int]()) == (try Self.foundation([String: Int]())))
    }

    /// A class that encodes its superclass through `superEncoder()`, with keys that have no "super".
    class Base: Encodable {
        var a = 1.5
        enum CodingKeys: String, CodingKey { case a }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(a, forKey: .a)
        }
    }

    final class Derived: Base {
        var b = ["x/y"]
        enum MoreKeys: String, CodingKey { case b, c, base }
        override func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: MoreKeys.self)
            try c.encode(b, forKey: .b)
            try super.encode(to: c.superEncoder())
            try super.encode(to: c.superEncoder(forKey: .base))
            var list = c.nestedUnkeyedContainer(forKey: .c)
            try list.encode(2)
            var inner = list.nestedContainer(keyedBy: MoreKeys.self)
            try inner.encodeNil(forKey: .b)
        }
    }

    @Test func superEncodersAndNestedContainersAsFoundation() throws {
        let ours = try ReportJSON.text(Derived()), theirs = try Self.foundation(Derived())
        #expect(ours == theirs, "\(ours)\n---\n\(theirs)")
    }

    @Test func datesAreRefusedRatherThanWrittenDifferently() {
        #expect(throws: EncodingError.self) { try ReportJSON.text([Date(timeIntervalSince1970: 0)]) }
    }

    /// A cohort of two synthetic recordings run through `CohortDirectory` (spectral and beat
    /// estimators; one with labels, one without reference): its summary.json files, cohort.json and
    /// run.json equal Foundation's encoding of what they hold.
    @Test func aCohortsFilesAreWrittenAsFoundationWritesThem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ppgscope-json-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var options = HeartRateOptions()
        options.runModel = false
        options.runPeaks = true
        options.filter = .none
        let inputs = [CohortInput(key: "a", path: dir + "/a.h5", labels: ["subject": "S1", "activity": "walk"]), CohortInput(key: "b", path: dir + "/b.h5")]
        let run = CohortRunDescription(model: nil, modelDigest: nil, options: ["--filter": "none"], inspect: false, inputs: inputs, shard: nil)
        let cohort = CohortDirectory(dir + "/out")
        try cohort.prepare(for: run, resume: false)
        for (i, input) in inputs.enumerated() {
            var recording = try Synth.ppg(PPGSynthesisOptions(samplingRateHz: 32, durationS: 60, heartRate: .linearRamp(fromBPM: 70, toBPM: 100), seed: UInt64(i)))
            if i == 1 { recording.referenceHR = nil }
            let prepared = try RecordingHeartRate.prepare(recording, network: nil, options: options, explicitFilter: false, source: input.path)
            try cohort.process(input, prepared: prepared, network: nil, modelPath: nil, options: options, inspect: false)
        }
        try CohortReport.assemble(cohort, run: run)

        func check<T: Codable>(_ type: T.Type, _ path: String) throws {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text == (try Self.foundation(try ReportJSON.decode(type, from: Data(text.utf8)))), "\(path)")
        }
        try check(CohortRecordingResult.self, cohort.recording("a") + "/summary.json")
        try check(CohortRecordingResult.self, cohort.recording("b") + "/summary.json")
        try check(CohortSummary.self, cohort.path + "/cohort.json")
        try check(CohortRunDescription.self, cohort.runFile)
        let summary = try ReportJSON.decode(CohortRecordingResult.self, from: Data(contentsOf: URL(fileURLWithPath: cohort.recording("a") + "/summary.json")))
        #expect(summary.blandAltmanSample["peaks"]?.isEmpty == false, "the sample this encoder was written for is there")
    }
}
