extension ScoreEventCodec {
    /// What a page keeps once: its names (teams and criteria), its senders, and its time
    /// quantum (the gcd of the steps between consecutive events' times).
    struct PageTable {
        var names: [String] = []
        var nameIndex: [String: Int] = [:]
        var senders: [UInt32] = []
        var senderIndex: [UInt32: Int] = [:]
        var quantum: UInt64 = 0

        init(_ events: some Collection<ScoreEventRow>) {
            var previousTime: UInt64 = 0
            for e in events {
                for name in [e.team, e.criterion] where nameIndex[name] == nil {
                    nameIndex[name] = names.count
                    names.append(name)
                }
                if senderIndex[e.sender] == nil {
                    senderIndex[e.sender] = senders.count
                    senders.append(e.sender)
                }
                let step = e.time >= previousTime ? e.time - previousTime : previousTime - e.time
                quantum = gcd(quantum, step)
                previousTime = e.time
            }
            quantum = max(quantum, 1)
        }

        init(reading reader: inout Reader) throws(StorageError) {
            for _ in 0..<(try reader.count()) {
                let length = try reader.count()
                names.append(String(decoding: try reader.bytes(length), as: UTF8.self))
            }
            for _ in 0..<(try reader.count()) { senders.append(UInt32(truncatingIfNeeded: try reader.varint())) }
            quantum = try reader.varint()
        }

        func write(eventCount: Int, into out: inout [UInt8]) {
            writeVarint(UInt64(names.count), &out)
            for name in names {
                let utf8 = Array(name.utf8)
                writeVarint(UInt64(utf8.count), &out)
                out += utf8
            }
            writeVarint(UInt64(senders.count), &out)
            for sender in senders { writeVarint(UInt64(sender), &out) }
            writeVarint(quantum, &out)
            writeVarint(UInt64(eventCount), &out)
        }

        func name(_ i: Int) throws(StorageError) -> String {
            guard i < names.count else { throw StorageError(.corruptRow, "score event page: no name \(i)") }
            return names[i]
        }

        func sender(_ slot: Int) throws(StorageError) -> UInt32 {
            guard slot < senders.count else { throw StorageError(.corruptRow, "score event page: no sender \(slot)") }
            return senders[slot]
        }
    }
}

// One event, field group by field group: each step writes what cannot be derived from the
// events before (or reads it back) and returns its flag bits.
extension ScoreEventCodec.Context {
    typealias Codec = ScoreEventCodec
    typealias Flag = ScoreEventCodec.Flag

    /// Appends the event's fields that cannot be derived to `body`; returns its flags.
    mutating func encode(_ e: ScoreEventRow, table: Codec.PageTable, into body: inout [UInt8]) -> UInt64 {
        let team = table.nameIndex[e.team]!
        let criterion = table.nameIndex[e.criterion]!
        var flags = encodeTime(e.time, quantum: table.quantum, into: &body)
        Codec.writeVarint(UInt64(table.senderIndex[e.sender]!), &body)
        flags |= encodeRobot(e, team: team, criterion: criterion, into: &body)
        flags |= encodeNumbers(e, key: Self.key(team, criterion), into: &body)
        let xor = e.score.bitPattern ^ (score[team] ?? 0)
        let scoreBytes = (64 - xor.leadingZeroBitCount + 7) / 8
        flags |= UInt64(scoreBytes) << Flag.scoreBytesShift
        for i in 0..<scoreBytes { body.append(UInt8(truncatingIfNeeded: xor >> (8 * UInt64(i)))) }
        score[team] = e.score.bitPattern
        flags |= encodeSequence(e, into: &body)
        if let id = e.eventID {
            flags |= Flag.eventID
            Codec.writeVarint(Codec.zigzag(id), &body)
        }
        return flags
    }

