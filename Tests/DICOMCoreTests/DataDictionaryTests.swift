import Testing
@testable import DICOMCore

/// The generated dictionary must say what pydicom 3.0.2 says (the values below were read from
/// pydicom's `datadict.get_entry`, `get_private_entry` and `UID_dictionary`).
@Suite("Data dictionary")
struct DataDictionaryTests {
    // MARK: Public entries

    @Test func patientName() throws {
        let e = try #require(DataDictionary.entry(for: Tag(0x0010, 0x0010)))
        #expect(e.vr == .PN)
        #expect(e.vrs == [.PN])
        #expect(e.vm == "1")
        #expect(e.name == "Patient's Name")
        #expect(e.keyword == "PatientName")
        #expect(!e.isRetired)
        #expect(e.tag == Tag(0x0010, 0x0010))
    }

    @Test func rows() throws {
        let e = try #require(DataDictionary.entry(for: Tag(0x0028, 0x0010)))
        #expect(e.vr == .US)
        #expect(e.keyword == "Rows")
    }

    @Test func pixelDataIsOBorOW() throws {
        let e = try #require(DataDictionary.entry(for: .pixelData))
        #expect(e.vr == .OB)
        #expect(e.vrs == [.OB, .OW])
        #expect(e.vrText == "OB or OW")
        #expect(e.isAmbiguous)
        #expect(e.keyword == "PixelData")
    }

    @Test func ambiguousAlternativesKeepOrder() throws {
        let pad = try #require(DataDictionary.entry(for: Tag(0x0028, 0x0120)))
        #expect(pad.vrs == [.US, .SS])
        #expect(pad.vrText == "US or SS")
        let gray = try #require(DataDictionary.entry(for: Tag(0x0028, 0x1200)))
        #expect(gray.vrs == [.US, .SS, .OW])
        #expect(gray.isRetired)
        let lut = try #require(DataDictionary.entry(for: Tag(0x0028, 0x3006)))
        #expect(lut.vrs == [.US, .OW])
        #expect(lut.vm == "1-n")
    }

    @Test func itemHasNoVR() throws {
        let e = try #require(DataDictionary.entry(for: .item))
        #expect(e.vr == nil)
        #expect(e.vrs.isEmpty)
        #expect(e.vrText == "NONE")
        #expect(DataDictionary.entry(for: .sequenceDelimitationItem)?.keyword == "SequenceDelimitationItem")
    }

    @Test(arguments: [UInt16(0x6000), 0x6002, 0x601E])
    func overlayDataViaRepeatingGroup(group: UInt16) throws {
        let e = try #require(DataDictionary.entry(for: Tag(group, 0x3000)))
        #expect(e.tag == Tag(group, 0x3000))
        #expect(e.keyword == "OverlayData")
        #expect(e.vrs == [.OB, .OW])
        #expect(!e.isRetired)
        #expect(DataDictionary.repeatingGroupMask(for: Tag(group, 0x3000)) == "60xx3000")
    }

    @Test func curveIsRetiredRepeater() throws {
        let e = try #require(DataDictionary.entry(for: Tag(0x5004, 0x0005)))
        #expect(e.keyword == "CurveDimensions")
        #expect(e.vr == .US)
        #expect(e.isRetired)
        #expect(DataDictionary.entry(for: Tag(0x5000, 0x3000))?.keyword == "CurveData")
    }

    @Test func otherRepeaterMasks() throws {
        #expect(DataDictionary.entry(for: Tag(0x0020, 0x3105))?.keyword == "SourceImageIDs")
        #expect(DataDictionary.entry(for: Tag(0x1000, 0x0130))?.keyword == "EscapeTriplet")
        #expect(DataDictionary.entry(for: Tag(0x1000, 0x0135))?.keyword == "ShiftTableTriplet")
        #expect(DataDictionary.entry(for: Tag(0x1010, 0x1234))?.keyword == "ZonalMap")
        #expect(DataDictionary.entry(for: Tag(0x7F02, 0x0010))?.keyword == "VariablePixelData")
        // The exact entry wins over a mask: (7FE0,0010) is Pixel Data, not Variable Pixel Data.
        #expect(DataDictionary.entry(for: .pixelData)?.keyword == "PixelData")
    }

