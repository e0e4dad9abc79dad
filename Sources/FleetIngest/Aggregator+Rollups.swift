public import FleetProtocol
public import FleetStore

extension Aggregator {
    /// Adds a state frame's fields to its robot's open bucket for that second. A newer second
    /// closes the open bucket (written once); an older one is a late frame, whose partial
    /// bucket merges with the stored row.
    mutating func addToRollup(
        robot: Int,
        type: MessageType,
        body: UnsafeRawBufferPointer,
        at timestamp: UInt64,
        receivedAt: UInt64
    ) {
        let second = Int64(timestamp / 1_000_000_000)
        guard let kind = Self.bucketKind(type) else { return }
        // One flat array, `bucketKinds` slots per robot: mutated in place, never copied.
        let slot = robot * Self.bucketKinds + kind
        if robotBuckets[slot] != nil {
            let open = robotBuckets[slot]!.bucketSecond
            if open == second {
                robotBuckets[slot]!.add(type, body: body, at: timestamp, catalog: catalog)
                return
            }
            if second < open {
                addLate(robot: robot, type: type, second: second, body: body, at: timestamp)
                return
            }
            closedRollups.append(robotBuckets[slot]!)
        }
        robotBuckets[slot] = newBucket(robot: robot, type: type, second: second)
        robotBuckets[slot]!.add(type, body: body, at: timestamp, catalog: catalog)
        bucketQueue.append((robot, type.rawValue, second, receivedAt))
    }

    /// State message types with rollups, each a fixed slot of a robot's buckets.
    static let bucketKinds = 3

    static func bucketKind(_ type: MessageType) -> Int? {
        switch type {
        case .sanitationState: 0
        case .humanoidState: 1
        case .heartbeat: 2
        default: nil
        }
    }

    private func newBucket(robot: Int, type: MessageType, second: Int64) -> RollupRecord {
        RollupRecord(
            robotID: robotStates[robot].robotID,
            messageType: type.rawValue,
            bucketSecond: second,
            count: 0,
            lastNanos: 0,
            stats: RollupStats(metricCount: catalog.metrics(of: type).count)
        )
    }

    private mutating func addLate(
        robot: Int,
        type: MessageType,
        second: Int64,
        body: UnsafeRawBufferPointer,
        at timestamp: UInt64
    ) {
        let key = RollupKey(robotID: robotStates[robot].robotID, type: type.rawValue, second: second)
        let fresh = newBucket(robot: robot, type: type, second: second)
        let catalog = self.catalog
        lateRollups[key, default: fresh].add(type, body: body, at: timestamp, catalog: catalog)
    }

    /// Closes buckets that have been open longer than `bucketCloseAfterNanos` (a robot that
    /// went quiet), or all of them.
    mutating func closeBuckets(now: UInt64, all: Bool) {
        if all {
            for slot in robotBuckets.indices {
                if let bucket = robotBuckets[slot] { closedRollups.append(bucket) }
                robotBuckets[slot] = nil
            }
            bucketQueue = FIFO()
            return
        }
        while let entry = bucketQueue.first, now >= entry.openedAt &+ bucketCloseAfterNanos {
            bucketQueue.popFirst()
            guard let type = MessageType(rawValue: entry.type), let kind = Self.bucketKind(type) else { continue }
            let slot = entry.robot * Self.bucketKinds + kind
            guard let bucket = robotBuckets[slot], bucket.bucketSecond == entry.second else { continue }
            closedRollups.append(bucket)
            robotBuckets[slot] = nil
        }
    }

    /// The rollups to write with this batch: buckets that closed, then late partial ones in
    /// a stable order.
    mutating func takeRollups() -> [RollupRecord] {
        var out = closedRollups
        closedRollups.removeAll(keepingCapacity: true)
        if !lateRollups.isEmpty {
            out += lateRollups.values.sorted {
                ($0.robotID, $0.messageType, $0.bucketSecond) < ($1.robotID, $1.messageType, $1.bucketSecond)
            }
            lateRollups.removeAll(keepingCapacity: true)
        }
        return out
    }
}

extension RollupRecord {
    mutating func add(_ type: MessageType, body: UnsafeRawBufferPointer, at timestamp: UInt64, catalog: RollupCatalog) {
        count += 1
        lastNanos = max(lastNanos, timestamp)
        catalog.accumulate(type, body: body, into: &stats)
    }
}
