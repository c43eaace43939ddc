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
