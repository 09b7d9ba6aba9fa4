import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a shell command whose standard output is audio (Kaldi's piped
/// `wav.scp` form, `flac -c -d -s f.flac |`) and collects what it writes.
///
/// The command runs under `/bin/sh -c` in a process group of its own, with
/// standard input from /dev/null. When it outlives `timeout` seconds the
/// whole group (the shell and every program of its pipeline) is killed.
public enum AudioCommand {
    /// What a finished command gave.
    public struct Output: Sendable {
        public var stdout: [UInt8]
        public var stderr: [UInt8]
        /// Exit status, or nil when a signal ended it.
        public var status: Int32?
        public var signal: Int32?
        public var timedOut: Bool
    }

    private static let spawnLock = NSLock()

    /// Standard error kept for messages (its first bytes).
    static let stderrLimit = 4096

    /// Runs `command` and waits for it (at most `timeout` seconds).
    public static func run(_ command: String, timeout: Double) -> Result<Output, AudioCommandError> {
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        // A command another worker starts meanwhile must not inherit these
        // pipes (its child would hold this one's output open until it ends):
        // they are made close-on-exec, and making them and spawning is done
        // under one lock, so no spawn falls between `pipe` and `fcntl`.
        spawnLock.lock()
        var locked = true
        defer { if locked { spawnLock.unlock() } }
        guard pipe(&outPipe) == 0 else { return .failure(AudioCommandError("cannot make a pipe: \(String(cString: strerror(errno)))")) }
        guard pipe(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            return .failure(AudioCommandError("cannot make a pipe: \(String(cString: strerror(errno)))"))
        }
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in [outPipe[0], outPipe[1], errPipe[0], errPipe[1]] { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let arguments = ["/bin/sh", "-c", command]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, &argv, environ)
        close(outPipe[1]); close(errPipe[1])
        spawnLock.unlock()
        locked = false
        guard spawned == 0 else {
            close(outPipe[0]); close(errPipe[0])
            return .failure(AudioCommandError("cannot start /bin/sh: \(String(cString: strerror(spawned)))"))
        }

        var stdout: [UInt8] = [], stderr: [UInt8] = []
        var open = [outPipe[0], errPipe[0]]
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while !open.isEmpty {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { timedOut = true; break }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(left * 1000, 1000).rounded(.up)))
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            for entry in fds where entry.revents != 0 {
                let got = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress!, $0.count) }
                if got > 0 {
                    if entry.fd == outPipe[0] {
                        stdout.append(contentsOf: buffer[0..<got])
                    } else if stderr.count < stderrLimit {
                        stderr.append(contentsOf: buffer[0..<min(got, stderrLimit - stderr.count)])
                    }
                } else if got == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(entry.fd)
                    open.removeAll { $0 == entry.fd }
                }
            }
        }
        for fd in open { close(fd) }
        // The shell may still run after closing its output: wait for it until
        // the deadline. Until it is reaped its pid names the group, so killing
        // the group cannot reach anyone else's processes.
        var status: Int32 = 0
        while !timedOut {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR { break }
            if deadline.timeIntervalSinceNow <= 0 { timedOut = true; break }
            usleep(10_000)
        }
        if timedOut {
            kill(-pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        let exited = (status & 0x7f) == 0
        return .success(Output(stdout: stdout, stderr: stderr, status: exited ? (status >> 8) & 0xff : nil,
                               signal: exited ? nil : status & 0x7f, timedOut: timedOut))
    }
}

/// A command that could not be started at all.
public struct AudioCommandError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
