import Testing
@testable import DICOMCore

private typealias Tag = DICOMCore.Tag

/// PS3.15 Annex E Basic Profile actions on representative attributes.

private func text(_ tag: Tag, _ vr: VR, _ s: String) -> DataElement {
    DataElement(tag: tag, vr: vr, bytes: padded(Array(s.utf8), vr))
}

private func sampleDataSet() -> DataSet {
    var ds = DataSet()
    ds.set(text(Tag(0x0008, 0x0005), .CS, "ISO_IR 100"))
    ds.set(text(Tag(0x0008, 0x0016), .UI, "1.2.840.10008.5.1.4.1.1.2"))        // SOP Class UID: K
    ds.set(text(Tag(0x0008, 0x0018), .UI, "1.2.3.4.5.6"))                       // SOP Instance UID: U
    ds.set(text(Tag(0x0008, 0x0020), .DA, "20240131"))                          // Study Date: Z
    ds.set(text(Tag(0x0008, 0x0060), .CS, "CT"))                                // Modality: K
    ds.set(text(Tag(0x0008, 0x0080), .LO, "General Hospital"))                  // Institution Name: X/Z/D
    ds.set(text(Tag(0x0008, 0x0090), .PN, "Dr^Who"))                            // Referring Physician: Z
    ds.set(text(Tag(0x0008, 0x1030), .LO, "CT HEAD"))                           // Study Description: X
    ds.set(text(Tag(0x0010, 0x0010), .PN, "Doe^Jane"))                          // Patient's Name: Z
    ds.set(text(Tag(0x0010, 0x0020), .LO, "PID-123"))                           // Patient ID: Z/D
    ds.set(text(Tag(0x0010, 0x0030), .DA, "19700101"))                          // Birth Date: Z
    ds.set(text(Tag(0x0010, 0x1000), .LO, "OTHER-ID"))                          // Other Patient IDs: X
    ds.set(text(Tag(0x0018, 0x1030), .LO, "Head protocol"))                     // Protocol Name: X/D
    ds.set(text(Tag(0x0020, 0x000D), .UI, "1.2.3.100"))                         // Study Instance UID: U
    ds.set(text(Tag(0x0020, 0x000E), .UI, "1.2.3.100.1"))                       // Series Instance UID: U
    ds.set(DataElement(tag: Tag(0x0028, 0x0010), vr: .US, bytes: [0x00, 0x02])) // Rows: K
    ds.set(text(Tag(0x0029, 0x0010), .LO, "ACME"))                              // private creator: X
    ds.set(text(Tag(0x0029, 0x1001), .LO, "secret"))                            // private: X
    ds.set(DataElement(tag: Tag(0x6000, 0x3000), vr: .OW, bytes: [1, 2]))       // Overlay Data: X (60xx)
    var ref = DataSet()
    ref.set(text(Tag(0x0008, 0x1150), .UI, "1.2.840.10008.5.1.4.1.1.2"))
    ref.set(text(Tag(0x0008, 0x1155), .UI, "1.2.3.4.5.0"))                      // Ref SOP Instance UID: U
    ds.set(DataElement(tag: Tag(0x0008, 0x1140), vr: .SQ, value: .sequence([ref]))) // X/Z/U*
    return ds
}

@Test func basicProfileTableHasTheStandardsActions() {
    #expect(ConfidentialityProfile.action(for: Tag(0x0010, 0x0010)) == .zero)
    #expect(ConfidentialityProfile.action(for: Tag(0x0010, 0x0030)) == .zero)
    #expect(ConfidentialityProfile.action(for: Tag(0x0010, 0x1000)) == .remove)
    #expect(ConfidentialityProfile.action(for: Tag(0x0020, 0x000D)) == .replaceUID)
    #expect(ConfidentialityProfile.action(for: Tag(0x0008, 0x0018)) == .replaceUID)
    #expect(ConfidentialityProfile.action(for: Tag(0x0008, 0x0080)) == .removeOrZeroOrDummy)
    #expect(ConfidentialityProfile.action(for: Tag(0x0018, 0x1030)) == .removeOrDummy)
    #expect(ConfidentialityProfile.action(for: Tag(0x0008, 0x1140)) == .removeOrZeroOrReplaceUIDs)
    #expect(ConfidentialityProfile.action(for: Tag(0x0040, 0xA730)) == .dummy)   // Content Sequence: D
    #expect(ConfidentialityProfile.action(for: Tag(0x0012, 0x0040)) == .dummy)   // Clinical Trial Subject ID: D
    #expect(ConfidentialityProfile.action(for: Tag(0x6002, 0x4000)) == .remove)  // Overlay Comments (60xx,4000)
    #expect(ConfidentialityProfile.action(for: Tag(0x5010, 0x0020)) == .remove)  // Curve data (50xx,xxxx)
    #expect(ConfidentialityProfile.action(for: Tag(0x0029, 0x1001)) == .remove)  // private
    #expect(ConfidentialityProfile.action(for: Tag(0x0028, 0x0010)) == .keep)    // Rows
    #expect(ConfidentialityProfile.action(for: Tag(0x0008, 0x0060)) == .keep)    // Modality
    #expect(ConfidentialityProfile.action(for: Tag(0x0008, 0x0016)) == .keep)    // SOP Class UID
    // The choices resolve to the conformant option.
    #expect(ProfileAction.removeOrZero.resolved == .zero)
    #expect(ProfileAction.zeroOrDummy.resolved == .dummy)
    #expect(ProfileAction.clean.resolved == .dummy)
    #expect(ProfileAction.keep.resolved == .keep)
}