    @Test func oddGroupsNeverMatchRepeaters() {
        // pydicom only applies masks to non-private (even) groups.
        #expect(DataDictionary.entry(for: Tag(0x6001, 0x3000)) == nil)
        #expect(DataDictionary.entry(for: Tag(0x5001, 0x0005)) == nil)
        #expect(DataDictionary.entry(for: Tag(0x7F01, 0x0010)) == nil)
        #expect(DataDictionary.entry(for: Tag(0x0009, 0x0000)) == nil)
    }

    @Test func groupLength() throws {
        let e = try #require(DataDictionary.entry(for: Tag(0x0008, 0x0000)))
        #expect(e.vr == .UL)
        #expect(e.vm == "1")
        #expect(e.keyword == "GroupLength")
        #expect(e.tag == Tag(0x0008, 0x0000))
        // Dictionary entries of their own win.
        #expect(DataDictionary.entry(for: .fileMetaInformationGroupLength)?.keyword == "FileMetaInformationGroupLength")
        #expect(DataDictionary.entry(for: Tag(0x0000, 0x0000))?.keyword == "CommandGroupLength")
        // So do masks, as in pydicom: (1010,0000) is Zonal Map US, not a group length.
        #expect(DataDictionary.entry(for: Tag(0x1010, 0x0000))?.vr == .US)
    }

    @Test func retiredFlags() {
        #expect(DataDictionary.entry(for: Tag(0x0000, 0x0001))?.isRetired == true)  // Command Length to End
        #expect(DataDictionary.entry(for: Tag(0x0028, 0x0104))?.isRetired == true)  // Smallest Valid Pixel Value
        #expect(DataDictionary.entry(for: Tag(0x0028, 0x0106))?.isRetired == false) // Smallest Image Pixel Value
    }

    @Test func unknownTags() {
        #expect(DataDictionary.entry(for: Tag(0x0008, 0x0002)) == nil)
        #expect(DataDictionary.entry(for: Tag(0x0029, 0x1010)) == nil)
        #expect(DataDictionary.entry(for: Tag(0xFFFF, 0xFFFF)) == nil)
        #expect(DataDictionary.tag(forKeyword: "NoSuchKeyword") == nil)
        #expect(DataDictionary.tag(forKeyword: "") == nil)
        #expect(DataDictionary.tag(forKeyword: "patientname") == nil)
    }

    // MARK: Keywords

    @Test func keywordLookup() {
        #expect(DataDictionary.tag(forKeyword: "PatientName") == Tag(0x0010, 0x0010))
        #expect(DataDictionary.tag(forKeyword: "PixelData") == .pixelData)
        #expect(DataDictionary.tag(forKeyword: "OverlayData") == Tag(0x6000, 0x3000))
        #expect(DataDictionary.tag(forKeyword: "ZonalMap") == Tag(0x1010, 0x0000))
        // (0028,0400) is Transform Label, so the 002804x0 repeater's first free tag is (0028,0410).
        #expect(DataDictionary.tag(forKeyword: "TransformLabel") == Tag(0x0028, 0x0400))
        #expect(DataDictionary.tag(forKeyword: "RowsForNthOrderCoefficients") == Tag(0x0028, 0x0410))
    }

