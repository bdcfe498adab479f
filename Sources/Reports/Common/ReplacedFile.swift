import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens a report file for writing, replacing an earlier report of the same name by a new file rather
/// than truncating it.
///
/// Why: an engineer re-runs the tool with the same `-o`, so the file being overwritten is usually the
/// last run's report, whose pages may still be on their way to the disk. Truncating it waits for that
/// write-back (measured: `open` with `O_TRUNC` of a 148 MB report just written took 43-56 ms), and ext4
/// then flushes the new content when the truncated file is closed (its `auto_da_alloc` safeguard:
/// `close` took 36-89 ms). A new file has neither cost: it is created empty beside the old one and
/// renamed over it (nothing to flush yet), and the old file's last reference is closed on another
/// thread, where freeing its pages overlaps the analysis. The name always names one of the two files,
/// so a failure at any step leaves the old report where it was and falls back to truncating it.
///
/// Only a plain case is replaced: an existing, non-empty regular file with one link, owned by this user
/// and writable by it. Anything else (a symbolic link, a device or pipe, a hard-linked file, another
/// user's file, a read-only one, a directory that does not allow the new file) is opened and truncated
/// as `fopen(path, "w")` would, with its errors. The new file gets the old one's permission bits and
/// group (not its ACLs or extended attributes, which a report file does not have in practice).
enum ReplacedFile {
    /// A descriptor open for writing at offset 0 of an empty file at `path`, or -1 (`errno` set) when the
    /// file cannot be opened for writing.
    static func openForWriting(_ path: String) -> Int32 {
        if let fd = replace(path) { return fd }
        return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
    }

    private static func replace(_ path: String) -> Int32? {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_nlink == 1,
              st.st_uid == geteuid(), st.st_size > 0, access(path, W_OK) == 0 else { return nil }
        // Held open across the rename, so the old file's pages are freed when this descriptor is closed
        // (on another thread), not inside `rename`.
        let old = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard old >= 0 else { return nil }
        var held = stat()
        // Still the file that was looked at (not swapped or linked since).
        guard fstat(old, &held) == 0, held.st_ino == st.st_ino, held.st_dev == st.st_dev, held.st_nlink == 1 else {
            close(old)
            return nil
        }
        // A hidden name beside the report: the same directory, so the rename is atomic.
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array("\(directory).\(base).tlsdiag-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { close(old); return nil }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let mode = mode_t(st.st_mode & 0o7777)
        _ = fchown(fd, uid_t.max, st.st_gid)   // the old group when allowed (uid -1: unchanged)
        guard fchmod(fd, mode) == 0, rename(temporary, path) == 0 else {
            close(fd)
            unlink(temporary)
            close(old)
            return nil
        }
        DispatchQueue.global(qos: .utility).async { close(old) }
        return fd
    }
}
