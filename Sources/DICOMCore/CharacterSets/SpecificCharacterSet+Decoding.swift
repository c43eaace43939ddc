extension SpecificCharacterSet {
    /// Control characters that reset a single-byte (or KS X 1001) code extension to value 1's
    /// character set: CR, LF, TAB, FF (PS3.5 §6.1.2.5.3; pydicom `TEXT_VR_DELIMS`).
    static func isDelimiter(_ b: UInt8) -> Bool { b == 0x0D || b == 0x0A || b == 0x09 || b == 0x0C }

    /// Decode a whole value field (backslashes and padding included) of an element with `vr`.
    /// VRs not affected by the Specific Character Set (PS3.5 §6.1.2.3) are decoded as ISO 8859-1,
    /// as pydicom does. Never fails: undecodable bytes become U+FFFD exactly where pydicom puts them.
    @inlinable
    public func decode(_ bytes: some Collection<UInt8>, vr: VR) -> String {
        if let result = bytes.withContiguousStorageIfAvailable({ decode(buffer: $0, vr: vr) }) { return result }
        return Array(bytes).withUnsafeBufferPointer { decode(buffer: $0, vr: vr) }
    }

    /// Decode a value field into its values the way pydicom's reader does:
    /// SH, LO, UC (and the other multi-valued VRs) split at `\` with trailing spaces and NULs
    /// removed from each value; ST, LT, UT, UR one value without trailing spaces and NULs;
    /// PN: trailing spaces and NULs removed from the bytes, then split at `\`, empty trailing
    /// component groups dropped (components and groups stay joined by `^` and `=`).
    /// An empty field gives `[]`.
    @inlinable
    public func decodeValues(_ bytes: some Collection<UInt8>, vr: VR) -> [String] {
        if let result = bytes.withContiguousStorageIfAvailable({ decodeValues(buffer: $0, vr: vr) }) { return result }
        return Array(bytes).withUnsafeBufferPointer { decodeValues(buffer: $0, vr: vr) }
    }

    @usableFromInline
    func decodeValues(buffer all: UnsafeBufferPointer<UInt8>, vr: VR) -> [String] {
        var buffer = all
        if vr == .PN {
            var end = buffer.count
            while end > 0, buffer[end - 1] == 0x20 || buffer[end - 1] == 0 { end -= 1 }
            buffer = UnsafeBufferPointer(rebasing: buffer[..<end])
        }
        if buffer.isEmpty { return [] }
        let singleValued = vr == .ST || vr == .LT || vr == .UT || vr == .UR
        // Fast path: with a stateless ASCII-compatible first set and no ESC, "decode, then split
        // at \ and trim" equals "split the bytes at 0x5C, trim 0x20/0x00, decode each".
        if vr.usesSpecificCharacterSet ? stateless : true, !buffer.contains(0x1B) {
            func trimmedEnd(_ from: Int, _ to: Int) -> Int {
                var end = to
                while end > from, buffer[end - 1] == 0x20 || buffer[end - 1] == 0 { end -= 1 }
                return end
            }
            if singleValued {
                return [decode(buffer: UnsafeBufferPointer(rebasing: buffer[..<trimmedEnd(0, buffer.count)]), vr: vr)]
            }
            var values: [String] = []
            var start = 0
            // non-charset VRs: pydicom trims the whole value, then splits (multi_string)
            let last = vr.usesSpecificCharacterSet ? buffer.count : trimmedEnd(0, buffer.count)
            for i in 0...last where i == last || buffer[i] == 0x5C {
                var end = vr == .PN || !vr.usesSpecificCharacterSet ? i : trimmedEnd(start, i)
                if vr == .PN {  // pydicom's PersonName drops empty trailing groups: "A^B==" → "A^B"
                    while end > start, buffer[end - 1] == 0x3D { end -= 1 }
                }
                values.append(decode(buffer: UnsafeBufferPointer(rebasing: buffer[start..<end]), vr: vr))
                start = i + 1
            }
            return values
        }
        let text = decode(buffer: buffer, vr: vr)
        if vr == .PN {
            // pydicom's PersonName drops empty trailing component groups ("A^B=" → "A^B")
            return Self.split(text, "\\").map { value in
                var groups = Self.split(value, "=")
                while let last = groups.last, last.isEmpty { groups.removeLast() }
                return groups.joined(separator: "=")
            }
        }
        if singleValued { return [Self.trimmed(text)] }
        if vr.usesSpecificCharacterSet { return Self.split(text, "\\").map(Self.trimmed) }
        return Self.split(Self.trimmed(text), "\\")
    }

    /// Python `str.split(separator)`: by Unicode scalar, not by `Character` (a combining mark
    /// after `\`, `^` or `=` would otherwise hide the delimiter in one grapheme cluster).
    static func split(_ text: String, _ separator: Unicode.Scalar) -> [String] {
        var parts: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == separator {
                parts.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        parts.append(String(current))
        return parts
    }

    /// Python `str.rstrip(" \0")`, by Unicode scalar.
    static func trimmed(_ text: String) -> String {
        var scalars = text.unicodeScalars
        while let last = scalars.last, last == " " || last == "\0" { scalars.removeLast() }
        return String(scalars)
    }

    /// Value 1's set decodes byte by byte with 0x5C, 0x20 and 0x00 always standing for themselves
    /// (ISO 8859-x, UTF-8): values can be split before decoding.
    var stateless: Bool {
        switch fastPath {
        case .latin1, .utf8, .singleByte: return true
        case .none: return false
        }
    }

    @usableFromInline
    func decode(buffer: UnsafeBufferPointer<UInt8>, vr: VR) -> String {
        guard vr.usesSpecificCharacterSet else { return Self.latin1(buffer) }
        // one pass: any ESC (code extensions) or bytes above 0x7F?
        var high = 0
        var escape = false
        for b in buffer where b >= 0x80 || b == 0x1B {
            if b == 0x1B { escape = true; break }
            high += 1
        }
        if !escape {
            switch fastPath {
            case .latin1: return Self.latin1(buffer, high: high)
            case .utf8, .singleByte:
                if high == 0 { return String(decoding: buffer, as: UTF8.self) }
                if case .utf8 = fastPath, let valid = String(validating: buffer, as: UTF8.self) { return valid }
            case .none: break
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(buffer.count + buffer.count / 2)
        if !escape {
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

    /// ISO 8859-1 (pydicom's default "iso8859"): ASCII is copied, the rest widened, written
    /// straight into the string's storage.
    static func latin1(_ buffer: UnsafeBufferPointer<UInt8>, high: Int? = nil) -> String {
        let high = high ?? buffer.reduce(0) { $0 + ($1 >= 0x80 ? 1 : 0) }
        if high == 0 { return String(decoding: buffer, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: buffer.count + high) { out in
            var j = 0
            for b in buffer {
                if b < 0x80 {
                    out[j] = b; j += 1
                } else {
                    out[j] = 0xC0 | b >> 6; out[j + 1] = 0x80 | b & 0x3F; j += 2
                }
            }
            return j
        }
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
        let name = Self.escapeSequenceName(fragment[0..<length]) ?? ""
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
