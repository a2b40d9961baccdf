import Dispatch
import Glibc

/// Turns SIGINT and SIGTERM into a graceful stop (exit status 0) and ignores SIGPIPE, as SPDK's
/// `app_setup_signal_handlers` does. Other signals keep their default effect.
final class SignalObserver {
    private let sources: [any DispatchSourceSignal]

    /// Installs the handlers; they stay active while this object lives.
    init(trigger: ShutdownTrigger) {
        signal(SIGPIPE, SIG_IGN)
        sources = [SIGINT, SIGTERM].map { number in
            // The default action must be off for the dispatch source to see the signal.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { trigger.request(exitStatus: 0) }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources {
            source.cancel()
        }
    }
}
