import FleetProtocol

extension ChunkRecord {
    /// This chunk as one or more chunks, each spanning at most `span` of event time, frames
    /// kept in their order. Usually returns `[self]`. Parts of a length-prefixed chunk stay
    /// length-prefixed; parts of any other encoding are encoded again with `ChunkCodec`.
    /// Throws `corruptRow` if the blob cannot be decoded or holds a frame without a header.
    public func splitBySpan(_ span: UInt64) throws -> [ChunkRecord] {
        guard endNanos - startNanos > span else { return [self] }
        var parts: [ChunkRecord] = []
        var current: ChunkRecord?
        try frames.withUnsafeBytes { blob in
            try ChunkCodec.forEachFrame(in: blob, encoding: encoding) { frame in
                guard let header = FrameHeader.unverified(frame) else {
                    throw StorageError(
                        .corruptRow,
                        "chunk of robot \(robotID) boot \(bootEpoch) sequences \(firstSequence)-\(lastSequence) holds a frame without a header"
                    )
                }
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
        guard encoding != .lengthPrefixed else { return parts }
        return parts.map { part in
            var encoded = part
            encoded.frames = part.frames.withUnsafeBytes { ChunkCodec.encode(lengthPrefixed: $0) }
            encoded.encoding = ChunkCodec.encoding
            return encoded
        }
    }
}