@Test func applyingTheProfileRemovesAndReplacesIdentifyingAttributes() throws {
    let profile = ConfidentialityProfile()
    let ds = sampleDataSet()
    let out = profile.apply(to: ds)
    // Z: zero length
    #expect(out[Tag(0x0010, 0x0010)]?.valueLength == 0)
    #expect(out[Tag(0x0010, 0x0030)]?.valueLength == 0)
    #expect(out[Tag(0x0008, 0x0020)]?.valueLength == 0)
    #expect(out[Tag(0x0008, 0x0090)]?.valueLength == 0)
    // X: gone, private too
    #expect(out[Tag(0x0010, 0x1000)] == nil)
    #expect(out[Tag(0x0008, 0x1030)] == nil)
    #expect(out[Tag(0x0029, 0x0010)] == nil)
    #expect(out[Tag(0x0029, 0x1001)] == nil)
    #expect(out[Tag(0x6000, 0x3000)] == nil)
    // D (resolved from Z/D, X/D, X/Z/D): dummy of the VR
    #expect(out.string(Tag(0x0010, 0x0020)) == "ANONYMIZED")
    #expect(out.string(Tag(0x0008, 0x0080)) == "ANONYMIZED")
    #expect(out.string(Tag(0x0018, 0x1030)) == "ANONYMIZED")
    // K: unchanged
    #expect(out.string(Tag(0x0008, 0x0060)) == "CT")
    #expect(out.int(Tag(0x0028, 0x0010)) == 512)
    #expect(out.string(Tag(0x0008, 0x0016)) == "1.2.840.10008.5.1.4.1.1.2")
    // U: replaced, valid 2.25 UIDs, different from the originals
    let study = try #require(out.string(Tag(0x0020, 0x000D)))
    #expect(study != "1.2.3.100")
    #expect(study.hasPrefix("2.25."))
    #expect(study.count <= 64)
    #expect(study.dropFirst(5).allSatisfy { $0.isNumber })
    // X/Z/U*: the reference sequence stays, its instance UID is replaced
    let item = try #require(out[Tag(0x0008, 0x1140)]?.items?.first)
    #expect(item.string(Tag(0x0008, 0x1150)) == "1.2.840.10008.5.1.4.1.1.2")
    #expect(item.string(Tag(0x0008, 0x1155)) != "1.2.3.4.5.0")
    // E.1.1 marks
    #expect(out.string(Tag(0x0012, 0x0062)) == "YES")
    #expect(out.string(Tag(0x0012, 0x0063))?.contains("PS3.15") == true)
    // Nothing of the patient's identity survives anywhere in the values.
    for e in out.elements {
        let s = out.string(e)
        for secret in ["Doe", "PID-123", "19700101", "OTHER-ID", "General Hospital", "secret"] {
            #expect(!s.contains(secret), "\(e.tag) still holds \(secret)")
        }
    }
    // The input is untouched (pure transform).
    #expect(ds.string(Tag(0x0010, 0x0010)) == "Doe^Jane")
}

@Test func uidsAreReplacedConsistentlyWithinARun() throws {
    let profile = ConfidentialityProfile()
    var a = sampleDataSet()
    var b = sampleDataSet()
    a.set(text(Tag(0x0008, 0x0018), .UI, "1.2.3.4.5.6"))
    b.set(text(Tag(0x0008, 0x0018), .UI, "1.2.3.4.5.0"))   // b is the instance a references
    let da = profile.apply(to: a), db = profile.apply(to: b)
    // Same study and series in both instances: same new UIDs.
    #expect(da.string(Tag(0x0020, 0x000D)) == db.string(Tag(0x0020, 0x000D)))
    #expect(da.string(Tag(0x0020, 0x000E)) == db.string(Tag(0x0020, 0x000E)))
    #expect(da.string(Tag(0x0008, 0x0018)) != db.string(Tag(0x0008, 0x0018)))
    // a's reference to b still points at b after replacement.
    let refInA = try #require(da[Tag(0x0008, 0x1140)]?.items?.first?.string(Tag(0x0008, 0x1155)))
    #expect(refInA == db.string(Tag(0x0008, 0x0018)))
    // Another run does not reuse the mapping.
    let other = ConfidentialityProfile().apply(to: a)
    #expect(other.string(Tag(0x0020, 0x000D)) != da.string(Tag(0x0020, 0x000D)))
    // File meta follows the SOP Instance UID.
    var meta = DataSet()
    meta.set(text(.mediaStorageSOPInstanceUID, .UI, "1.2.3.4.5.6"))
    #expect(profile.apply(toFileMeta: meta).string(.mediaStorageSOPInstanceUID) == da.string(Tag(0x0008, 0x0018)))
}

@Test func deidentifiedDataSetStillEncodes() throws {
    let out = ConfidentialityProfile().apply(to: sampleDataSet())
    let ts = TransferSyntax.explicitVRLittleEndian
    let bytes = try out.encodedRaw(transferSyntax: ts)
    let back = try DataSet.decode(raw: bytes, transferSyntax: ts)
    #expect(back.string(Tag(0x0010, 0x0020)) == "ANONYMIZED")
    #expect(back[Tag(0x0010, 0x0010)]?.valueLength == 0)
}

@Test(arguments: VR.allCases)
func dummyValuesHaveEvenNonZeroLength(vr: VR) {
    let v = ConfidentialityProfile.dummyValue(for: vr)
    #expect(!v.isEmpty)
    #expect(v.count % 2 == 0)
}
