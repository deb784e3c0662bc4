import Foundation
import PPGSignals

/// Writes a CSV file row block by row block as it is produced: the header at creation, then appended
/// text (the caller renames the file when complete, e.g. inside `AtomicOutput.file`).
public final class CSVRowWriter {
    private let handle: FileHandle
    private let path: String

    public init(path: String, header: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: Data(header.utf8)),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw PPGScopeError(file: path, "cannot create the output file")
        }
        self.handle = handle
        handle.seekToEndOfFile()
    }

    public func write(_ text: String) throws {
        do { try handle.write(contentsOf: Data(text.utf8)) } catch {
            throw PPGScopeError(file: path, "cannot write: \(error.localizedDescription)")
        }
    }

    /// Closes the file (the caller renames it when complete).
    public func close() { try? handle.close() }
}
