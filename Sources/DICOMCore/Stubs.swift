// TEMPORARY stand-ins until the generated dictionary and the character-set module are merged.
public struct SpecificCharacterSet: Sendable, Equatable {
    public let values: [String]
    public init(_ values: [String]) { self.values = values }
    public static let `default` = SpecificCharacterSet([])
    public var isDefault: Bool { values.isEmpty }
    public var warnings: [String] { [] }
    public func decode(_ bytes: some Collection<UInt8>, vr: VR) -> String {
        if values.contains("ISO_IR 192") { return String(decoding: Array(bytes), as: UTF8.self) }
        return latin1(Array(bytes))
    }
    public func encode(_ string: String, vr: VR) -> [UInt8]? { Array(string.utf8) }
}
public struct DictionaryEntry: Sendable {
    public let tag: Tag
    public let vr: VR?
    public let vrs: [VR]
    public let vm: String
    public let name: String
    public let keyword: String
    public let isRetired: Bool
}
public enum DataDictionary {
    static let table: [UInt32: (String, String, String)] = [
        0x00080005: ("CS", "1-n", "SpecificCharacterSet"), 0x00080016: ("UI", "1", "SOPClassUID"),
        0x00080018: ("UI", "1", "SOPInstanceUID"), 0x00100010: ("PN", "1", "PatientName"),
        0x00280010: ("US", "1", "Rows"), 0x00280011: ("US", "1", "Columns"),
        0x7FE00010: ("OB or OW", "1", "PixelData"), 0x00081140: ("SQ", "1", "ReferencedImageSequence"),
        0x00081155: ("UI", "1", "ReferencedSOPInstanceUID"),
    ]
    public static func entry(for tag: Tag) -> DictionaryEntry? {
        guard let (v, vm, kw) = table[tag.rawValue] else { return nil }
        let vrs = v.split(separator: " ").compactMap { VR(rawValue: String($0)) }
        return DictionaryEntry(tag: tag, vr: vrs.first, vrs: vrs, vm: vm, name: kw, keyword: kw, isRetired: false)
    }
    public static func tag(forKeyword k: String) -> Tag? {
        table.first { $0.value.2 == k }.map { Tag(rawValue: $0.key) }
    }
    public static func privateEntry(creator: String, tag: Tag) -> DictionaryEntry? { nil }
}
public struct UIDEntry: Sendable { public let uid: String; public let name: String; public let type: String; public let keyword: String; public let isRetired: Bool }
public enum UIDRegistry {
    public static func entry(for uid: String) -> UIDEntry? { nil }
}
