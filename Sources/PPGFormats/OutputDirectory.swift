import Foundation
import PPGSignals

/// Writes a report directory all-or-nothing: the body fills a temporary sibling directory, which
/// replaces `path` only when the body succeeds.
public enum OutputDirectory {
    public static func write<T>(_ path: String, _ body: (_ temporaryDirectory: String) throws -> T) throws -> T {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let parent = url.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: parent.path) else {
            throw PPGScopeError(file: path, "parent directory \(parent.path) does not exist")
        }
        let temporary = parent.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: temporary)
        do {
            try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)
            let result = try body(temporary.path)
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: temporary, to: url)
            return result
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if var e = error as? PPGScopeError {
                if e.file?.hasPrefix(temporary.path) ?? true { e.file = path }
                throw e
            }
            throw PPGScopeError(file: path, "cannot write: \(error.localizedDescription)")
        }
    }
}
