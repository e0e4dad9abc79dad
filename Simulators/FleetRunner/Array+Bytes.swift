extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body that throws `RunnerError` only.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(RunnerError) -> R) throws(RunnerError) -> R {
        var result: Result<R, RunnerError>?
        withUnsafeBytes { bytes in
            result = Result { () throws(RunnerError) -> R in try body(bytes) }
        }
        return try result!.get()
    }
}
