import Testing

/// Every suite that runs `fleet` processes, one at a time: they load the machine on purpose
/// (replays at full rate, whole demos, a browser), and on two cores each would otherwise
/// measure the others (the SIGTERM drain bound, the live board's cadence).
@Suite(.serialized)
enum ProcessSuites {}
