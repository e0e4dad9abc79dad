import Foundation

/// Wall clock, ns since the Unix epoch: the time base of a frame's timestamp, so a sender
/// that stamps frames and a command that records a transition read the same clock.
public func nowNanos() -> UInt64 {
    UInt64((Date().timeIntervalSince1970 * 1e9).rounded())
}
