import Foundation

/// Paths of repository files used by the tests. Files fetched by `scripts/fetch-kid-ppg` must be
/// present: a test that needs one fails (never skips) when it is missing.
enum TestPaths {
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
    static func fixture(_ name: String) -> String { "\(repository)/Tests/PPGNetworkTests/Fixtures/\(name)" }
    static let kidPPGWeights = "\(repository)/models/kid_ppg_weights.h5"
    static let s5Weights = "\(repository)/models/relu_dc_model_S5.h5"
    static let s6Recording = "\(repository)/data/ppg_dalia_S6_stairs.h5"

    /// The path, or a failure that tells how to get the file.
    static func required(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw MissingFile(path: path)
        }
        return path
    }

    struct MissingFile: Error, CustomStringConvertible {
        let path: String
        var description: String { "\(path) is missing: run scripts/fetch-kid-ppg first" }
    }
}
