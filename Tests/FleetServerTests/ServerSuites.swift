import Testing

/// Every suite of this target, one at a time: each starts an ingester, a server and sometimes
/// a browser, and the machine may have two cores.
@Suite(.serialized)
enum ServerSuites {}
