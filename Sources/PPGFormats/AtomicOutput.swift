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
        let (directory, name) = OutputPath.split(path)
        guard OutputPath.isDirectory(directory) else {
            throw PPGScopeError(file: path, "output directory \(directory) does not exist")
        }
        let temporary = OutputPath.join(directory, ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        return try replace(path, destination: path, temporary: temporary, errorsUnderTemporary: false) { try body(temporary) }
    }

    /// A whole directory (a report): the body fills the fresh temporary sibling directory
    /// `.<name>.tmp-<pid>`, which replaces `path` (and everything in it). The parent must exist.
    public static func directory<T>(_ path: String, _ body: (_ temporaryDirectory: String) throws -> T) throws -> T {
        let (parent, name) = OutputPath.split(OutputPath.standardized(path))
        guard OutputPath.isDirectory(parent) else {
            throw PPGScopeError(file: path, "parent directory \(parent) does not exist")
        }
        let destination = OutputPath.join(parent, name)
        let temporary = OutputPath.join(parent, ".\(name).tmp-\(getpid())")
        OutputPath.removeIfPresent(temporary)
        return try replace(path, destination: destination, temporary: temporary, errorsUnderTemporary: true) {
            guard mkdir(temporary, 0o777) == 0 else {
                throw PPGScopeError(file: path, "cannot create \(temporary): \(String(cString: strerror(errno)))")
            }
            return try body(temporary)
        }
    }

    /// A text file (UTF-8), creating its directory first if needed.
    public static func text(_ text: String, to path: String) throws {
        let directory = OutputPath.split(path).directory
        if !OutputPath.isDirectory(directory) { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
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
            if OutputPath.isDirectory(destination) {
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

/// Paths as strings, split and joined without Foundation's URL (whose parsing cost about 0.1 ms
/// per call, several per recording of a cohort).
public enum OutputPath {
    /// The extension of the last component, as `URL(fileURLWithPath:).pathExtension` gives it:
    /// what follows its last ".", empty when the name starts with that dot or the extension is
    /// empty or holds a space ("a.tar.gz" → "gz", ".h5" → "", "a.h5/" → "h5").
    static func pathExtension(_ path: String) -> String {
        let name = split(path).name
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        let ext = name[name.index(after: dot)...]
        return ext.contains(" ") ? "" : String(ext)
    }

    /// The directory part ("." when there is none) and the last component; trailing slashes ignored.
    static func split(_ path: String) -> (directory: String, name: String) {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return (".", String(trimmed)) }
        let directory = trimmed[..<slash]
        return (directory.isEmpty ? "/" : String(directory), String(trimmed[trimmed.index(after: slash)...]))
    }

    static func join(_ directory: String, _ name: String) -> String { directory.hasSuffix("/") ? directory + name : directory + "/" + name }

    /// `path` with "." and ".." components resolved when it has any (as URL.standardizedFileURL).
    static func standardized(_ path: String) -> String {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard components.contains(where: { $0 == "." || $0 == ".." }) else { return path }
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Removes the file or directory at `path` when there is one (FileManager's `removeItem`
    /// builds an error, about 0.05 ms, for a path that is not there), ignoring failures.
    public static func removeIfPresent(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    static func isDirectory(_ path: String) -> Bool { FileStatus(path)?.isDirectory == true }
}