    private mutating func encodeTime(_ newTime: UInt64, quantum: UInt64, into body: inout [UInt8]) -> UInt64 {
        defer { time = newTime }
        if newTime == time { return Flag.sameTime }
        if newTime == time &+ quantum { return Flag.nextQuantum }
        // Every difference is a multiple of the quantum (its gcd).
        let forward = newTime > time
        let steps = (forward ? newTime - time : time - newTime) / quantum
        Codec.writeVarint(Codec.zigzag(forward ? Int64(bitPattern: steps) : -Int64(bitPattern: steps)), &body)
        return 0
    }

    private mutating func encodeRobot(
        _ e: ScoreEventRow,
        team: Int,
        criterion: Int,
        into body: inout [UInt8]
    ) -> UInt64 {
        var flags: UInt64 = 0
        if e.robotID == e.sender {
            flags |= Flag.robotIsSender
        } else {
            Codec.writeVarint(UInt64(e.robotID), &body)
        }
        if let last = robot[e.robotID], last == (team, criterion) {
            flags |= Flag.sameTeamAndCriterion
        } else {
            Codec.writeVarint(UInt64(team), &body)
            Codec.writeVarint(UInt64(criterion), &body)
        }
        robot[e.robotID] = (team, criterion)
        return flags
    }

    private mutating func encodeNumbers(_ e: ScoreEventRow, key: Int, into body: inout [UInt8]) -> UInt64 {
        var flags: UInt64 = 0
        let previous = last[key]
        if let previous, previous.delta == e.delta.bitPattern {
            flags |= Flag.sameDelta
        } else if let whole = Codec.integral(e.delta) {
            flags |= Flag.integralDelta
            Codec.writeVarint(Codec.zigzag(whole), &body)
        } else {
            Codec.writeBits(e.delta.bitPattern, &body)
        }
        if let previous, (Double(bitPattern: previous.total) + e.delta).bitPattern == e.total.bitPattern {
            flags |= Flag.totalIsSum
        } else if let whole = Codec.integral(e.total) {
            flags |= Flag.integralTotal
            Codec.writeVarint(Codec.zigzag(whole), &body)
        } else {
            Codec.writeBits(e.total.bitPattern, &body)
        }
        last[key] = (e.delta.bitPattern, e.total.bitPattern)
        return flags
    }

    private mutating func encodeSequence(_ e: ScoreEventRow, into body: inout [UInt8]) -> UInt64 {
        defer { sender[e.sender] = (e.bootEpoch, e.sequence) }
        let last = sender[e.sender]
        if let last, last.boot == e.bootEpoch, last.sequence &+ 1 == e.sequence { return Flag.nextSequence }
        var flags: UInt64 = 0
        if let last, last.boot == e.bootEpoch {
            flags |= Flag.sameBoot
        } else {
            Codec.writeVarint(UInt64(e.bootEpoch), &body)
        }
        Codec.writeVarint(Codec.zigzag(Int64(e.sequence) - Int64(last?.sequence ?? 0)), &body)
        return flags
    }
}

extension ScoreEventCodec.Context {
    /// The next event of a page, from its flags and the fields that follow them.
    mutating func decode(
        flags: UInt64,
        table: Codec.PageTable,
        from reader: inout Codec.Reader
    ) throws(StorageError) -> ScoreEventRow {
        let eventTime = try decodeTime(flags, quantum: table.quantum, from: &reader)
        let eventSender = try table.sender(try reader.count())
        let (robotID, team, criterion) = try decodeRobot(flags, sender: eventSender, from: &reader)
        let (delta, total) = try decodeNumbers(flags, key: Self.key(team, criterion), from: &reader)
        let scoreBytes = Int((flags >> Flag.scoreBytesShift) & 0xF)
        guard scoreBytes <= 8 else { throw StorageError(.corruptRow, "score event page: bad score") }
        var xor: UInt64 = 0
        for (i, b) in try reader.bytes(scoreBytes).enumerated() { xor |= UInt64(b) << (8 * UInt64(i)) }
        let scoreBits = xor ^ (score[team] ?? 0)
        score[team] = scoreBits
        let (boot, sequence) = try decodeSequence(flags, sender: eventSender, from: &reader)
        let eventID = flags & Flag.eventID != 0 ? Codec.unzigzag(try reader.varint()) : nil
        return ScoreEventRow(
            time: eventTime,
            robotID: robotID,
            team: try table.name(team),
            criterion: try table.name(criterion),
            delta: delta,
            total: total,
            score: Double(bitPattern: scoreBits),
            sender: eventSender,
            bootEpoch: boot,
            sequence: sequence,
            eventID: eventID
        )
    }

