/// What every message struct shares: its wire type and its body layout.
public protocol MessageBody: Sendable, Equatable {
    /// The wire message type this struct encodes.
    static var messageType: MessageType { get }
    /// The body's fields as the schema lists them, reserved ones included; the
    /// hand-written decode and encode follow it and tests hold it to the schema.
    static var layout: [FieldLayout] { get }
}
