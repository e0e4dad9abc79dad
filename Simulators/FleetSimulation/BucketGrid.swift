public import FleetArena

/// A coarse spatial index: each bucket lists the items whose bounds, grown by a margin,
/// touch it, so a query looks at one bucket and no allocation happens per lookup.
/// Stored flat (compressed rows) in insertion order, which keeps lookups deterministic.
public struct BucketGrid: Sendable, Equatable {
    public let bucketSize: Double
    public let columns: Int
    public let rows: Int
    private let starts: [Int32]
    private let items: [Int32]

    /// - Parameter bounds: each item's bounds, already grown by the query margin.
    public init(width: Double, height: Double, bucketSize: Double, bounds: [Rect]) {
        self.bucketSize = bucketSize
        columns = max(1, Int((width / bucketSize).rounded(.up)))
        rows = max(1, Int((height / bucketSize).rounded(.up)))
        var lists = [[Int32]](repeating: [], count: columns * rows)
        for (k, b) in bounds.enumerated() {
            let i0 = Self.clampIndex(b.minX / bucketSize, columns)
            let i1 = Self.clampIndex(b.maxX / bucketSize, columns)
            let j0 = Self.clampIndex(b.minY / bucketSize, rows)
            let j1 = Self.clampIndex(b.maxY / bucketSize, rows)
            for j in j0...j1 { for i in i0...i1 { lists[j * columns + i].append(Int32(k)) } }
        }
        var starts: [Int32] = [0]
        var items: [Int32] = []
        for l in lists {
            items.append(contentsOf: l)
            starts.append(Int32(items.count))
        }
        self.starts = starts
        self.items = items
    }

    private static func clampIndex(_ v: Double, _ n: Int) -> Int {
        if !(v > 0) { return 0 }
        return min(n - 1, Int(v))
    }

    /// Calls `body` with the index of every item filed under the bucket containing `p`.
    @inline(__always) public func forEach(near p: Vec2, _ body: (Int) -> Void) {
        let i = Self.clampIndex(p.x / bucketSize, columns)
        let j = Self.clampIndex(p.y / bucketSize, rows)
        let b = j * columns + i
        var k = Int(starts[b])
        let end = Int(starts[b + 1])
        while k < end {
            body(Int(items[k]))
            k += 1
        }
    }
}
