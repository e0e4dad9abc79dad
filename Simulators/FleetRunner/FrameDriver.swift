import FleetProtocol
import FleetSimulation

/// Turns simulation outputs into frames on the senders' links: numbers them, applies the
/// scheduled reboots and outages and the per-frame faults, records every send and keeps the
/// truth exact. Runs on the runner thread; `Links` owns the sockets.
final class FrameDriver<Links: RobotLinks> {
    let mode: RunnerMode
    let startUnixNanos: UInt64
    let spec: FaultSpec
    var links: Links
    var senders: [SenderState]
    let recorder: RecordingWriter?
    /// Robot id → sender index (the referee is the last sender).
    private let index: [UInt32: Int]
    private let refereeIndex: Int
    private let scratch: UnsafeMutableRawBufferPointer
    private let corruptScratch: UnsafeMutableRawBufferPointer
    private let faultThresholds: (drop: Double, duplicate: Double, reorder: Double, corrupt: Double)
    private(set) var framesNumbered = 0
    private(set) var transmissions = 0

    init(
        mode: RunnerMode,
        startUnixNanos: UInt64,
        spec: FaultSpec,
        senders: [SenderState],
        links: Links,
        recorder: RecordingWriter?
    ) {
        self.mode = mode
        self.startUnixNanos = startUnixNanos
        self.spec = spec
        self.senders = senders
        self.links = links
        self.recorder = recorder
        var index: [UInt32: Int] = [:]
        for (k, sender) in senders.enumerated() { index[sender.robotID] = k }
        self.index = index
        refereeIndex = senders.count - 1
        precondition(senders[refereeIndex].isReferee, "the referee is the last sender")
        scratch = .allocate(byteCount: MessageType.maximumFrameSize, alignment: 8)
        corruptScratch = .allocate(byteCount: MessageType.maximumFrameSize, alignment: 8)
        let d = spec.drop
        let u = d + spec.duplicate
        let r = u + spec.reorder
        faultThresholds = (d, u, r, r + spec.corrupt)
    }

    deinit {
        scratch.deallocate()
        corruptScratch.deallocate()
    }

    private var hasFrameFaults: Bool { faultThresholds.corrupt > 0 }

    /// Handles one output of the simulation: exactly one numbered frame.
    func handle(_ output: SimulationOutput) throws(RunnerError) {
        let now = output.time
        let s = output.isRefereeEvent ? refereeIndex : index[output.robotID]!
        try applySchedule(s, at: now)

        let isHeartbeat: Bool
        if case .heartbeat = output { isHeartbeat = true } else { isHeartbeat = false }
        let sequence = senders[s].number(isState: output.isState, isHeartbeat: isHeartbeat)
        framesNumbered += 1
        let message = isHeartbeat ? countingFromBoot(output.message, sender: s, sequence: sequence) : output.message
        let timestamp = startUnixNanos &+ now
        let count = FrameEncoder.encode(
            message,
            robotID: senders[s].robotID,
            bootEpoch: senders[s].bootEpoch,
            sequence: sequence,
            timestampNanoseconds: timestamp,
            flags: FrameHeader.simulatedTimeFlag,
            into: scratch
        )
        let frame = UnsafeRawBufferPointer(rebasing: scratch[..<count])
        let fault = drawFault(s, bodyLength: count - FrameHeader.size - FrameHeader.trailerSize)

        if senders[s].linkIsDown {
            holdWhileDown(s, frame, message: message, timestamp: timestamp, sequence: sequence, fault: fault)
            return
        }

        if let held = senders[s].held {
            // This is the frame the held one swaps with: it goes first, untouched.
            senders[s].held = nil
            try sendNumbered(s, frame, message: message, timestamp: timestamp, sequence: sequence, at: now)
            try held.bytes.withBytes { (bytes) throws(RunnerError) in
                try sendNumbered(
                    s,
                    bytes,
                    message: held.message,
                    timestamp: held.timestampNanos,
                    sequence: held.sequence,
                    at: now
                )
            }
            senders[s].epochTruth.reordered.append(held.sequence)
            return
        }
        if fault == .reorder {
            senders[s].held = HeldFrame(
                bytes: [UInt8](frame),
                message: message,
                timestampNanos: timestamp,
                bootEpoch: senders[s].bootEpoch,
                sequence: sequence,
                fault: fault
            )
            return
        }
        try send(s, frame, message: message, timestamp: timestamp, sequence: sequence, fault: fault, at: now)
    }

