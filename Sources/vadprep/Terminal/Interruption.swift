import Foundation
import Synchronization

/// Set by SIGINT and SIGTERM; long stages check it between units of work
/// and stop cleanly. A second signal ends the process at once.
private let stopRequested = Atomic<Bool>(false)

enum Interruption {
    /// Installs the handlers. The handler only stores a flag (async-signal-safe)
    /// and restores the default action, so that a second Ctrl-C kills.
    static func install() {
        _ = stopRequested.load(ordering: .relaxed)  // initialise the global before any signal can arrive
        let handler: @convention(c) (Int32) -> Void = { signalNumber in
            stopRequested.store(true, ordering: .relaxed)
            signal(signalNumber, SIG_DFL)
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        // A process inherits its parent thread's signal mask; a parent that
        // blocked these (thread pools do) would make the handlers never run.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// Whether a stop was asked for.
    static var requested: Bool { stopRequested.load(ordering: .relaxed) }
}
