import Foundation
import PPGSignals

/// Appends text to a file as it is produced (the caller renames the file when complete).
final class CSVRowWriter {
    private let handle: FileHandle
    private let path: String

    init(path: String, header: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: Data(header.utf8)),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw PPGScopeError(file: path, "cannot create the output file")
        }
        self.handle = handle
        handle.seekToEndOfFile()
    }

    func write(_ text: String) throws {
        do { try handle.write(contentsOf: Data(text.utf8)) } catch {
            throw PPGScopeError(file: path, "cannot write: \(error.localizedDescription)")
        }
    }

    func close() { try? handle.close() }
}
