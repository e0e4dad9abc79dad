import FleetIngest
import Logging
import ServiceLifecycle
import UnixSignals

/// `fleet ingest` on SIGHUP: reads `--allowlist` again and puts it in force, so a long
/// competition day adds (or withdraws) robots without a restart. A file that cannot be read
/// or parsed changes nothing: the keys in force stay, and one line says what was wrong.
/// Without an allowlist SIGHUP is logged and ignored (never the default: end the process).
struct AllowlistReloader: Service {
    let hangups: UnixSignalsSequence
    let ingest: IngestService
    /// The --allowlist file, nil when the ingester runs without CURVE.
    let path: String?
    let logger: Logger

    func run() async throws {
        for await _ in hangups.cancelOnGracefulShutdown() {
            guard let path else {
                logger.notice("SIGHUP: nothing to reload (this ingester has no --allowlist)")
                continue
            }
            do {
                let change = try ingest.reloadAllowlist { try KeyFiles.keyring(path, option: "--allowlist") }
                logger.notice("SIGHUP: allowlist reloaded from \(path): \(change)")
            } catch {
                logger.error("SIGHUP: allowlist not reloaded, the keys in force stay: \(error)")
            }
        }
    }
}
