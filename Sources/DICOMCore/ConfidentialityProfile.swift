import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Actions of PS3.15 Table E.1-1a ("De-identification Action Codes").
public enum ProfileAction: Sendable, Hashable {
    /// D: replace with a non-zero-length dummy value consistent with the VR.
    case dummy
    /// Z: replace with a zero-length value (or a dummy value).
    case zero
    /// X: remove.
    case remove
    /// K: keep (attributes the profile does not list; sequences are still walked).
    case keep
    /// C: clean, i.e. replace with values of similar meaning known not to identify the patient.
    /// Not used by the Basic Profile column (only by its options); treated as D here.
    case clean
    /// U: replace with a non-zero-length UID, internally consistent within a set of instances.
    case replaceUID
    /// Z/D: Z unless D is required to keep the IOD conformant.
    case zeroOrDummy
    /// X/Z: X unless Z is required to keep the IOD conformant.
    case removeOrZero
    /// X/D: X unless D is required to keep the IOD conformant.
    case removeOrDummy
    /// X/Z/D: X unless Z or D is required to keep the IOD conformant.
    case removeOrZeroOrDummy
    /// X/Z/U*: X unless Z or UID replacement is required (sequences of references: their UIDs
    /// are replaced).
    case removeOrZeroOrReplaceUIDs

    /// The action Sixray performs. Where the table leaves a choice "to keep the IOD
    /// conformant", Sixray takes the conformant one without knowing the IOD (the attribute
    /// stays, emptied or dummied), so exported files stay valid for any IOD; none of the
    /// choices leaves the original value.
    public var resolved: ProfileAction {
        switch self {
        case .zeroOrDummy, .removeOrDummy, .removeOrZeroOrDummy, .clean: return .dummy
        case .removeOrZero: return .zero
        case .removeOrZeroOrReplaceUIDs: return .replaceUID
        default: return self
        }
    }
}

/// UID replacement that is consistent within a run (PS3.15 E.1.1 action U): the same original
/// UID always maps to the same new UID, so studies, series and references stay linked.
/// New UIDs are UUID-derived under the 2.25 root (PS3.5 §B.2).
public final class UIDReplacement: Sendable {
    private struct Table {
        var map: [String: String] = [:]
        var used: Set<String> = []
    }
    private let table = Mutex(Table())
    private let make: @Sendable () -> String

    public init(make: @escaping @Sendable () -> String = UIDReplacement.randomUID) {
        self.make = make
    }

    public func replacement(for uid: String) -> String {
        table.withLock { t in
            if let r = t.map[uid] { return r }
            var r = make()
            while t.used.contains(r) { r = make() }
            t.map[uid] = r
            t.used.insert(r)
            return r
        }
    }

    public var count: Int { table.withLock { $0.map.count } }

    /// "2.25." followed by a 128-bit random integer in decimal (PS3.5 §B.2).
    @Sendable public static func randomUID() -> String {
        var g = SystemRandomNumberGenerator()
        let hi = g.next() >> 2 | 1 << 61, lo = g.next() % 10_000_000_000_000_000_000
        let low = String(lo)
        return "2.25." + String(hi) + String(repeating: "0", count: 19 - low.count) + low
    }
}

/// The Basic Application Level Confidentiality Profile of PS3.15 Annex E as a pure transform of
/// a data set: every attribute of Table E.1-1 ("Basic Prof." column, generated into
/// Generated/ConfidentialityProfileTable.swift by Scripts/deidentify/generate.py) gets its
/// action, private attributes are removed (E.3.1 without the Retain Safe Private Option),
/// sequences are walked item by item, and Patient Identity Removed (0012,0062) = YES and
/// De-identification Method (0012,0063) are added (E.1.1).
public struct ConfidentialityProfile: Sendable {
    public let uids: UIDReplacement

    public init(uids: UIDReplacement = UIDReplacement()) { self.uids = uids }

    public static let patientIdentityRemoved = Tag(0x0012, 0x0062)
    public static let deidentificationMethod = Tag(0x0012, 0x0063)
    /// De-identification Method (0012,0063) is LO: at most 64 characters (PS3.5 §6.2).
    public static let methodDescription = "PS3.15 Basic Application Level Confidentiality Profile (Sixray)"

