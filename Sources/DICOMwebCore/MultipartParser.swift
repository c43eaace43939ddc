
/// A streaming parser for `multipart/related` bodies (RFC 2387, framing of RFC 2046 §5.1.1),
/// as WADO-RS and STOW-RS use them (PS3.18 8.6.1.2). It does no I/O: feed it the body in
/// pieces of any size as they arrive and it reports each part's headers, its content in
/// chunks, and its end.
///
/// Content is handed on without copying: `feed(_:_:)` passes slices of the piece it was given
/// (valid during the call), and only the tail that could be the start of a delimiter split
/// across reads (the delimiter's length − 1 bytes) is held back. Outside a part's content (the
/// preamble, a header block) the parser takes the piece into its buffer 1 KiB at a time, so
/// at most that much of a part's first content is copied. What it holds is bounded by one
/// header block plus 1 KiB, whatever the size of a piece, a part or the body (`maxHeldBytes`
/// records the high-water mark).
///
/// The preamble before the first delimiter and the epilogue after the closing one are
/// ignored, as RFC 2046 requires. A body that ends before the closing delimiter, a
/// delimiter line followed by anything but transport padding and CRLF, or a header block
/// that never ends is an error naming the byte offset.
public struct MultipartParser: Sendable {
    /// What `feed` returns when collecting: content copied out (tests, small bodies).
    public enum Event: Sendable, Equatable {
        /// A part starts; header names are lower-cased (RFC 9110 §5.1: case-insensitive).
        case partBegin(headers: [String: String])
        /// Some of the part's content, in order.
        case body([UInt8])
        /// The part's content is complete.
        case partEnd
    }

    /// What the streaming `feed(_:_:)` reports; `.body` points into the caller's piece or the
    /// parser's small hold-back buffer and is valid only during the call.
    public enum Piece {
        case partBegin(headers: [String: String])
        case body(UnsafeRawBufferPointer)
        case partEnd
    }

    enum State { case preamble, afterDelimiter, headers, body, epilogue }

    /// CRLF "--" boundary (RFC 2046: the CRLF before a delimiter belongs to the delimiter).
    let delimiter: [UInt8]
    private let pattern: DelimiterPattern
    private var state = State.preamble
    /// Bytes received but not yet handed on: a hold-back tail inside a part's content, or the
    /// unread rest of a piece outside one.
    private var pending: [UInt8]
    /// Offset in the whole body of the first unconsumed byte (minus the virtual CRLF before
    /// the body).
    private var offset = -2
    public private(set) var partCount = 0
    /// The most bytes the parser has held at once (after a `feed` returns).
    public private(set) var maxHeldBytes = 0
    /// Header blocks larger than this are refused (a body that is not multipart at all).
    public var maxHeaderBytes = 64 * 1024
    /// How much of a piece is taken into `pending` at a time outside a part's content.
    static let window = 1024

    public init(boundary: String) throws(DICOMwebError) {
        let b = Array(boundary.utf8)
        // RFC 2046 §5.1.1: 1–70 characters.
        guard (1...70).contains(b.count), !b.contains(13), !b.contains(10) else {
            throw DICOMwebError(.multipart, "boundary '\(boundary.prefix(80))' must be 1 to 70 characters without line breaks (RFC 2046 §5.1.1)")
        }
        delimiter = [13, 10, 45, 45] + b
        pattern = DelimiterPattern(delimiter)
        // A delimiter may open the body with no CRLF before it: pretend there was one.
        pending = [13, 10]
        pending.reserveCapacity(256)
    }

    /// True once the closing delimiter has been seen.
    public var isComplete: Bool { state == .epilogue }