    private mutating func decodeTime(
        _ flags: UInt64,
        quantum: UInt64,
        from reader: inout Codec.Reader
    ) throws(StorageError) -> UInt64 {
        if flags & Flag.sameTime != 0 {
            // The time of the event before.
        } else if flags & Flag.nextQuantum != 0 {
            time = time &+ quantum
        } else {
            let steps = Codec.unzigzag(try reader.varint())
            time = time &+ UInt64(bitPattern: steps) &* quantum
        }
        return time
    }

    private mutating func decodeRobot(
        _ flags: UInt64,
        sender: UInt32,
        from reader: inout Codec.Reader
    ) throws(StorageError) -> (robot: UInt32, team: Int, criterion: Int) {
        let robotID = flags & Flag.robotIsSender != 0 ? sender : UInt32(truncatingIfNeeded: try reader.varint())
        let team: Int
        let criterion: Int
        if flags & Flag.sameTeamAndCriterion != 0 {
            guard let last = robot[robotID] else {
                throw StorageError(.corruptRow, "score event page: robot \(robotID) has no team yet")
            }
            (team, criterion) = last
        } else {
            team = try reader.count()
            criterion = try reader.count()
        }
        robot[robotID] = (team, criterion)
        return (robotID, team, criterion)
    }

    private mutating func decodeNumbers(
        _ flags: UInt64,
        key: Int,
        from reader: inout Codec.Reader
    ) throws(StorageError) -> (delta: Double, total: Double) {
        let previous = last[key]
        let delta: Double
        if flags & Flag.sameDelta != 0 {
            guard let previous else { throw StorageError(.corruptRow, "score event page: no delta to repeat") }
            delta = Double(bitPattern: previous.delta)
        } else if flags & Flag.integralDelta != 0 {
            delta = Double(Codec.unzigzag(try reader.varint()))
        } else {
            delta = Double(bitPattern: try reader.bits())
        }
        let total: Double
        if flags & Flag.totalIsSum != 0 {
            guard let previous else { throw StorageError(.corruptRow, "score event page: no total to add to") }
            total = Double(bitPattern: previous.total) + delta
        } else if flags & Flag.integralTotal != 0 {
            total = Double(Codec.unzigzag(try reader.varint()))
        } else {
            total = Double(bitPattern: try reader.bits())
        }
        last[key] = (delta.bitPattern, total.bitPattern)
        return (delta, total)
    }

    private mutating func decodeSequence(
        _ flags: UInt64,
        sender eventSender: UInt32,
        from reader: inout Codec.Reader
    ) throws(StorageError) -> (boot: UInt32, sequence: UInt32) {
        let last = sender[eventSender]
        let boot: UInt32
        let sequence: UInt32
        if flags & Flag.nextSequence != 0 {
            guard let last else { throw StorageError(.corruptRow, "score event page: no sequence to follow") }
            boot = last.boot
            sequence = last.sequence &+ 1
        } else {
            if flags & Flag.sameBoot != 0 {
                guard let last else { throw StorageError(.corruptRow, "score event page: no boot to repeat") }
                boot = last.boot
            } else {
                boot = UInt32(truncatingIfNeeded: try reader.varint())
            }
            sequence = UInt32(truncatingIfNeeded: Int64(last?.sequence ?? 0) + Codec.unzigzag(try reader.varint()))
        }
        sender[eventSender] = (boot, sequence)
        return (boot, sequence)
    }
}