    /// The table's action for `tag` (before resolving choices): listed attributes by the table,
    /// private attributes X, everything else K.
    public static func action(for tag: Tag) -> ProfileAction {
        let raw = tag.rawValue
        var lo = 0, hi = basicProfileTags.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            let t = basicProfileTags[mid]
            if t == raw { return basicProfileActions[mid] }
            if t < raw { lo = mid + 1 } else { hi = mid }
        }
        for m in basicProfileMasked where raw & m.mask == m.value { return m.action }
        if tag.isPrivate { return .remove }
        return .keep
    }

    /// The de-identified copy of a data set (top level: the identity-removed marks are added).
    public func apply(to dataSet: DataSet) -> DataSet {
        var out = transform(dataSet)
        out.set(DataElement(tag: Self.patientIdentityRemoved, vr: .CS, bytes: padded(Array("YES".utf8), .CS)))
        out.set(DataElement(tag: Self.deidentificationMethod, vr: .LO,
                            bytes: padded(Array(Self.methodDescription.utf8), .LO)))
        return out
    }

    /// File Meta Information with its Media Storage SOP Instance UID (0002,0003) replaced like
    /// the SOP Instance UID it mirrors (PS3.10 §7.1).
    public func apply(toFileMeta meta: DataSet) -> DataSet {
        var out = meta
        if let e = meta[.mediaStorageSOPInstanceUID] {
            out.set(replacingUIDs(e, in: meta))
        }
        return out
    }

    func transform(_ ds: DataSet) -> DataSet {
        var out = DataSet(isBigEndian: ds.isBigEndian, characterSet: ds.characterSet)
        for element in ds.elements {
            if let e = transform(element, in: ds) { out.set(e) }
        }
        return out
    }

    func transform(_ element: DataElement, in ds: DataSet) -> DataElement? {
        let action = Self.action(for: element.tag).resolved
        if element.vr == .SQ || element.items != nil {
            let items = element.items ?? []
            switch action {
            case .remove: return nil
            case .zero: return DataElement(tag: element.tag, vr: .SQ, value: .sequence([]))
            default:
                // D, U and K on a sequence: keep its structure, de-identify every item.
                return DataElement(tag: element.tag, vr: .SQ, value: .sequence(items.map(transform)))
            }
        }
        switch action {
        case .keep:
            return element
        case .remove:
            return nil
        case .zero:
            return DataElement(tag: element.tag, vr: element.vr, bytes: [])
        case .replaceUID:
            if element.vr == .UI { return replacingUIDs(element, in: ds) }
            return DataElement(tag: element.tag, vr: element.vr, bytes: [])
        default:
            if element.vr == .UI { return replacingUIDs(element, in: ds) }
            return DataElement(tag: element.tag, vr: element.vr, bytes: Self.dummyValue(for: element.vr))
        }
    }

    func replacingUIDs(_ element: DataElement, in ds: DataSet) -> DataElement {
        let values = ds.strings(element)
        let replaced = values.map { $0.isEmpty ? $0 : uids.replacement(for: $0) }.joined(separator: "\\")
        return DataElement(tag: element.tag, vr: .UI, bytes: padded(Array(replaced.utf8), .UI))
    }

    /// A non-zero-length dummy value valid for `vr` (PS3.5 §6.2 lengths and character
    /// repertoires), already padded to even length.
    public static func dummyValue(for vr: VR) -> [UInt8] {
        let text: String
        switch vr {
        case .PN: text = "ANONYMIZED"
        case .DA: text = "19000101"
        case .TM: text = "000000"
        case .DT: text = "19000101000000"
        case .AS: text = "000Y"
        case .DS, .IS: text = "0"
        case .UR: text = "urn:anonymized"
        case .UI: text = "2.25.0"
        case .AE, .CS, .SH, .LO, .LT, .ST, .UT, .UC: text = "ANONYMIZED"
        default:
            return [UInt8](repeating: 0, count: vr.numericSize.map { max($0, 2) } ?? 2)
        }
        return padded(Array(text.utf8), vr)
    }
}

extension DICOMFile {
    /// The file with its data set and File Meta Information de-identified by `profile`
    /// (bulk values such as pixel data still point into the same source).
    public func deidentified(with profile: ConfidentialityProfile) -> DICOMFile {
        var copy = self
        copy.dataSet = profile.apply(to: dataSet)
        copy.fileMetaInformation = profile.apply(toFileMeta: fileMetaInformation)
        return copy
    }
}
