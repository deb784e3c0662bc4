import Foundation
import PPGSignals

/// Writes a text file block by block as it is produced, through write(2) (no Foundation buffering
/// or temporary files): created or truncated on opening, every error naming the file. The caller
/// renames the file when complete (e.g. inside `AtomicOutput.file`).
public final class TextFileWriter {
    private var descriptor: Int32
    private let path: String

    public init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw PPGScopeError(file: path, "cannot create the output file: \(String(cString: strerror(errno)))") }
    }

    deinit { if descriptor >= 0 { _ = Glibc.close(descriptor) } }

    public func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw PPGScopeError(file: path, "cannot write: \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
    }

    /// Closes the file; an error here (a full disk on a network file system) is the write's.
    public func close() throws {
        let status = Glibc.close(descriptor)
        descriptor = -1
        if status != 0 { throw PPGScopeError(file: path, "cannot write: \(String(cString: strerror(errno)))") }
    }

    /// `text` as the whole of the file at `path`.
    public static func write(_ text: String, to path: String) throws {
        let file = try TextFileWriter(path: path)
        try file.write(text)
        try file.close()
    }
}

/// A CSV file written row block by row block: the header at creation, then appended rows.
public final class CSVRowWriter {
    private let file: TextFileWriter

    public init(path: String, header: String) throws {
        file = try TextFileWriter(path: path)
        try file.write(header)
    }

    public func write(_ text: String) throws { try file.write(text) }

    /// Closes the file (the caller renames it when complete).
    public func close() throws { try file.close() }
}