    /// A heartbeat after a restart counts from its new boot: the simulation's counters run on
    /// across it, the frame's say what this boot epoch has sent. Other messages as they are.
    private func countingFromBoot(
        _ message: FleetProtocol.Message,
        sender s: Int,
        sequence: UInt32
    ) -> FleetProtocol.Message {
        guard case .heartbeat(var heartbeat) = message, senders[s].truth.bootEpochs.count > 1 else { return message }
        heartbeat.framesSent = UInt64(sequence)
        heartbeat.stateFrames = senders[s].stateFrames
        heartbeat.eventFrames = senders[s].eventFrames
        heartbeat.uptime -= Double(senders[s].bootNanos) / 1e9
        return .heartbeat(heartbeat)
    }

    /// The sender's link is down: pub mode loses the frame, reliable mode keeps it to send
    /// when the link is back; either way the disconnect's truth counts it.
    private func holdWhileDown(
        _ s: Int,
        _ frame: UnsafeRawBufferPointer,
        message: FleetProtocol.Message,
        timestamp: UInt64,
        sequence: UInt32,
        fault: FrameFault
    ) {
        switch mode {
        case .pub:
            senders[s].epochTruth.droppedByDisconnect.append(sequence)
        case .reliable:
            senders[s].waiting.append(
                HeldFrame(
                    bytes: [UInt8](frame),
                    message: message,
                    timestampNanos: timestamp,
                    bootEpoch: senders[s].bootEpoch,
                    sequence: sequence,
                    fault: fault
                )
            )
        }
        let k = senders[s].epochTruth.disconnects.count - 1
        senders[s].epochTruth.disconnects[k].sequenceCount += 1
    }

    /// Sends whatever is still held, brings links back up, and closes the links.
    func finish(at now: UInt64) throws(RunnerError) -> [UInt32] {
        for s in senders.indices {
            if senders[s].linkIsDown { try reconnect(s, at: now) }
            try releaseHeld(s, at: now)
        }
        try recorder?.close()
        return try links.finish()
    }

    // MARK: Faults

    /// One draw per robot frame (always, so a frame's fault depends only on its place in the
    /// robot's stream); the referee's frames are never faulted.
    private func drawFault(_ s: Int, bodyLength: Int) -> FrameFault {
        guard hasFrameFaults, !senders[s].isReferee else { return .none }
        let r = senders[s].faults.unit()
        if r < faultThresholds.drop { return .drop }
        if r < faultThresholds.duplicate { return .duplicate }
        if r < faultThresholds.reorder { return .reorder }
        if r < faultThresholds.corrupt {
            let offset = FrameHeader.size + senders[s].faults.below(bodyLength)
            let mask = UInt8(1 + senders[s].faults.below(255))
            return .corrupt(offset: offset, mask: mask)
        }
        return .none
    }

    private func send(
        _ s: Int,
        _ frame: UnsafeRawBufferPointer,
        message: FleetProtocol.Message,
        timestamp: UInt64,
        sequence: UInt32,
        fault: FrameFault,
        at now: UInt64
    ) throws(RunnerError) {
        switch fault {
        case .none, .reorder:
            try sendNumbered(s, frame, message: message, timestamp: timestamp, sequence: sequence, at: now)
        case .drop:
            senders[s].epochTruth.dropped.append(sequence)
        case .duplicate:
            try sendNumbered(s, frame, message: message, timestamp: timestamp, sequence: sequence, at: now)
            try sendRaw(s, frame, at: now)
            senders[s].epochTruth.duplicated.append(sequence)
        case .corrupt(let offset, let mask):
            let corrupt = UnsafeMutableRawBufferPointer(rebasing: corruptScratch[..<frame.count])
            corrupt.copyMemory(from: frame)
            corrupt[offset] ^= mask
            try sendRaw(s, UnsafeRawBufferPointer(corrupt), at: now)
            if mode == .reliable {
                // The window must see every number acknowledged: the valid frame follows.
                try sendNumbered(s, frame, message: message, timestamp: timestamp, sequence: sequence, at: now)
            }
            senders[s].epochTruth.corrupted.append(sequence)
        }
    }

