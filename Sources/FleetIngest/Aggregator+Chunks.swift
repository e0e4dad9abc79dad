public import FleetProtocol
public import FleetStore

extension Aggregator {
    /// Adds an accepted frame to its stream's open chunk, sealing the chunk first when the
    /// frame would break one of its limits.
    mutating func appendToChunk(_ slot: Int, header: FrameHeader, bytes: UnsafeRawBufferPointer, receivedAt: UInt64) {
        let ts = header.timestampNanoseconds
        if chunks[slot].wouldOverflow(adding: bytes.count, at: ts, policy: chunkPolicy) {
            sealChunk(slot)
        }
        if !chunks[slot].isOpen { openChunk(slot, receivedAt: receivedAt, segment: nextSegmentID) }
        chunks[slot].append(bytes, sequence: header.sequence, at: ts)
        openBytes += bytes.count + 4
        if openBytes > chunkPolicy.openBytesBudget { sealOldestWhileOverBudget() }
    }

    private mutating func openChunk(_ slot: Int, receivedAt: UInt64, segment: Int64) {
        chunks[slot].open(receivedAt: receivedAt, segment: segment)
        pinCounts[segment, default: 0] += 1
        openOrder.append((slot, chunks[slot].generation))
    }

    /// Seals a stream's open chunk into the batch and lets go of the segment it pinned.
    mutating func sealChunk(_ slot: Int) {
        guard chunks[slot].isOpen else { return }
        openBytes -= chunks[slot].frames.count
        let pinned = chunks[slot].pinnedSegment
        sealed.append(chunks[slot].seal(streamKeys[slot]))
        unpin(pinned)
    }

    mutating func unpin(_ segment: Int64) {
        if let left = pinCounts[segment] {
            if left <= 1 { pinCounts[segment] = nil } else { pinCounts[segment] = left - 1 }
        }
    }

    /// Seals the chunks that opened first while open chunks hold more than the budget.
    mutating func sealOldestWhileOverBudget() {
        while openBytes > chunkPolicy.openBytesBudget, let (slot, generation) = openOrder.popFirst() {
            if chunks[slot].generation == generation && chunks[slot].isOpen { sealChunk(slot) }
        }
    }

    /// Seals chunks open for longer than the policy's age (receive time `now`).
    mutating func sealAgedChunks(now: UInt64) {
        while let (slot, generation) = openOrder.first {
            guard chunks[slot].generation == generation && chunks[slot].isOpen else {
                openOrder.popFirst()
                continue
            }
            guard now >= chunks[slot].openedAt &+ chunkPolicy.maximumAgeNanos else { break }
            openOrder.popFirst()
            sealChunk(slot)
        }
    }

    /// Seals every open chunk (at shutdown).
    mutating func sealAllChunks() {
        while let (slot, generation) = openOrder.popFirst() {
            if chunks[slot].generation == generation && chunks[slot].isOpen { sealChunk(slot) }
        }
    }

    /// Continues after a restart. The frames of the stored segments are replayed into the
    /// ledgers that were written before they arrived (exact counts after a crash), and those
    /// in no sealed chunk go back into their streams' open chunks; segment ids continue
    /// where they stopped. Rollup buckets open at a crash are not rebuilt.
    public mutating func restore(_ state: IngestRestoreState) {
        nextSegmentID = state.nextSegmentID
        let oldest = state.segments.map(\.segmentID).min() ?? state.nextSegmentID
        lowestPinned = oldest
        releasedBelow = oldest
        for segment in state.segments {
            segment.frames.withUnsafeBytes { blob in
                try? FrameChunk.forEachFrame(in: blob) { frame in
                    guard let header = FrameHeader.unverified(frame) else { return }
                    let key = StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch)
                    let slot = streamSlot(key)
                    let ts = header.timestampNanoseconds
                    if segment.segmentID >= state.ledgerThroughSegment[key] ?? 0 {
                        _ = ledgers.ledgers[slot].accept(header.sequence, at: ts)
                        if !ledgerQueued[slot] {
                            ledgerQueued[slot] = true
                            ledgerPin[slot] = segment.segmentID
                            pinCounts[segment.segmentID, default: 0] += 1
                            ledgerRowQueue.append((slot, 0))
                        }
                    }
                    guard !state.sealedFrames.contains(FrameKey(stream: key, sequence: header.sequence)) else { return }
                    if chunks[slot].wouldOverflow(adding: frame.count, at: ts, policy: chunkPolicy) {
                        sealChunk(slot)
                    }
                    if !chunks[slot].isOpen { openChunk(slot, receivedAt: 0, segment: segment.segmentID) }
                    chunks[slot].append(frame, sequence: header.sequence, at: ts)
                    openBytes += frame.count + 4
                }
            }
        }
    }

    /// The segment row of this batch (nil when every frame of it is already sealed) and the
    /// id below which stored segments can go.
    mutating func takeSegment() -> (SegmentRecord?, Int64?) {
        var record: SegmentRecord?
        let id = nextSegmentID
        if segmentCount > 0 {
            nextSegmentID += 1
            record = SegmentRecord(
                segmentID: id,
                startNanos: segmentStart,
                endNanos: segmentEnd,
                frameCount: segmentCount,
                frames: segment
            )
            // The next batch's segment starts as large as the largest so far: no growth.
            segmentReserve = max(segmentReserve, segment.count)
            segment = []
            segment.reserveCapacity(segmentReserve)
            segmentCount = 0
            segmentStart = .max
            segmentEnd = 0
        }
        while lowestPinned < nextSegmentID && pinCounts[lowestPinned] == nil { lowestPinned += 1 }
        // Every frame of this batch's segment is in a chunk sealed in this batch: skip it.
        if let written = record, written.segmentID < lowestPinned { record = nil }
        guard lowestPinned > releasedBelow else { return (record, nil) }
        releasedBelow = lowestPinned
        return (record, lowestPinned)
    }

    /// Open chunks and the raw bytes they hold; for tests and the status line.
    public var openChunkStatistics: (chunks: Int, bytes: Int) {
        (chunks.lazy.filter(\.isOpen).count, openBytes)
    }
}
