import Foundation

/// What stat(2) says of a path (one system call, where FileManager's `fileExists` and
/// `attributesOfItem` cost two and a dictionary of attributes per recording read).
struct FileStatus {
    var isDirectory: Bool
    /// Size in bytes.
    var bytes: Int

    /// nil when the path does not exist or cannot be reached (as `FileManager.fileExists` → false).
    init?(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        bytes = Int(info.st_size)
    }
}
