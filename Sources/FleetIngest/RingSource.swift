public import FleetProtocol

/// What the receiver tells the pipeline in a ring slot's `source` word: either the peer a
/// valid frame came from, or that the frame was rejected and why.
///
/// Rejected frames travel through the ring too (their bytes, or the first 32 of an
/// oversized one), so the pipeline, which owns the loss ledgers, can charge the rejection
/// to the robot and sequence number the frame claims, in order with everything else.
public enum RingSource {
    static let rejectedFlag: UInt32 = 1 << 31

    /// The source word of a valid frame from peer `index` (0 in pub mode).
    public static func accepted(peer index: UInt32) -> UInt32 {
        precondition(index & rejectedFlag == 0)
        return index
    }

    /// The source word of a frame rejected with `code`.
    public static func rejected(_ code: ProtocolError.Code) -> UInt32 {
        rejectedFlag | UInt32(ProtocolError.Code.allCases.firstIndex(of: code)!)
    }

    /// The rejection code, or nil for a valid frame.
    public static func rejection(in source: UInt32) -> ProtocolError.Code? {
        guard source & rejectedFlag != 0 else { return nil }
        let index = Int(source & 0xFF)
        let codes = ProtocolError.Code.allCases
        return index < codes.count ? codes[codes.index(codes.startIndex, offsetBy: index)] : nil
    }

    /// The peer of a valid frame.
    public static func peer(in source: UInt32) -> UInt32 { source & ~rejectedFlag }
}
