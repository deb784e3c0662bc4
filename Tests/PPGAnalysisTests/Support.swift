import Foundation
import PPGAnalysis
import PPGFormats
import PPGNetwork
import PPGSignals

/// Repository files used by the analysis tests; fetched files must exist (the tests fail, never skip).
enum Files {
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
    static let kidPPG = "\(repository)/models/kid_ppg_weights.h5"
    static let s5 = "\(repository)/models/relu_dc_model_S5.h5"
    static let s6 = "\(repository)/data/ppg_dalia_S6_stairs.h5"
    static func fixture(_ name: String) -> String { "\(repository)/Tests/PPGAnalysisTests/Fixtures/\(name)" }

    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "\(path) is missing: run scripts/fetch-kid-ppg first" }
    }

    static func required(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw Missing(path: path) }
        return path
    }

    /// The S6 recording and the real models, read from disk on every call (nothing is cached).
    static func s6Recording() throws -> Recording { try RecordingIO.read(try required(s6)) }
    static func model(_ path: String) throws -> Network { try KerasModelFile.load(try required(path)) }
}

/// MAE of the model estimates against the reference.
func modelMAE(_ estimates: [WindowEstimate]) -> Double? {
    HeartRateMetrics(estimates: estimates.map(\.hrBPM), references: estimates.map(\.referenceBPM))?.mae
}
