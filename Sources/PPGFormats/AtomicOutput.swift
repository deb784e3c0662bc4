import Foundation
import PPGSignals

/// Writes an output file all-or-nothing: the body writes to a temporary path in the same
/// directory, which is renamed onto `path` only when the body succeeds; on failure it is removed,
/// so a failed run never leaves a half-written file.
public enum AtomicOutput {
    public static func write<T>(to path: String, _ body: (_ temporaryPath: String) throws -> T) throws -> T {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory) else {
            throw PPGScopeError(file: path, "output directory \(directory) does not exist")
        }
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
            .path
        do {
            let result = try body(temporary)
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: temporary, toPath: path)
            return result
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            if let e = error as? PPGScopeError {
                // Errors raised while writing the temporary file name the real output.
                var e = e
                if e.file == temporary || e.file == nil { e.file = path }
                throw e
            }
            throw PPGScopeError(file: path, "cannot write: \(error.localizedDescription)")
        }
    }
}
