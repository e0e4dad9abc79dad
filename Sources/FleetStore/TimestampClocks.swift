/// Per message type timestamp state: each type's frames are delta-of-delta against the
/// previous frame of the same type; a type's first frame starts from the last timestamp seen.
struct TimestampClocks {
    private var previous = [UInt64](repeating: 0, count: 256)
    private var previousDelta = [Int64](repeating: 0, count: 256)
    private var seen = [Bool](repeating: false, count: 256)
    private var last: UInt64 = 0

    @inline(__always)
    mutating func deltaOfDelta(_ timestamp: UInt64, type: UInt8) -> Int64 {
        let t = Int(type)
        if !seen[t] {
            seen[t] = true
            previous[t] = last
        }
        let delta = Int64(bitPattern: timestamp &- previous[t])
        let result = delta &- previousDelta[t]
        previous[t] = timestamp
        previousDelta[t] = delta
        last = timestamp
        return result
    }

    @inline(__always)
    mutating func timestamp(fromDeltaOfDelta dod: Int64, type: UInt8) -> UInt64 {
        let t = Int(type)
        if !seen[t] {
            seen[t] = true
            previous[t] = last
        }
        let delta = previousDelta[t] &+ dod
        let timestamp = previous[t] &+ UInt64(bitPattern: delta)
        previous[t] = timestamp
        previousDelta[t] = delta
        last = timestamp
        return timestamp
    }
}
