#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Capture rights and giving up root once the capture is open.
public enum Privileges {
    /// The running executable's real path, for a `setcap` command a person can paste.
    public static var executablePath: String {
        #if os(Linux)
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        if n > 0 { return LiveCapture.string(buf) }
        #endif
        return "$(command -v tlsdiag)"
    }

    /// What is missing and the two ways to grant it.
    public static var missingCaptureRightsMessage: String {
        "no permission to capture (running as uid \(getuid()); capturing needs the CAP_NET_RAW and CAP_NET_ADMIN capabilities). Run as root (sudo tlsdiag live …), or grant them once: sudo setcap cap_net_raw,cap_net_admin+eip \(executablePath)"
    }

    public struct Identity: Sendable, Hashable {
        public var user: String
        public var uid: UInt32
        public var gid: UInt32
    }

    /// Becomes `user` for good: supplementary groups, then group, then user (that order: once the
    /// uid is no longer 0, the group calls would fail). Checks that root cannot be regained.
    public static func drop(to user: String) throws(CaptureError) -> Identity {
        let what = "--user \(user)"
        guard let pw = getpwnam(user) else {
            throw CaptureError(.privileges, path: what, "no such user")
        }
        let uid = pw.pointee.pw_uid, gid = pw.pointee.pw_gid
        let name = String(cString: pw.pointee.pw_name)
        if geteuid() != 0 {
            if geteuid() == uid { return Identity(user: name, uid: uid, gid: gid) }
            throw CaptureError(.privileges, path: what, "only root can switch to another user (running as uid \(geteuid())); run tlsdiag with sudo, or leave out --user")
        }
        guard initgroups(name, gid) == 0 else {
            throw CaptureError(.privileges, path: what, "initgroups failed: \(String(cString: strerror(errno)))")
        }
        guard setgid(gid) == 0 else {
            throw CaptureError(.privileges, path: what, "setgid(\(gid)) failed: \(String(cString: strerror(errno)))")
        }
        guard setuid(uid) == 0 else {
            throw CaptureError(.privileges, path: what, "setuid(\(uid)) failed: \(String(cString: strerror(errno)))")
        }
        // Verify: every id is the target, and going back to root is refused.
        guard getuid() == uid, geteuid() == uid, getgid() == gid, getegid() == gid else {
            throw CaptureError(.privileges, path: what, "the user and group ids did not change as asked")
        }
        if uid != 0 && (setuid(0) == 0 || seteuid(0) == 0) {
            throw CaptureError(.privileges, path: what, "root could be regained after dropping privileges; refusing to go on")
        }
        return Identity(user: name, uid: uid, gid: gid)
    }
}
