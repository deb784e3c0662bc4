import Foundation
import PPGSignals

/// A fresh directory per test (tests run in parallel), removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init(_ tag: String = #function) {
        let clean = tag.filter { $0.isLetter || $0.isNumber }
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("ppgscope-formats-\(clean)-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Names in the directory, hidden ones (temporary files) included, sorted.
    func contents() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