    /// Parse the next piece of the body, collecting what it yields (content copied).
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(DICOMwebError) -> [Event] {
        var events: [Event] = []
        let array = Array(bytes)
        var failure: DICOMwebError?
        array.withUnsafeBytes { raw in
            do throws(DICOMwebError) {
                try feed(raw) { piece in
                    switch piece {
                    case .partBegin(let h): events.append(.partBegin(headers: h))
                    case .body(let b): events.append(.body(Array(b)))
                    case .partEnd: events.append(.partEnd)
                    }
                }
            } catch { failure = error }
        }
        if let failure { throw failure }
        return events
    }

    /// Parse the next piece of the body, handing each event to `handle` as it is found.
    /// Content is passed as slices of `input` wherever it can be, never copied whole; an
    /// error thrown by `handle` stops the parse and is rethrown.
    public mutating func feed(_ input: UnsafeRawBufferPointer,
                              _ handle: (Piece) throws(DICOMwebError) -> Void) throws(DICOMwebError) {
        defer { maxHeldBytes = max(maxHeldBytes, pending.count) }
        var rest = input
        let d = delimiter.count
        loop: while true {
            switch state {
            case .epilogue:
                offset += pending.count + rest.count
                pending.removeAll()
                return
            case .body:
                if !pending.isEmpty {
                    // What is held: the leftover of a piece after a header block, or a tail
                    // that might start a delimiter.
                    if let j = findDelimiterInPending() {
                        if j > 0 { try emitPending(0..<j, handle) }
                        try handle(.partEnd)
                        drop(j + d)
                        state = .afterDelimiter
                        continue loop
                    }
                    let safe = pending.count - (d - 1)
                    if safe > 0 {
                        try emitPending(0..<safe, handle)
                        drop(safe)
                    }
                    if rest.isEmpty { break loop }
                    // Does a delimiter start in the held tail and end in the new piece?
                    let take = min(d - 1, rest.count)
                    let held = pending.count
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[..<take]))
                    if let i = findDelimiterInPending() {
                        if i > 0 { try emitPending(0..<i, handle) }
                        try handle(.partEnd)
                        let fromRest = i + d - held
                        pending.removeAll(keepingCapacity: true)
                        offset += held
                        rest = UnsafeRawBufferPointer(rebasing: rest[fromRest...])
                        offset += fromRest
                        state = .afterDelimiter
                        continue loop
                    }
                    if take < d - 1 {
                        // The whole piece went into the tail: hand on what cannot start a delimiter.
                        rest = UnsafeRawBufferPointer(start: nil, count: 0)
                        let safe2 = pending.count - (d - 1)
                        if safe2 > 0 {
                            try emitPending(0..<safe2, handle)
                            drop(safe2)
                        }
                        break loop
                    }
                    // No delimiter starts in the held tail: it is content.
                    pending.removeSubrange(held...)
                    try emitPending(0..<held, handle)
                    drop(held)
                }
                // Nothing held: work on the piece itself.
                if let j = pattern.firstIndex(in: rest, from: 0) {
                    if j > 0 { try handle(.body(UnsafeRawBufferPointer(rebasing: rest[..<j]))) }
                    try handle(.partEnd)
                    rest = UnsafeRawBufferPointer(rebasing: rest[(j + d)...])
                    offset += j + d
                    state = .afterDelimiter
                    continue loop
                }
                let safe = rest.count - (d - 1)
                if safe > 0 {
                    try handle(.body(UnsafeRawBufferPointer(rebasing: rest[..<safe])))
                    rest = UnsafeRawBufferPointer(rebasing: rest[safe...])
                    offset += safe
                }
                pending.append(contentsOf: rest)
                break loop
            case .preamble, .afterDelimiter, .headers:
                // Outside content, take the piece a window at a time: a header block is a few
                // hundred bytes, and what follows it in the piece is content best handed on
                // from the piece itself (taking the whole rest of a 64 KiB read here copied it
                // twice, once per part).
                if try step(handle) { continue loop }
                if rest.isEmpty { break loop }
                let take = min(rest.count, Self.window)
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[..<take]))
                rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            }
        }
    }

    /// One step outside a part's content, on `pending`; false when more bytes are needed.
    private mutating func step(_ handle: (Piece) throws(DICOMwebError) -> Void) throws(DICOMwebError) -> Bool {
        switch state {
        case .preamble:
            if let i = findDelimiterInPending() {
                drop(i + delimiter.count)
                state = .afterDelimiter
                return true
            }
            drop(max(0, pending.count - (delimiter.count - 1)))
            return false
        case .afterDelimiter:
            // "--" closes; otherwise optional transport padding (spaces, tabs) then CRLF.
            if pending.count < 2 { return false }
            if pending[0] == 45 && pending[1] == 45 {
                state = .epilogue
                drop(pending.count)
                return false
            }
            var i = 0
            while i < pending.count, pending[i] == 32 || pending[i] == 9 { i += 1 }
            if i > 1024 { throw framing("more than 1 KiB of padding after a boundary", at: i) }
            if pending.count - i < 2 { return false }
            guard pending[i] == 13 && pending[i + 1] == 10 else {
                throw framing("a boundary delimiter is followed by '\(printable(pending[i..<min(i + 16, pending.count)]))', not CRLF or \"--\"", at: i)
            }
            drop(i + 2)
            state = .headers
            return true
        case .headers:
            // An empty header block is just CRLF.
            if pending.count >= 2 && pending[0] == 13 && pending[1] == 10 {
                drop(2)
                partCount += 1
                state = .body
                try handle(.partBegin(headers: [:]))
                return true
            }
            guard let end = find([13, 10, 13, 10], inPending: 0) else {
                // Too long only once no terminator can still end within the limit: up to 3
                // bytes of a CRLFCRLF may be held (else a block of exactly the limit is refused
                // when it arrives split and accepted whole; found by Scripts/fuzz multipart).
                if pending.count > maxHeaderBytes + 3 {
                    throw framing("part \(partCount + 1)'s headers run past \(maxHeaderBytes) bytes without an empty line", at: 0)
                }
                return false
            }
            if end > maxHeaderBytes {
                throw framing("part \(partCount + 1)'s headers run past \(maxHeaderBytes) bytes", at: 0)
            }
            let headers = try parseHeaders(0..<end)
            drop(end + 4)
            partCount += 1
            state = .body
            try handle(.partBegin(headers: headers))
            return true
        case .body, .epilogue:
            return true
        }
    }

    private mutating func drop(_ n: Int) {
        guard n > 0 else { return }
        if n >= pending.count { pending.removeAll(keepingCapacity: pending.capacity <= 1 << 20) } else { pending.removeSubrange(0..<n) }
        offset += n
    }

    private func emitPending(_ r: Range<Int>, _ handle: (Piece) throws(DICOMwebError) -> Void) throws(DICOMwebError) {
        var failure: DICOMwebError?
        pending.withUnsafeBytes { b in
            do throws(DICOMwebError) { try handle(.body(UnsafeRawBufferPointer(rebasing: b[r]))) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// The body has ended: anything but a finished closing delimiter is an error.
    public func finish() throws(DICOMwebError) {
        switch state {
        case .epilogue: return
        case .preamble:
            throw framing("no boundary delimiter '--\(String(decoding: delimiter.dropFirst(4), as: UTF8.self))' in the body", at: pending.count)
        case .body, .headers, .afterDelimiter:
            throw framing("body cut short in part \(max(partCount, 1)): no closing boundary delimiter", at: pending.count)
        }
    }

    private func framing(_ what: String, at index: Int) -> DICOMwebError {
        DICOMwebError(.multipart, "malformed multipart/related body at byte \(max(0, offset + index)): \(what)")
    }

    private func parseHeaders(_ r: Range<Int>) throws(DICOMwebError) -> [String: String] {
        var headers: [String: String] = [:]
        let text = String(decoding: pending[r], as: UTF8.self)
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else {
                throw framing("part \(partCount + 1) has a header line without ':' ('\(line.prefix(60))')", at: r.lowerBound)
            }
            let name = line[..<colon].trimmingSpaces().lowercased()
            headers[name] = String(line[line.index(after: colon)...].trimmingSpaces())
        }
        return headers
    }

    /// First index ≥ from where `needle` starts in `pending`.
    private func find(_ needle: [UInt8], inPending from: Int) -> Int? {
        pending.withUnsafeBytes { findBytes(needle, in: $0, from: from) }
    }

    private func findDelimiterInPending() -> Int? {
        pending.withUnsafeBytes { pattern.firstIndex(in: $0, from: 0) }
    }
}

/// First index ≥ from where `needle` starts in `hay`: memchr for the first byte, then memcmp
/// (for short needles: the CRLF CRLF ending a header block).
package func findBytes(_ needle: [UInt8], in hay: UnsafeRawBufferPointer, from: Int) -> Int? {
    let n = needle.count
    guard hay.count - from >= n, let first = needle.first, let base = hay.baseAddress else { return nil }
    return needle.withUnsafeBytes { nd -> Int? in
        guard let nb = nd.baseAddress else { return nil }
        var i = from
        let last = hay.count - n
        while i <= last {
            guard let p = memchr(base + i, Int32(first), last - i + 1) else { return nil }
            let j = base.distance(to: UnsafeRawPointer(p))
            if memcmp(base + j, nb, n) == 0 { return j }
            i = j + 1
        }
        return nil
    }
}

/// The boundary delimiter, searched for with glibc's memmem (two-way and hashed Horspool,
/// vectorised). Measured on 150 MB of 12-bit CT pixel data with Orthanc's 76-byte delimiter:
/// memmem 3.7 ms, a plain Boyer–Moore–Horspool loop 6.8 ms (it waits on each load to know
/// its next shift; it was ~5 % of a WADO-RS retrieve's CPU under perf), a two-byte SIMD filter
/// 4.3 ms; memchr for the delimiter's CR then memcmp stops every few hundred bytes in 16-bit
/// pixel data.
struct DelimiterPattern: Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func firstIndex(in hay: UnsafeRawBufferPointer, from: Int) -> Int? {
        let n = bytes.count
        guard n > 0, from >= 0, hay.count - from >= n, let raw = hay.baseAddress else { return nil }
        return bytes.withUnsafeBytes { nb -> Int? in
            guard let p = sixray_memmem(raw + from, hay.count - from, nb.baseAddress, n) else { return nil }
            return raw.distance(to: p)
        }
    }
}

