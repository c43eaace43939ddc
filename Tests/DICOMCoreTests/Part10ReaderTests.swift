import Testing
@testable import DICOMCore
import TestSupport

private let explicitLE = "1.2.840.10008.1.2.1"
private let implicitLE = "1.2.840.10008.1.2"
private let explicitBE = "1.2.840.10008.1.2.2"

private func read(_ ts: String, explicit: Bool = true, bigEndian: Bool = false,
                  options: ReadOptions = ReadOptions(), _ build: (inout DICOMBuilder) -> Void) -> (DICOMFile?, DICOMError?) {
    var b = DICOMBuilder(explicit: explicit, bigEndian: bigEndian)
    build(&b)
    return readBytes(DICOMBuilder.part10(transferSyntax: ts, dataSet: b.bytes), options: options)
}

// MARK: - Every VR of PS3.5 Table 6.2-1

@Test(arguments: [(explicitLE, true, false), (implicitLE, false, false), (explicitBE, true, true)])
func numericVRsDecodeInEveryByteOrder(ts: String, explicit: Bool, bigEndian: Bool) throws {
    let (file, error) = read(ts, explicit: explicit, bigEndian: bigEndian) { b in
        b.us(Tag(0x0028, 0x0010), 512)                         // US
        b.header(Tag(0x0028, 0x0106), .SS, length: 2); b.u16(UInt16(bitPattern: -1024))  // (implicit: US or SS)
        b.header(Tag(0x0018, 0x9219), .SS, length: 2); b.u16(UInt16(bitPattern: -5))
        b.header(Tag(0x0020, 0x9057), .UL, length: 4); b.u32(70000)
        b.header(Tag(0x0018, 0x6020), .SL, length: 4); b.u32(UInt32(bitPattern: -70000))
        b.header(Tag(0x0018, 0x9306), .FD, length: 8)
        let d = (2.5).bitPattern
        b.u32(bigEndian ? UInt32(d >> 32) : UInt32(d & 0xFFFF_FFFF)); b.u32(bigEndian ? UInt32(d & 0xFFFF_FFFF) : UInt32(d >> 32))
        b.header(Tag(0x0018, 0x9089), .FD, length: 0)
    }
    #expect(error == nil)
    let ds = try #require(file?.dataSet)
    #expect(ds.int(Tag(0x0028, 0x0010)) == 512)
    #expect(ds.int(Tag(0x0018, 0x9219)) == -5)
    #expect(ds.int(Tag(0x0020, 0x9057)) == 70000)
    #expect(ds.int(Tag(0x0018, 0x6020)) == -70000)
    #expect(ds.double(Tag(0x0018, 0x9306)) == 2.5)
}

