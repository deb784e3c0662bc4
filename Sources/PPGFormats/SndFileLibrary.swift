import CSndFile
import Foundation
import PPGSignals

/// libsndfile's functions, loaded the first time a command reads or writes WAV or FLAC. Linked
/// at start-up, the library and its codec chain (FLAC, Vorbis, Opus, MPEG) cost every process
/// about 0.85 ms, also those that never touch audio (`hr` on an HDF5 recording, `info`).
struct SndFileLibrary {
    typealias Handle = OpaquePointer
    let open: @convention(c) (UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<SF_INFO>?) -> Handle?
    let close: @convention(c) (Handle?) -> Int32
    let strerror: @convention(c) (Handle?) -> UnsafePointer<CChar>?
    let errorNumber: @convention(c) (Int32) -> UnsafePointer<CChar>?
    let command: @convention(c) (Handle?, Int32, UnsafeMutableRawPointer?, Int32) -> Int32
    let readFloats: @convention(c) (Handle?, UnsafeMutablePointer<Float>?, sf_count_t) -> sf_count_t
    let writeFloats: @convention(c) (Handle?, UnsafePointer<Float>?, sf_count_t) -> sf_count_t
    let getString: @convention(c) (Handle?, Int32) -> UnsafePointer<CChar>?
    let setString: @convention(c) (Handle?, Int32, UnsafePointer<CChar>?) -> Int32
    let formatCheck: @convention(c) (UnsafePointer<SF_INFO>?) -> Int32

    /// The library (`libsndfile.so.1`), loaded once; the message says why it could not be.
    static let loaded: Result<SndFileLibrary, LoadError> = {
        guard let library = dlopen("libsndfile.so.1", RTLD_NOW | RTLD_LOCAL) else {
            return .failure(LoadError(message: "cannot load libsndfile (libsndfile.so.1): \(String(cString: dlerror()))"))
        }
        func symbol<T>(_ name: String, _ type: T.Type) throws(LoadError) -> T {
            guard let address = dlsym(library, name) else { throw LoadError(message: "libsndfile has no \(name)") }
            return unsafeBitCast(address, to: type)
        }
        do throws(LoadError) {
            return .success(SndFileLibrary(
                open: try symbol("sf_open", (@convention(c) (UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<SF_INFO>?) -> Handle?).self),
                close: try symbol("sf_close", (@convention(c) (Handle?) -> Int32).self),
                strerror: try symbol("sf_strerror", (@convention(c) (Handle?) -> UnsafePointer<CChar>?).self),
                errorNumber: try symbol("sf_error_number", (@convention(c) (Int32) -> UnsafePointer<CChar>?).self),
                command: try symbol("sf_command", (@convention(c) (Handle?, Int32, UnsafeMutableRawPointer?, Int32) -> Int32).self),
                readFloats: try symbol("sf_readf_float", (@convention(c) (Handle?, UnsafeMutablePointer<Float>?, sf_count_t) -> sf_count_t).self),
                writeFloats: try symbol("sf_writef_float", (@convention(c) (Handle?, UnsafePointer<Float>?, sf_count_t) -> sf_count_t).self),
                getString: try symbol("sf_get_string", (@convention(c) (Handle?, Int32) -> UnsafePointer<CChar>?).self),
                setString: try symbol("sf_set_string", (@convention(c) (Handle?, Int32, UnsafePointer<CChar>?) -> Int32).self),
                formatCheck: try symbol("sf_format_check", (@convention(c) (UnsafePointer<SF_INFO>?) -> Int32).self)))
        } catch {
            return .failure(error)
        }
    }()

    struct LoadError: Error {
        let message: String
    }

    /// The loaded library, or an error naming `path` (the file that needed it).
    static func forFile(_ path: String) throws -> SndFileLibrary {
        switch loaded {
        case .success(let library): return library
        case .failure(let error): throw PPGScopeError(file: path, error.message)
        }
    }

    /// `sf_strerror` as a Swift string.
    func message(_ handle: Handle?) -> String { strerror(handle).map { String(cString: $0) } ?? "unknown libsndfile error" }
}