    private func sendNumbered(
        _ s: Int,
        _ frame: UnsafeRawBufferPointer,
        message: FleetProtocol.Message,
        timestamp: UInt64,
        sequence: UInt32,
        at now: UInt64
    ) throws(RunnerError) {
        try recorder?.append(frame, offsetNanos: now)
        try links.sendNumbered(
            s,
            frame,
            message: message,
            timestampNanos: timestamp,
            bootEpoch: frame.loadUnaligned(fromByteOffset: 12, as: UInt32.self).littleEndian,
            sequence: sequence
        )
        senders[s].epochTruth.transmissions += 1
        transmissions += 1
    }

    private func sendRaw(_ s: Int, _ frame: UnsafeRawBufferPointer, at now: UInt64) throws(RunnerError) {
        try recorder?.append(frame, offsetNanos: now)
        try links.sendRaw(s, frame)
        senders[s].epochTruth.transmissions += 1
        transmissions += 1
    }

    // MARK: Reboots and outages

    private func applySchedule(_ s: Int, at now: UInt64) throws(RunnerError) {
        if let back = senders[s].reconnectAt, now >= back { try reconnect(s, at: now) }
        if let at = senders[s].rebootAt, now >= at {
            senders[s].rebootAt = nil
            try releaseHeld(s, at: now)
            try releaseWaiting(s, at: now)
            try links.reboot(s)
            senders[s].reboot(at: now)
            // An outage in progress carries on into the new boot.
            if let back = senders[s].reconnectAt {
                senders[s].epochTruth.disconnects.append(
                    DisconnectTruth(
                        fromNanos: now,
                        toNanos: back,
                        firstSequence: 0,
                        sequenceCount: 0,
                        resent: mode == .reliable
                    )
                )
            }
        }
        if let at = senders[s].disconnectAt, now >= at {
            senders[s].disconnectAt = nil
            try releaseHeld(s, at: now)
            let back = now + UInt64((spec.disconnectSeconds * 1e9).rounded())
            senders[s].reconnectAt = back
            senders[s].epochTruth.disconnects.append(
                DisconnectTruth(
                    fromNanos: now,
                    toNanos: back,
                    firstSequence: senders[s].nextSequence,
                    sequenceCount: 0,
                    resent: mode == .reliable
                )
            )
            try links.linkDown(s)
        }
    }

    private func reconnect(_ s: Int, at now: UInt64) throws(RunnerError) {
        senders[s].reconnectAt = nil
        let k = senders[s].epochTruth.disconnects.count - 1
        senders[s].epochTruth.disconnects[k].toNanos = now
        try links.linkUp(s)
        try releaseWaiting(s, at: now)
    }

    /// Sends a frame held for a swap that never came (end of run, restart, outage) on its own.
    private func releaseHeld(_ s: Int, at now: UInt64) throws(RunnerError) {
        guard let held = senders[s].held else { return }
        senders[s].held = nil
        try held.bytes.withBytes { (bytes) throws(RunnerError) in
            try sendNumbered(
                s,
                bytes,
                message: held.message,
                timestamp: held.timestampNanos,
                sequence: held.sequence,
                at: now
            )
        }
    }

    /// Reliable mode: sends what waited for the link, in order, with its drawn faults.
    private func releaseWaiting(_ s: Int, at now: UInt64) throws(RunnerError) {
        guard !senders[s].waiting.isEmpty else { return }
        let waiting = senders[s].waiting
        senders[s].waiting.removeAll()
        for frame in waiting {
            let truthIndex = senders[s].truth.bootEpochs.lastIndex { $0.bootEpoch == frame.bootEpoch }!
            let current = senders[s].truth.bootEpochs.count - 1
            precondition(truthIndex == current, "held frames are released before a restart")
            try frame.bytes.withBytes { (bytes) throws(RunnerError) in
                try send(
                    s,
                    bytes,
                    message: frame.message,
                    timestamp: frame.timestampNanos,
                    sequence: frame.sequence,
                    fault: frame.fault,
                    at: now
                )
            }
        }
    }
}