@Test func sixtyFourBitAndOtherVRsAreRead() throws {
    let (file, error) = read(explicitLE) { b in
        b.text(Tag(0x0008, 0x0005), .CS, "ISO_IR 192")
        b.header(Tag(0x0008, 0x0301), .US, length: 2); b.u16(7)
        b.element(Tag(0x0008, 0x0119), .UC, Array("long code value".utf8) + [0x20])
        b.element(Tag(0x0008, 0x0120), .UR, Array("http://example.org/a b".utf8))
        b.element(Tag(0x0008, 0x0301), .US, [1, 0])
        b.element(Tag(0x0018, 0x0015), .CS, Array("HEAD".utf8))
        b.header(Tag(0x0040, 0xA160), .UT, length: 6); b.append(Array("a\\b c ".utf8))
        b.header(Tag(0x0072, 0x0082), .SV, length: 8); b.append([0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        b.header(Tag(0x0072, 0x0083), .UV, length: 8); b.append([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        b.header(Tag(0x0072, 0x0084), .OV, length: 8); b.append([1, 0, 0, 0, 0, 0, 0, 0])
    }
    #expect(error == nil)
    let ds = try #require(file?.dataSet)
    #expect(ds[Tag(0x0008, 0x0119)]?.vr == .UC)
    #expect(ds.string(Tag(0x0008, 0x0119)) == "long code value")
    #expect(ds.strings(Tag(0x0040, 0xA160)) == ["a\\b c"], "UT keeps its backslash: it is a single value")
    #expect(ds.int(Tag(0x0072, 0x0082)) == -2)
    let json = DICOMJSONEncoder(bulkData: .inline, indent: nil).encode(ds)
    #expect(json.contains("\"00720083\":{\"vr\":\"UV\",\"Value\":[18446744073709551615]}"))
    #expect(json.contains("\"00720084\":{\"vr\":\"OV\",\"InlineBinary\":\"AQAAAAAAAAA=\"}"))
    #expect(json.contains("\"00080120\":{\"vr\":\"UR\",\"Value\":[\"http://example.org/a b\"]}"))
}

@Test func personNameGroupsBecomeJSONComponents() throws {
    let (file, _) = read(explicitLE) { b in
        b.text(Tag(0x0010, 0x0010), .PN, "Yamada^Tarou=YAMADA^TAROU=yamada^tarou\\Doe^John")
    }
    let json = DICOMJSONEncoder(bulkData: .inline, indent: nil).encode(try #require(file?.dataSet))
    #expect(json.contains(#"{"Alphabetic":"Yamada^Tarou","Ideographic":"YAMADA^TAROU","Phonetic":"yamada^tarou"}"#))
    #expect(json.contains(#"{"Alphabetic":"Doe^John"}"#))
}

@Test func decimalAndIntegerStringsAreJSONNumbers() throws {
    let (file, _) = read(explicitLE) { b in
        b.text(Tag(0x0018, 0x0050), .DS, " 2.50 ")
        b.text(Tag(0x0020, 0x0013), .IS, "+12 ")
        b.text(Tag(0x0028, 0x0030), .DS, "0.5\\0.25")
        b.text(Tag(0x0028, 0x9110), .AT, "")
    }
    let json = DICOMJSONEncoder(bulkData: .inline, indent: nil).encode(try #require(file?.dataSet))
    #expect(json.contains(#""00180050":{"vr":"DS","Value":[2.5]}"#))
    #expect(json.contains(#""00200013":{"vr":"IS","Value":[12]}"#))
    #expect(json.contains(#""00280030":{"vr":"DS","Value":[0.5,0.25]}"#))
}

// MARK: - Sequences

@Test(arguments: [(false, false), (true, true), (false, true), (true, false)])
func sequencesOfEveryLengthFormNest(seqDefined: Bool, itemsDefined: Bool) throws {
    let (file, error) = read(explicitLE) { b in
        b.sequence(Tag(0x0008, 0x1140), definedLength: seqDefined, itemsDefinedLength: itemsDefined, items: [
            { $0.text(Tag(0x0008, 0x1155), .UI, "1.2.3") },
            { item in
                item.text(Tag(0x0008, 0x1155), .UI, "1.2.4")
                item.sequence(Tag(0x0040, 0xA730), definedLength: seqDefined, itemsDefinedLength: itemsDefined, items: [
                    { $0.text(Tag(0x0040, 0xA160), .UT, "inner") },
                ])
            },
        ])
        b.text(Tag(0x0010, 0x0020), .LO, "after")
    }
    #expect(error == nil)
    let ds = try #require(file?.dataSet)
    let items = try #require(ds[Tag(0x0008, 0x1140)]?.items)
    #expect(items.count == 2)
    #expect(items[1].string(Tag(0x0008, 0x1155)) == "1.2.4")
    #expect(items[1][Tag(0x0040, 0xA730)]?.items?.first?.string(Tag(0x0040, 0xA160)) == "inner")
    #expect(ds.string(Tag(0x0010, 0x0020)) == "after", "the element after the sequence is found")
}

@Test func sequencesInImplicitVRAreFoundThroughTheDictionary() throws {
    let (file, error) = read(implicitLE, explicit: false) { b in
        b.sequence(Tag(0x0008, 0x1140), items: [{ $0.text(Tag(0x0008, 0x1155), .UI, "1.2.3") }])
    }
    #expect(error == nil)
    let item = try #require(file?.dataSet[Tag(0x0008, 0x1140)]?.items?.first)
    #expect(item[Tag(0x0008, 0x1155)]?.vr == .UI)
}

@Test func nestingBeyondTheLimitIsATypedErrorNotACrash() throws {
    // 10,000 nested undefined-length sequences.
    var inner = DICOMBuilder()
    let depth = 10_000
    for _ in 0..<depth {
        inner.header(Tag(0x0040, 0xA730), .SQ, length: nil)
        inner.tag(.item); inner.u32(0xFFFF_FFFF)
    }
    let (file, error) = readBytes(DICOMBuilder.part10(transferSyntax: explicitLE, dataSet: inner.bytes))
    let e = try #require(error)
    #expect(e.kind == .nestingTooDeep(limit: 128))
    #expect(e.tagPath.steps.count > 128, "the error says where: \(e.tagPath)")
    #expect(file?.dataSet[Tag(0x0040, 0xA730)] != nil, "what was read before the error is kept")
}

// MARK: - Encapsulated pixel data

@Test func encapsulatedFragmentsAndOffsetTableAreLocatedNotCopied() throws {
    let (file, error) = read("1.2.840.10008.1.2.4.50") { b in
        b.us(Tag(0x0028, 0x0010), 2)
        b.encapsulatedPixelData(offsetTable: [0, 18], fragments: [Array(repeating: 0xAB, count: 10), [1, 2], [3, 4, 5, 6]])
    }
    #expect(error == nil)
    let pixel = try #require(file?.dataSet[.pixelData])
    guard case .encapsulated(let enc) = pixel.value else { Issue.record("not encapsulated"); return }
    #expect(enc.basicOffsetTable == [0, 18])
    #expect(enc.fragments.count == 3)
    #expect(enc.fragmentBytes(0) == Array(repeating: 0xAB, count: 10))
    #expect(enc.fragmentBytes(2) == [3, 4, 5, 6])
    #expect(enc.fragmentItemOffsets == [0, 18, 28], "offsets relative to the first fragment item, as the BOT counts")
}

@Test func largeBinaryValuesStayInTheSource() throws {
    let pixels = [UInt8](repeating: 7, count: 64 * 64 * 2)
    let (file, _) = read(explicitLE) { b in b.element(.pixelData, .OW, pixels) }
    let e = try #require(file?.dataSet[.pixelData])
    guard case .bulk(let ref) = e.value else { Issue.record("pixel data was copied"); return }
    #expect(ref.length == pixels.count)
    #expect(ref.bytes() == pixels)
}

// MARK: - Private tags

@Test func privateElementsAreReportedUnderTheirCreator() throws {
    let (file, _) = read(implicitLE, explicit: false) { b in
        b.text(Tag(0x0029, 0x0010), .LO, "SIEMENS CSA HEADER")
        b.text(Tag(0x0029, 0x1008), .CS, "IMAGE NUM 4")
    }
    let ds = try #require(file?.dataSet)
    #expect(ds.privateCreator(of: Tag(0x0029, 0x1008)) == "SIEMENS CSA HEADER")
    #expect(ds[Tag(0x0029, 0x1008)]?.vr == .CS, "VR from the private dictionary under its creator")
    var out = ""
    DumpFormatter().format(ds, level: 0, to: &out)
    #expect(out.contains("[SIEMENS CSA HEADER]"))
}

// MARK: - Lenient reading and strict mode

@Test func oddLengthIsAWarningLenientlyAndAnErrorStrictly() throws {
    let build: (inout DICOMBuilder) -> Void = { b in b.element(Tag(0x0010, 0x0020), .LO, Array("ABC".utf8)) }
    let (lenient, noError) = read(explicitLE, build)
    #expect(noError == nil)
    #expect(lenient?.warnings.contains { $0.message.contains("odd value length 3") } == true)
    var b = DICOMBuilder()
    build(&b)
    let bytes = DICOMBuilder.part10(transferSyntax: explicitLE, dataSet: b.bytes)
    let (_, strictError) = readBytes(bytes, options: ReadOptions(strict: true))
    #expect(strictError?.offset == bytes.count - 11, "offset of the element's tag in the file")
    #expect(strictError?.tagPath.description == "(0010,0020)")
}

@Test func rawDataSetWithoutPreambleIsRead() throws {
    var b = DICOMBuilder(explicit: false)
    b.text(Tag(0x0008, 0x0016), .UI, "1.2.840.10008.5.1.4.1.1.2")
    b.text(Tag(0x0010, 0x0010), .PN, "Doe^Jane")
    let (file, error) = readBytes(b.bytes)
    #expect(error == nil)
    #expect(file?.transferSyntax == .implicitVRLittleEndian)
    #expect(file?.dataSet.string(Tag(0x0010, 0x0010)) == "Doe^Jane")
    #expect(file?.warnings.first?.message.contains("raw data set") == true)
}

// MARK: - Bad input

@Test func valueLengthPastTheEndIsATypedErrorWithPathAndOffset() throws {
    var b = DICOMBuilder()
    b.sequence(Tag(0x0008, 0x1140), items: [
        { $0.text(Tag(0x0008, 0x1150), .UI, "1.2") },
        { $0.text(Tag(0x0008, 0x1150), .UI, "1.2") },
        { item in item.header(Tag(0x0008, 0x1155), .UI, length: 0xFFFF); item.append([0x31, 0x32]) },
    ])
    let bytes = DICOMBuilder.part10(transferSyntax: explicitLE, dataSet: b.bytes)
    let (_, error) = readBytes(bytes)
    let e = try #require(error)
    #expect(e.description.contains("in (0008,1140)[2](0008,1155): value length 0xFFFF exceeds remaining"))
    #expect(e.description.hasPrefix("test.dcm: Malformed DICOM at offset 0x"))
}

@Test func absurdLengthsAllocateNothing() throws {
    var b = DICOMBuilder()
    b.header(.pixelData, .OB, length: 0xFFFF_FFF0)
    let (_, error) = readBytes(DICOMBuilder.part10(transferSyntax: explicitLE, dataSet: b.bytes))
    #expect(error?.kind == .valueLengthExceedsRemaining(length: 0xFFFF_FFF0, remaining: 0))
}

@Test func emptyAndNonDICOMInputsAreRejectedClearly() throws {
    let (_, empty) = readBytes([])
    #expect(empty?.kind == .emptyFile)
    let (_, text) = readBytes(Array("Hello, this is not DICOM at all, just a text file that is long enough.".utf8)
                              + [UInt8](repeating: 0x41, count: 200))
    #expect(text?.description.contains("not a DICOM file") == true)
    let (_, dir) = Part10Reader.readPartial(path: "/tmp")
    #expect(dir?.kind == .isDirectory)
}

@Test func everyTruncationOfAFileGivesAnErrorOrAPrefixNeverACrash() throws {
    var b = DICOMBuilder()
    b.text(Tag(0x0008, 0x0016), .UI, "1.2.840.10008.5.1.4.1.1.7")
    b.sequence(Tag(0x0008, 0x1140), items: [{ $0.text(Tag(0x0008, 0x1155), .UI, "1.2.3") }])
    b.encapsulatedPixelData(offsetTable: [], fragments: [[1, 2, 3, 4]])
    let whole = DICOMBuilder.part10(transferSyntax: "1.2.840.10008.1.2.4.50", dataSet: b.bytes)
    for n in 0..<whole.count {
        let (file, error) = readBytes(Array(whole[0..<n]))
        #expect(file != nil || error != nil)
    }
}

// MARK: - Writer round trip

@Test(arguments: [TransferSyntax.explicitVRLittleEndian, .implicitVRLittleEndian, .deflatedExplicitVRLittleEndian])
func writeThenReadGivesTheSameDataSet(ts: TransferSyntax) throws {
    let (file, _) = read(explicitLE) { b in
        b.text(Tag(0x0008, 0x0016), .UI, "1.2.840.10008.5.1.4.1.1.7")
        b.text(Tag(0x0008, 0x0018), .UI, "1.2.3.4.5")
        b.text(Tag(0x0010, 0x0010), .PN, "Doe^Jane")
        b.sequence(Tag(0x0008, 0x1140), definedLength: true, itemsDefinedLength: true, items: [
            { $0.text(Tag(0x0008, 0x1155), .UI, "1.2.3") },
        ])
        b.element(.pixelData, .OW, [UInt8](repeating: 3, count: 4096))
    }
    let original = try #require(file)
    let bytes = try Part10Writer(transferSyntax: ts).encode(original.dataSet)
    let (again, error) = readBytes(bytes)
    #expect(error == nil)
    let reread = try #require(again)
    #expect(reread.transferSyntax.uid == ts.uid)
    #expect(reread.fileMetaInformation.string(.mediaStorageSOPInstanceUID) == "1.2.3.4.5")
    #expect(reread.fileMetaInformation.int(.fileMetaInformationGroupLength)
            == reread.fileMetaInformation.elements.filter { $0.tag.element != 0 }.reduce(0) { $0 + encodedLength($1) })
    #expect(sameDataSet(original.dataSet, reread.dataSet))
}

/// Explicit VR LE length of a meta element (all short-VR except OB).
private func encodedLength(_ e: DataElement) -> Int {
    (e.vr.hasLongExplicitLength ? 12 : 8) + (e.valueLength ?? 0)
}

/// Tags, VRs and values equal (values compared after even-length padding).
func sameDataSet(_ a: DataSet, _ b: DataSet) -> Bool {
    guard a.count == b.count else { return false }
    for (x, y) in zip(a.elements, b.elements) {
        guard x.tag == y.tag, x.vr == y.vr || (x.vr == .UN || y.vr == .UN) else { return false }
        if let xi = x.items, let yi = y.items {
            guard xi.count == yi.count, zip(xi, yi).allSatisfy(sameDataSet) else { return false }
            continue
        }
        var xb = x.valueBytes() ?? [], yb = y.valueBytes() ?? []
        if a.isBigEndian, let size = x.vr.numericSize { swapBytes(&xb, size: size) }
        if b.isBigEndian, let size = y.vr.numericSize { swapBytes(&yb, size: size) }
        if xb.count & 1 == 1 { xb.append(x.vr.paddingByte) }
        guard xb == yb else { return false }
    }
    return true
}

@Test func everyRealFileSurvivesARoundTripThroughTheWriter() throws {
    let files = realTestDataDirectories().flatMap(filesUnder)
    var checked = 0
    for path in files {
        let (file, error) = Part10Reader.readPartial(path: path)
        guard let file, error == nil, !file.dataSet.isEmpty, !file.transferSyntax.isBigEndian else { continue }
        let ts = file.transferSyntax.isEncapsulated ? file.transferSyntax : .explicitVRLittleEndian
        guard let bytes = try? Part10Writer(transferSyntax: ts).encode(file.dataSet) else {
            Issue.record("cannot write \(path)")
            continue
        }
        let (again, againError) = readBytes(bytes)
        #expect(againError == nil, "\(path): \(String(describing: againError))")
        if let again {
            #expect(sameDataSet(file.dataSet, again.dataSet), "\(path) changed in the round trip")
        }
        checked += 1
    }
    if !files.isEmpty { #expect(checked > 100, "round-tripped \(checked) real files") }
}
