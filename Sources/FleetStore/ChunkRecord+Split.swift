import FleetProtocol

extension ChunkRecord {
    /// This chunk as one or more chunks, each spanning at most `span` of event time, frames
    /// kept in their order. Usually returns `[self]`.
    public func splitBySpan(_ span: UInt64) -> [ChunkRecord] {
        guard endNanos - startNanos > span else { return [self] }
        var parts: [ChunkRecord] = []
        var current: ChunkRecord?
        frames.withUnsafeBytes { blob in
            try? FrameChunk.forEachFrame(in: blob) { frame in
                guard let header = FrameHeader.unverified(frame) else { return }
                let ts = header.timestampNanoseconds
                if var part = current,
                    max(part.endNanos, ts) - min(part.startNanos, ts) <= span
                {
                    part.firstSequence = min(part.firstSequence, header.sequence)
                    part.lastSequence = max(part.lastSequence, header.sequence)
                    part.startNanos = min(part.startNanos, ts)
                    part.endNanos = max(part.endNanos, ts)
                    part.frameCount += 1
                    FrameChunk.append(frame, to: &part.frames)
                    current = part
                } else {
                    if let part = current { parts.append(part) }
                    var part = ChunkRecord(
                        robotID: robotID,
                        bootEpoch: bootEpoch,
                        firstSequence: header.sequence,
                        lastSequence: header.sequence,
                        startNanos: ts,
                        endNanos: ts,
                        frameCount: 1,
                        frames: []
                    )
                    FrameChunk.append(frame, to: &part.frames)
                    current = part
                }
            }
        }
        if let part = current { parts.append(part) }
        return parts
    }
}
