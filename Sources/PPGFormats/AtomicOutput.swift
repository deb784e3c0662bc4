import Foundation
import PPGSignals

/// The one way ppgscope writes output all-or-nothing: the body writes to a temporary path next to
/// the output (same directory, so the final rename is atomic), which is renamed onto the output
/// only when the body succeeds; on failure the temporary is removed, so a failed run never leaves
/// a half-written file or directory. Errors name the real output path, never the temporary one.
public enum AtomicOutput {
    /// One file: the body writes the temporary file `.<name>.tmp-<pid>-<random>` in the output's
    /// directory, which must exist.
    public static func file<T>(_ path: String, _ body: (_ temporaryPath: String) throws -> T) throws -> T {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory) else {
            throw PPGScopeError(file: path, "output directory \(directory) does not exist")
        }
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
            .path
        return try replace(path, destination: path, temporary: temporary, errorsUnderTemporary: false) { try body(temporary) }
    }

    /// A whole directory (a report): the body fills the fresh temporary sibling directory
    /// `.<name>.tmp-<pid>`, which replaces `path` (and everything in it). The parent must exist.
    public static func directory<T>(_ path: String, _ body: (_ temporaryDirectory: String) throws -> T) throws -> T {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let parent = url.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: parent.path) else {
            throw PPGScopeError(file: path, "parent directory \(parent.path) does not exist")
        }
        let temporary = parent.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: temporary)
        return try replace(path, destination: url.path, temporary: temporary.path, errorsUnderTemporary: true) {
            try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)
            return try body(temporary.path)
        }
    }

    /// A text file (UTF-8), creating its directory first if needed.
    public static func text(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try file(path) { temporary in try TextFileWriter.write(text, to: temporary) }
    }

    /// Runs `body` (which fills `temporary`), then renames `temporary` onto `destination`; on failure
    /// removes `temporary` and rethrows naming `path`: a `PPGScopeError` about the temporary (or about
    /// no file; with `errorsUnderTemporary`, about anything inside it) is re-attributed, any other
    /// error becomes "cannot write".
    private static func replace<T>(_ path: String, destination: String, temporary: String, errorsUnderTemporary: Bool,
                                   _ body: () throws -> T) throws -> T {
        OutputTemporaries.register(temporary)
        defer { OutputTemporaries.unregister(temporary) }
        do {
            let result = try body()
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory), isDirectory.boolValue {
                try FileManager.default.removeItem(atPath: destination)
                try FileManager.default.moveItem(atPath: temporary, toPath: destination)
            } else if rename(temporary, destination) != 0 {
                // rename(2) replaces a file in one step: the output is never missing, not even for a moment.
                throw PPGScopeError(file: path, "cannot move the finished output into place: \(String(cString: strerror(errno)))")
            }
            return result
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            if var e = error as? PPGScopeError {
                let aboutTemporary = e.file.map { errorsUnderTemporary ? $0.hasPrefix(temporary) : $0 == temporary } ?? true
                if aboutTemporary { e.file = path }
                throw e
            }
            throw PPGScopeError(file: path, "cannot write: \(error.localizedDescription)")
        }
    }
}