import CMemSearch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

package func printable(_ bytes: ArraySlice<UInt8>) -> String {
    String(bytes.map { $0 >= 0x20 && $0 < 0x7F ? Character(Unicode.Scalar($0)) : "." })
}

extension StringProtocol {
    package func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// Media type parameters (RFC 9110 §8.3.1): `multipart/related; type="application/dicom";
/// boundary=abc` → ("multipart/related", ["type": "application/dicom", "boundary": "abc"]).
public func parseMediaType(_ value: String) -> (type: String, parameters: [String: String]) {
    var parts: [String] = []
    var current = ""
    var quoted = false
    var escaped = false
    for c in value {
        if escaped { current.append(c); escaped = false; continue }
        if quoted && c == "\\" { escaped = true; continue }
        if c == "\"" { quoted.toggle(); continue }
        if c == ";" && !quoted { parts.append(current); current = ""; continue }
        current.append(c)
    }
    parts.append(current)
    let type = (parts.first ?? "").trimmingSpaces().lowercased()
    var params: [String: String] = [:]
    for p in parts.dropFirst() {
        guard let eq = p.firstIndex(of: "=") else { continue }
        params[p[..<eq].trimmingSpaces().lowercased()] = p[p.index(after: eq)...].trimmingSpaces()
    }
    return (type, params)
}
