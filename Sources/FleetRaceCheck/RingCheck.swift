import FleetIngest
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `FrameRing` between real threads, as the receiver and the pipeline use it: per ring one
/// producer thread pushes numbered frames (inline ones of every length and, every 97th,
/// an out-of-line one larger than a slot), one consumer thread drains them in chunks and
/// checks each frame's length, source, receive time and every byte, in order; the consumer
/// sleeps on a `Wakeup` the producer signals, as the pipeline does, and checks the ring's
/// invariants after each drain. The ring is single
/// producer by contract (its many senders meet in the one receiver thread, which the
/// ingest check covers), so several rings run side by side rather than several producers
/// on one; an observer thread reads `count` and `occupancy` meanwhile, the any-thread part
/// of the ring's API (what `/metrics` and the status line read).
struct RingCheck {
    var rings = 2
    var framesPerRing = 200_000
    /// Small, so the producer finds it full often and the indices wrap many times.
    var capacity = 64
    var inlineBytes = 256

    func run(_ findings: Findings) {
        let observerStop = Flag()
        var threads: [CheckThread] = []
        var pairs: [(FrameRing, Wakeup)] = []
        for _ in 0..<rings {
            pairs.append((FrameRing(capacity: capacity, inlineBytes: inlineBytes), Wakeup()))
        }
        for (index, (ring, wakeup)) in pairs.enumerated() {
            let finished = Flag()
            threads.append(producer(index, ring: ring, wakeup: wakeup, finished: finished, findings))
            threads.append(consumer(index, ring: ring, wakeup: wakeup, finished: finished, findings))
        }
        let observed = pairs.map(\.0)
        let observer = CheckThread(name: "ring-observer") {
            while !observerStop.isRaised {
                for ring in observed {
                    let count = ring.count
                    if count < 0 || count > ring.capacity {
                        findings.fail("ring count \(count) outside 0...\(ring.capacity)")
                    }
                    let occupancy = ring.occupancy
                    if !(0...1).contains(occupancy) { findings.fail("ring occupancy \(occupancy) outside 0...1") }
                }
                sched_yield()
            }
        }
        for thread in threads { thread.join() }
        observerStop.raise()
        observer.join()
        for ring in observed {
            findings.expect(ring.count == 0, "a ring still holds \(ring.count) frames after the drain")
        }
    }

    /// Pushes the ring's frames, spinning while it is full, and checks the producer's view.
    private func producer(
        _ index: Int,
        ring: FrameRing,
        wakeup: Wakeup,
        finished: Flag,
        _ findings: Findings
    ) -> CheckThread {
        let frames = framesPerRing
        let inline = inlineBytes
        return CheckThread(name: "ring\(index)-producer") {
            var scratch = [UInt8](repeating: 0, count: inline + 200)
            for frame in 0..<frames {
                let length = Self.length(of: frame, inlineBytes: inline)
                Self.fill(&scratch, frame: frame, length: length)
                let pushed = scratch.withUnsafeBytes { buffer in
                    let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<length])
                    while !ring.tryPush(bytes, source: UInt32(frame & 0x7FFF_FFFF), receivedAt: UInt64(frame)) {
                        wakeup.signal()
                        sched_yield()
                    }
                    return true
                }
                precondition(pushed)
                // The producer's own view, as the receiver reads it for its policy.
                let waiting = ring.producerCount()
                if waiting < 0 || waiting > ring.capacity {
                    findings.fail("ring \(index): producerCount \(waiting) outside 0...\(ring.capacity)")
                }
                wakeup.signal()
            }
            finished.raise()
            wakeup.signal()
        }
    }

    /// Drains the ring in small bites, checking every frame and the ring's invariants, and
    /// that no wakeup went missing.
    private func consumer(
        _ index: Int,
        ring: FrameRing,
        wakeup: Wakeup,
        finished: Flag,
        _ findings: Findings
    ) -> CheckThread {
        let frames = framesPerRing
        let inline = inlineBytes
        return CheckThread(name: "ring\(index)-consumer") {
            var next = 0
            var longestSleep = Duration.zero
            let clock = ContinuousClock()
            while next < frames {
                let drained = ring.drain(limit: 17) { frame in
                    if let problem = Self.problem(with: frame, expected: next, inlineBytes: inline) {
                        findings.fail("ring \(index): \(problem)")
                    }
                    next += 1
                }
                // The consumer owns `head`: its view of the invariants is exact.
                ring.checkInvariants()
                if drained > 0 { continue }
                if finished.isRaised && ring.count == 0 { break }
                let started = clock.now
                wakeup.wait(timeout: .seconds(5)) {
                    ring.count > 0 || finished.isRaised
                }
                longestSleep = max(longestSleep, clock.now - started)
            }
            findings.expect(next == frames, "ring \(index): drained \(next) of \(frames) frames")
            // A wakeup that went missing shows as a sleep that ran to its timeout.
            findings.expect(
                longestSleep < .milliseconds(4900),
                "ring \(index): the consumer slept \(longestSleep) with frames waiting (lost wakeup)"
            )
        }
    }

    /// Every 97th frame is larger than a slot (the out-of-line path); the others take every
    /// length from 1 to `inlineBytes`.
    static func length(of frame: Int, inlineBytes: Int) -> Int {
        frame % 97 == 0 ? inlineBytes + 1 + frame % 150 : 1 + (frame &* 37) % inlineBytes
    }

    static func byte(frame: Int, at offset: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: frame &* 131 &+ offset &* 7 &+ (frame >> 8))
    }

    static func fill(_ buffer: inout [UInt8], frame: Int, length: Int) {
        for offset in 0..<length { buffer[offset] = byte(frame: frame, at: offset) }
    }

    /// What is wrong with `frame` if it is not frame number `expected`, or nil.
    static func problem(with frame: RingFrame, expected: Int, inlineBytes: Int) -> String? {
        let length = length(of: expected, inlineBytes: inlineBytes)
        guard frame.bytes.count == length else {
            return "frame \(expected): length \(frame.bytes.count), sent \(length)"
        }
        guard frame.source == UInt32(expected & 0x7FFF_FFFF), frame.receivedAt == UInt64(expected) else {
            return "frame \(expected): source \(frame.source) receivedAt \(frame.receivedAt) (out of order?)"
        }
        for offset in 0..<length where frame.bytes[offset] != byte(frame: expected, at: offset) {
            return
                "frame \(expected): byte \(offset) is \(frame.bytes[offset]), sent \(byte(frame: expected, at: offset))"
        }
        return nil
    }
}