    @Test func everyKeywordRoundTrips() {
        var checked = 0
        for e in DataDictionary.allEntries where !e.keyword.isEmpty {
            let tag = DataDictionary.tag(forKeyword: e.keyword)
            #expect(tag == e.tag, "\(e.keyword)")
            if let tag { #expect(DataDictionary.entry(for: tag)?.keyword == e.keyword, "\(e.keyword)") }
            checked += 1
        }
        #expect(checked == 5091 + 88 - 6)
    }

    @Test func entryCountsMatchInput() {
        // pydicom 3.0.2: len(DicomDictionary) 5091, len(RepeatersDictionary) 88; 6 entries
        // without keyword. A generator regression changes these.
        #expect(PublicDictionaryTables.tagCount == 5091)
        #expect(PublicDictionaryTables.repeaterCount == 88)
        #expect(DataDictionary.allEntries.count == 5091 + 88)
        #expect(PublicDictionaryTables.keywordOrder.count == 5091 + 88 - 6)
        // The table is strictly ascending (binary search relies on it).
        let tags = PublicDictionaryTables.tags
        #expect(zip(tags, tags.dropFirst()).allSatisfy { $0 < $1 })
        // 10545 private keys of 449 creators, of which 11 (shape GGGGEExx) pydicom never reaches.
        #expect(PrivateDictionaryTables.creatorCount == 449)
        #expect(PrivateDictionaryTables.entryCount + PrivateDictionaryTables.unreachableInputEntryCount == 10545)
        #expect(PrivateDictionaryTables.unreachableInputEntryCount == 11)
        let keys = PrivateDictionaryTables.keys
        #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 })
        #expect(UIDRegistry.allEntries.count == 482)
    }

    @Test func nonASCIINamesSurvive() throws {
        // The only non-ASCII names are private ones of "FDMS 1.0"; offsets are UTF-8 bytes.
        let e = try #require(DataDictionary.privateEntry(creator: "FDMS 1.0", tag: Tag(0x0025, 0x1034)))
        #expect(e.name == "tan θ")
        #expect(e.vr == .SS)
        let next = try #require(DataDictionary.privateEntry(creator: "FDMS 1.0", tag: Tag(0x0027, 0x1010)))
        #expect(next.name == "γ Raw Data Table Sequence")
        #expect(next.vr == .SQ)
    }

    // MARK: Private dictionary

    @Test func siemensCSAHeader() throws {
        let e = try #require(DataDictionary.privateEntry(creator: "SIEMENS CSA HEADER", tag: Tag(0x0029, 0x1010)))
        #expect(e.vr == .OB)
        #expect(e.name == "CSA Image Header Info")
        #expect(e.keyword == "")
        #expect(e.tag == Tag(0x0029, 0x1010))
        // Any block: (0029,xx10).
        #expect(DataDictionary.privateEntry(creator: "SIEMENS CSA HEADER", tag: Tag(0x0029, 0x1110))?.vr == .OB)
        #expect(DataDictionary.privateEntry(creator: "SIEMENS CSA HEADER", tag: Tag(0x0029, 0x1008))?.vr == .CS)
        // Unknown element of a known creator, unknown creator, case matters.
        #expect(DataDictionary.privateEntry(creator: "SIEMENS CSA HEADER", tag: Tag(0x0029, 0x1011)) == nil)
        #expect(DataDictionary.privateEntry(creator: "NOBODY", tag: Tag(0x0029, 0x1010)) == nil)
        #expect(DataDictionary.privateEntry(creator: "siemens csa header", tag: Tag(0x0029, 0x1010)) == nil)
        #expect(DataDictionary.knowsPrivateCreator("SIEMENS CSA HEADER"))
    }

    @Test func gemsAcquisition() throws {
        let e = try #require(DataDictionary.privateEntry(creator: "GEMS_ACQU_01", tag: Tag(0x0009, 0x1024)))
        #expect(e.vr == .DS)
        #expect(DataDictionary.privateEntry(creator: "GEMS_ACQU_01", tag: Tag(0x0009, 0x1025))?.vr == .US)
    }

    @Test func privateKeyPrecedence() throws {
        // Exact key "GGGGEEEE" (CANON_MEC_MR3 00290001 SQ) and "GGxxxxEE" masks (PAPYRUS 3.0 60xxxx01 LT).
        #expect(DataDictionary.privateEntry(creator: "CANON_MEC_MR3", tag: Tag(0x0029, 0x0001))?.vr == .SQ)
        let p = try #require(DataDictionary.privateEntry(creator: "PAPYRUS 3.0", tag: Tag(0x6003, 0x1001)))
        #expect(p.vr == .LT)
        #expect(p.vm == "1-n")
        #expect(p.name == "Linked Overlays")
        #expect(DataDictionary.privateEntry(creator: "DLX_ANNOT_01", tag: Tag(0x7003, 0x1004))?.vr == .ST)
    }

    @Test func oddVRTextsOfThePrivateDictionary() throws {
        // pydicom spells one private VR "OB_OW" (TOSHIBA_MEC_OT3 7019xx80) and has one "US or SS".
        let t = try #require(DataDictionary.privateEntry(creator: "TOSHIBA_MEC_OT3", tag: Tag(0x7019, 0x1080)))
        #expect(t.vrText == "OB_OW")
        #expect(t.vrs == [.OB, .OW])
        let f = try #require(DataDictionary.privateEntry(creator: "FDMS 1.0", tag: Tag(0x0027, 0x10A3)))
        #expect(f.vrText == "US or SS")
        #expect(f.vm == "1-n")
    }

    // MARK: Allocation-free VR lookups

    @Test func vrsAgreeWithEntries() {
        for e in DataDictionary.allEntries {
            #expect(DataDictionary.vrs(for: e.tag) == e.vrs, "\(e.tag)")
        }
        #expect(DataDictionary.vrs(for: Tag(0x0008, 0x0000)) == [.UL])
        #expect(DataDictionary.vrs(for: Tag(0x6004, 0x3000)) == [.OB, .OW])
        #expect(DataDictionary.vrs(for: .item) == [])
        #expect(DataDictionary.vrs(for: Tag(0x0009, 0x1001)) == nil)
        #expect(DataDictionary.vrs(for: Tag(0x0008, 0x0002)) == nil)
    }

    @Test func privateVRs() {
        #expect(DataDictionary.privateVRs(creator: "SIEMENS CSA HEADER", tag: Tag(0x0029, 0x1210)) == [.OB])
        #expect(DataDictionary.privateVRs(creator: "PAPYRUS 3.0", tag: Tag(0x6005, 0x10C0)) == [.SQ])
        #expect(DataDictionary.privateVRs(creator: "SIEMENS CSA HEADER", tag: Tag(0x0029, 0x1211)) == nil)
        #expect(DataDictionary.privateVRs(creator: "SIEMENS CSA HEADER ", tag: Tag(0x0029, 0x1210)) == nil)
    }

    // MARK: UIDs

    @Test func explicitVRLittleEndian() throws {
        let e = try #require(UIDRegistry.entry(for: "1.2.840.10008.1.2.1"))
        #expect(e.name == "Explicit VR Little Endian")
        #expect(e.type == "Transfer Syntax")
        #expect(e.keyword == "ExplicitVRLittleEndian")
        #expect(!e.isRetired)
        #expect(UIDRegistry.entry(for: "1.2.840.10008.1.2.2")?.isRetired == true)
    }

    @Test func ctImageStorage() throws {
        let e = try #require(UIDRegistry.entry(for: "1.2.840.10008.5.1.4.1.1.2"))
        #expect(e.name == "CT Image Storage")
        #expect(e.type == "SOP Class")
        #expect(UIDRegistry.uid(forKeyword: "CTImageStorage") == "1.2.840.10008.5.1.4.1.1.2")
    }

    @Test func unknownUIDs() {
        #expect(UIDRegistry.entry(for: "1.2.840.10008.1.2.1.") == nil)
        #expect(UIDRegistry.entry(for: "1.2.840.10008.1.2.1\0") == nil)
        #expect(UIDRegistry.entry(for: "") == nil)
        #expect(UIDRegistry.uid(forKeyword: "NoSuchUID") == nil)
    }

    @Test func everyUIDKeywordRoundTrips() {
        var checked = 0
        for e in UIDRegistry.allEntries {
            #expect(UIDRegistry.entry(for: e.uid) == e)
            if !e.keyword.isEmpty {
                #expect(UIDRegistry.uid(forKeyword: e.keyword) == e.uid, "\(e.keyword)")
                checked += 1
            }
        }
        #expect(checked == 482 - 2)
    }
}
