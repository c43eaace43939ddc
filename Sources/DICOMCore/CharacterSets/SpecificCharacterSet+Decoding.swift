extension SpecificCharacterSet {
    /// Control characters that reset a single-byte (or KS X 1001) code extension to value 1's
    /// character set: CR, LF, TAB, FF (PS3.5 §6.1.2.5.3; pydicom `TEXT_VR_DELIMS`).
    static func isDelimiter(_ b: UInt8) -> Bool { b == 0x0D || b == 0x0A || b == 0x09 || b == 0x0C }

    /// Decode a whole value field (backslashes and padding included) of an element with `vr`.
    /// VRs not affected by the Specific Character Set (PS3.5 §6.1.2.3) are decoded as ISO 8859-1,
    /// as pydicom does. Never fails: undecodable bytes become U+FFFD exactly where pydicom puts them.
    public func decode(_ bytes: some Collection<UInt8>, vr: VR) -> String {
        let result = bytes.withContiguousStorageIfAvailable { decode(buffer: $0, vr: vr) }
        if let result { return result }
        return Array(bytes).withUnsafeBufferPointer { decode(buffer: $0, vr: vr) }
    }

    /// Decode a value field into its values the way pydicom's reader does:
    /// SH, LO, UC (and the other multi-valued VRs) split at `\` with trailing spaces and NULs
    /// removed from each value; ST, LT, UT, UR one value without trailing spaces and NULs;
    /// PN: trailing spaces and NULs removed from the bytes, then split at `\`, empty trailing
    /// component groups dropped (components and groups stay joined by `^` and `=`).
    /// An empty field gives `[]`.
    public func decodeValues(_ bytes: some Collection<UInt8>, vr: VR) -> [String] {
        var raw = Array(bytes)
        if vr == .PN {
            while let b = raw.last, b == 0x20 || b == 0 { raw.removeLast() }
        }
        if raw.isEmpty { return [] }
        let text = decode(raw, vr: vr)
        func trimmed<S: StringProtocol>(_ s: S) -> String {
            var end = s.endIndex
            while end > s.startIndex {
                let before = s.index(before: end)
                guard s[before] == " " || s[before] == "\0" else { break }
                end = before
            }
            return String(s[s.startIndex..<end])
        }
        switch vr {
        case .PN:
            // pydicom's PersonName drops empty trailing component groups ("A^B=" → "A^B")
            return text.split(separator: "\\", omittingEmptySubsequences: false).map { value in
                var groups = value.split(separator: "=", omittingEmptySubsequences: false)
                while let last = groups.last, last.isEmpty { groups.removeLast() }
                return groups.joined(separator: "=")
            }
        case .ST, .LT, .UT, .UR:
            return [trimmed(text)]
        default:
            if vr.usesSpecificCharacterSet {
                return text.split(separator: "\\", omittingEmptySubsequences: false).map { trimmed($0) }
            }
            return trimmed(text).split(separator: "\\", omittingEmptySubsequences: false).map(String.init)
        }
    }

    private func decode(buffer: UnsafeBufferPointer<UInt8>, vr: VR) -> String {
        guard vr.usesSpecificCharacterSet else { return Self.latin1(buffer) }
        let first = encodings[0]
        if !buffer.contains(0x1B) {
            // fast paths: the default repertoire, ISO_IR 100 and UTF-8 when the value is ASCII
            if first.codec == .latin1 || first.codec == .utf8 || first.codec.singleByteTable != nil {
                if first.codec == .latin1 { return Self.latin1(buffer) }
                if !buffer.contains(where: { $0 >= 0x80 }) { return String(decoding: buffer, as: UTF8.self) }
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(buffer.count + buffer.count / 2)
        if !buffer.contains(0x1B) {
            decodeFragment(buffer, into: &out)
        } else {
            // pydicom: re.findall(b"(^[^\x1b]+|[\x1b][^\x1b]*)") — split before every ESC
            var start = 0
            for i in 1..<buffer.count where buffer[i] == 0x1B {
                decodeFragment(UnsafeBufferPointer(rebasing: buffer[start..<i]), into: &out)
                start = i
            }
            decodeFragment(UnsafeBufferPointer(rebasing: buffer[start...]), into: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// ISO 8859-1 (pydicom's default "iso8859"): ASCII is copied, the rest widened.
    static func latin1(_ buffer: UnsafeBufferPointer<UInt8>) -> String {
        if !buffer.contains(where: { $0 >= 0x80 }) { return String(decoding: buffer, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(buffer.count * 2)
        for b in buffer { out.appendScalar(UInt32(b)) }
        return String(decoding: out, as: UTF8.self)
    }

    /// pydicom `_decode_fragment`: a part of the value with at most one ESC, at its start.
    private func decodeFragment(_ fragment: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let mark = out.count
        do {
            if fragment.first == 0x1B {
                try decodeEscapedFragment(fragment, into: &out)
            } else {
                try encodings[0].codec.decode(fragment, into: &out, replace: false)
            }
        } catch {
            out.removeSubrange(mark...)
            try? encodings[0].codec.decode(fragment, into: &out, replace: true)
        }
    }

    /// pydicom `_decode_escaped_fragment` (PS3.5 §6.1.2.5, PS3.3 C.12.1.1.2).
    private func decodeEscapedFragment(_ fragment: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) throws(CodecDecodeFailure) {
        let four = fragment.count >= 3 && fragment[1] == 0x24 && (fragment[2] == 0x28 || fragment[2] == 0x29)
        let length = min(four ? 4 : 3, fragment.count)
        let name = Self.escapeSequences[Array(fragment[0..<length])] ?? ""
        guard let encoding = name == Self.defaultName
                ? PyEncoding(name: name, codec: .latin1)
                : encodings.first(where: { $0.name == name }) else {
            // unknown escape sequence, or a code element not in (0008,0005)
            try encodings[0].codec.decode(fragment, into: &out, replace: true)
            return
        }
        if Self.handledEncodings.contains(name) {
            try encoding.codec.decode(fragment, into: &out, replace: false)
            return
        }
        let rest = UnsafeBufferPointer(rebasing: fragment[length...])
        if let d = rest.firstIndex(where: Self.isDelimiter) {
            try encoding.codec.decode(UnsafeBufferPointer(rebasing: rest[..<d]), into: &out, replace: false)
            try encodings[0].codec.decode(UnsafeBufferPointer(rebasing: rest[d...]), into: &out, replace: false)
        } else {
            try encoding.codec.decode(rest, into: &out, replace: false)
        }
    }
}
