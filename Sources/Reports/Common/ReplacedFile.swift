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
/// `close` took 36-89 ms). A new file has neither cost: the old one's name is removed, and its last
/// reference is closed on another thread, where freeing its pages overlaps the analysis.
///
/// Only a plain case is replaced: an existing regular file with one link, owned by this user. Anything
/// else (a symbolic link, a device or pipe, a hard-linked file, another user's file, a directory that
/// does not allow the removal) is opened and truncated as `fopen(path, "w")` would. The new file gets
/// the old one's permission bits.
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
              st.st_uid == geteuid(), st.st_size > 0 else { return nil }
        // Held open across the unlink, so the old file's pages are freed when this descriptor is closed
        // (on another thread), not inside `unlink`.
        let old = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard old >= 0 else { return nil }
        var held = stat()
        // Still the file that was looked at (not swapped since), and its name can be removed.
        guard fstat(old, &held) == 0, held.st_ino == st.st_ino, held.st_dev == st.st_dev, unlink(path) == 0 else {
            close(old)
            return nil
        }
        let mode = mode_t(st.st_mode & 0o7777)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        if fd >= 0 { _ = fchmod(fd, mode) }   // the mode without the umask, as the old file had it
        DispatchQueue.global(qos: .utility).async { close(old) }
        // The name is free now; if someone took it meanwhile, the caller truncates whatever is there.
        return fd >= 0 ? fd : nil
    }
}
