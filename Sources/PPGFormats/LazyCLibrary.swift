import Foundation
import PPGSignals

/// A C library opened with dlopen(3) the first time a command needs it, so that processes which
/// never touch its format do not pay for loading it and its dependencies. `SndFileLibrary` and
/// `ZipLibrary` hold the functions they use, looked up here by name.
struct LazyCLibrary {
    struct LoadError: Error {
        let message: String
    }

    /// What the messages call the library ("libsndfile").
    let name: String
    private let handle: UnsafeMutableRawPointer

    /// The first of `files` that loads; the error names them and says what the loader said.
    init(_ name: String, files: [String], package: String? = nil) throws(LoadError) {
        self.name = name
        for file in files {
            if let handle = dlopen(file, RTLD_NOW | RTLD_LOCAL) {
                self.handle = handle
                return
            }
        }
        let reason = dlerror().map { String(cString: $0) } ?? "not found"
        throw LoadError(message: "cannot load \(name) (\(files.joined(separator: ", "))\(package.map { "; Debian package \($0)" } ?? "")): \(reason)")
    }

    /// The function `symbol`, as the C function type the caller declares.
    func function<T>(_ symbol: String) throws(LoadError) -> T {
        guard let address = dlsym(handle, symbol) else { throw LoadError(message: "\(name) has no \(symbol)") }
        return unsafeBitCast(address, to: T.self)
    }
}

extension Result where Failure == LazyCLibrary.LoadError {
    /// The loaded library, or an error naming `path` (the file that needed it).
    func forFile(_ path: String) throws -> Success {
        switch self {
        case .success(let library): return library
        case .failure(let error): throw PPGScopeError(file: path, error.message)
        }
    }
}
