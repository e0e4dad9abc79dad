import FleetProtocol

extension WriteBatch {
    /// The batch without what it writes for `robots` (their segment frames, events,
    /// rollups, ledger and robot rows), and the frames that left out: for an ingester
    /// that lost those robots to another while the batch waited. Sealed chunks stay: their
    /// frames were made durable in earlier segments while the robot was this ingester's.
    public func removingRobots(_ robots: Set<UInt32>) throws -> (batch: WriteBatch, removed: [FrameKey]) {
        guard !robots.isEmpty else { return (self, []) }
        var out = self
        var removed: [FrameKey] = []
        if let segment {
            var kept: [UInt8] = []
            var count = 0
            var start = UInt64.max
            var end: UInt64 = 0
            try segment.frames.withUnsafeBytes { blob in
                try FrameChunk.forEachFrame(in: blob) { frame in
                    guard let header = FrameHeader.unverified(frame) else { return }
                    if robots.contains(header.robotID) {
                        removed.append(
                            FrameKey(
                                stream: StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch),
                                sequence: header.sequence
                            )
                        )
                        return
                    }
                    FrameChunk.append(frame, to: &kept)
                    count += 1
                    start = min(start, header.timestampNanoseconds)
                    end = max(end, header.timestampNanoseconds)
                }
            }
            // An emptied segment keeps its id (ids only grow), holding no frame.
            out.segment = SegmentRecord(
                segmentID: segment.segmentID,
                startNanos: count == 0 ? segment.startNanos : start,
                endNanos: count == 0 ? segment.startNanos : end,
                frameCount: count,
                frames: kept
            )
        }
        out.events.removeAll { robots.contains($0.senderID) }
        out.rollups.removeAll { robots.contains($0.robotID) }
        out.ledger.removeAll { robots.contains($0.robotID) }
        out.robots.removeAll { robots.contains($0.robotID) }
        out.frameCount -= removed.count
        return (out, removed)
    }

    /// The robots this batch writes rows of as their owner (what `removingRobots` leaves
    /// out): new frames, events, rollups, ledger and robot rows. Sealed chunks are not
    /// among them: they hold frames committed before, kept whoever holds the robot now.
    public func ownedRobotIDs() throws -> Set<UInt32> {
        var ids = Set<UInt32>()
        if let segment {
            try segment.frames.withUnsafeBytes { blob in
                try FrameChunk.forEachFrame(in: blob) { frame in
                    if let header = FrameHeader.unverified(frame) { ids.insert(header.robotID) }
                }
            }
        }
        ids.formUnion(events.lazy.map(\.senderID))
        ids.formUnion(rollups.lazy.map(\.robotID))
        ids.formUnion(ledger.lazy.map(\.robotID))
        ids.formUnion(robots.lazy.map(\.robotID))
        return ids
    }
}
