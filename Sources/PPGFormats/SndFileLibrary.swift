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
    static let loaded = Result { () throws(LazyCLibrary.LoadError) -> SndFileLibrary in
        let library = try LazyCLibrary("libsndfile", files: ["libsndfile.so.1"])
        return SndFileLibrary(open: try library.function("sf_open"), close: try library.function("sf_close"),
                              strerror: try library.function("sf_strerror"), errorNumber: try library.function("sf_error_number"),
                              command: try library.function("sf_command"), readFloats: try library.function("sf_readf_float"),
                              writeFloats: try library.function("sf_writef_float"), getString: try library.function("sf_get_string"),
                              setString: try library.function("sf_set_string"), formatCheck: try library.function("sf_format_check"))
    }

    /// The loaded library, or an error naming `path` (the file that needed it).
    static func forFile(_ path: String) throws -> SndFileLibrary { try loaded.forFile(path) }

    /// `sf_strerror` as a Swift string.
    func message(_ handle: Handle?) -> String { strerror(handle).map { String(cString: $0) } ?? "unknown libsndfile error" }
}
