/// A streaming parser for `multipart/related` bodies (RFC 2387, framing of RFC 2046 §5.1.1),
/// as WADO-RS and STOW-RS use them (PS3.18 8.6.1.2). It does no I/O: feed it the body in
/// pieces of any size as they arrive and it reports each part's headers, its content in
/// chunks, and its end. Only the unfinished tail that could be the start of a delimiter is
/// held back, so memory stays bounded by the largest piece fed, whatever the body's size.
///
/// The preamble before the first delimiter and the epilogue after the closing one are
/// ignored, as RFC 2046 requires. A body that ends before the closing delimiter, a
/// delimiter line followed by anything but transport padding and CRLF, or a header block
/// that never ends is an error naming the byte offset.
public struct MultipartParser: Sendable {
    public enum Event: Sendable, Equatable {
        /// A part starts; header names are lower-cased (RFC 9110 §5.1: case-insensitive).
        case partBegin(headers: [String: String])
        /// Some of the part's content, in order.
        case body([UInt8])
        /// The part's content is complete.
        case partEnd
    }

    enum State { case preamble, afterDelimiter, headers, body, epilogue }

    /// CRLF "--" boundary (RFC 2046: the CRLF before a delimiter belongs to the delimiter).
    let delimiter: [UInt8]
    private var state = State.preamble
    private var pending: [UInt8]
    /// Offset in the whole body of `pending[0]` (minus the virtual CRLF before the body).
    private var offset = -2
    public private(set) var partCount = 0
    /// Header blocks larger than this are refused (a body that is not multipart at all).
    public var maxHeaderBytes = 64 * 1024

    public init(boundary: String) throws(DICOMwebError) {
        let b = Array(boundary.utf8)
        // RFC 2046 §5.1.1: 1–70 characters.
        guard (1...70).contains(b.count), !b.contains(13), !b.contains(10) else {
            throw DICOMwebError(.multipart, "boundary '\(boundary.prefix(80))' must be 1 to 70 characters without line breaks (RFC 2046 §5.1.1)")
        }
        delimiter = [13, 10, 45, 45] + b
        // A delimiter may open the body with no CRLF before it: pretend there was one.
        pending = [13, 10]
    }

    /// True once the closing delimiter has been seen.
    public var isComplete: Bool { state == .epilogue }

    /// Parse the next piece of the body.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(DICOMwebError) -> [Event] {
        if state == .epilogue { return [] }
        pending.append(contentsOf: bytes)
        var events: [Event] = []
        var pos = 0
        defer {
            if pos > 0 {
                pending.removeSubrange(0..<pos)
                offset += pos
            }
        }
        loop: while true {
            switch state {
            case .preamble:
                if let i = find(delimiter, from: pos) {
                    pos = i + delimiter.count
                    state = .afterDelimiter
                } else {
                    pos = max(pos, pending.count - (delimiter.count - 1))
                    break loop
                }
            case .afterDelimiter:
                // "--" closes; otherwise optional transport padding (spaces, tabs) then CRLF.
                var i = pos
                if pending.count - i < 2 { break loop }
                if pending[i] == 45 && pending[i + 1] == 45 {
                    state = .epilogue
                    pos = pending.count
                    break loop
                }
                while i < pending.count, pending[i] == 32 || pending[i] == 9 { i += 1 }
                if pending.count - i < 2 {
                    if i - pos > 1024 { throw framing("more than 1 KiB of padding after a boundary", at: i) }
                    break loop
                }
                guard pending[i] == 13 && pending[i + 1] == 10 else {
                    throw framing("a boundary delimiter is followed by '\(printable(pending[i..<min(i + 16, pending.count)]))', not CRLF or \"--\"", at: i)
                }
                pos = i + 2
                state = .headers
            case .headers:
                // An empty header block is just CRLF.
                if pending.count - pos >= 2 && pending[pos] == 13 && pending[pos + 1] == 10 {
                    pos += 2
                    partCount += 1
                    events.append(.partBegin(headers: [:]))
                    state = .body
                    continue
                }
                guard let end = find([13, 10, 13, 10], from: pos) else {
                    if pending.count - pos > maxHeaderBytes {
                        throw framing("part \(partCount + 1)'s headers run past \(maxHeaderBytes) bytes without an empty line", at: pos)
                    }
                    break loop
                }
                let headers = try parseHeaders(pos..<end)
                pos = end + 4
                partCount += 1
                events.append(.partBegin(headers: headers))
                state = .body
            case .body:
                if let i = find(delimiter, from: pos) {
                    if i > pos { events.append(.body(Array(pending[pos..<i]))) }
                    events.append(.partEnd)
                    pos = i + delimiter.count
                    state = .afterDelimiter
                } else {
                    // Keep back what could be the start of a delimiter split across reads.
                    let safe = pending.count - (delimiter.count - 1)
                    if safe > pos {
                        events.append(.body(Array(pending[pos..<safe])))
                        pos = safe
                    }
                    break loop
                }
            case .epilogue:
                pos = pending.count
                break loop
            }
        }
        return events
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
    private func find(_ needle: [UInt8], from: Int) -> Int? {
        let n = needle.count
        guard pending.count - from >= n, let first = needle.first else { return nil }
        return pending.withUnsafeBufferPointer { hay -> Int? in
            needle.withUnsafeBufferPointer { nd -> Int? in
                guard let base = hay.baseAddress, let nb = nd.baseAddress else { return nil }
                var i = from
                let last = hay.count - n
                while i <= last {
                    // memchr for the first byte, then compare the rest.
                    guard let p = memchr(base + i, Int32(first), last - i + 1) else { return nil }
                    let j = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + j, nb, n) == 0 { return j }
                    i = j + 1
                }
                return nil
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func printable(_ bytes: ArraySlice<UInt8>) -> String {
    String(bytes.map { $0 >= 0x20 && $0 < 0x7F ? Character(Unicode.Scalar($0)) : "." })
}

extension StringProtocol {
    func trimmingSpaces() -> String {
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
