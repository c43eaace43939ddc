import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import DICOMCore

public struct Dump: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "List the data elements of DICOM files (like dcmdump), or print them as PS3.18 JSON.",
        discussion: """
            Human output: one line per element, `(gggg,eeee) VR value  # length, VM Keyword`, \
            sequences indented. Private elements are shown under their Private Creator.

            --json prints the PS3.18 Annex F JSON model of the data set (the File Meta \
            Information is not part of that model): one object for one file, an array in \
            argument order for several. Binary values longer than 1024 bytes are given as \
            BulkDataURI "file://PATH?offset=N&length=M" (the value's bytes in the file), or \
            left out with --no-bulk.

            On a defect the reader prints what it read before it, then one error line on \
            stderr. Exit codes: 0 all files read; 1 at least one file could not be read \
            completely; 64 usage error.
            """)

    @Argument(help: "DICOM files (Part 10, or raw data sets without meta header).")
    var files: [String]

    @Flag(help: "Print the PS3.18 JSON model instead of the listing.")
    var json = false

    @Option(help: "Longest value shown in the listing before it is cut.")
    var maxValueLength = 64

    @Flag(help: "Leave bulk data out (listing: hide fragments and long binary values; JSON: omit values over 1024 bytes).")
    var noBulk = false

    @Flag(help: "Give InlineBinary for every binary value in JSON, however long.")
    var inlineBulk = false

    @Flag(help: "Treat defects the lenient reader accepts (odd lengths, VR mismatches, missing meta header, trailing padding) as errors.")
    var strict = false

    @Flag(help: "Do not print the lenient reader's warnings.")
    var quiet = false

    @Flag(help: "De-identify what is printed with the PS3.15 Basic Application Level Confidentiality Profile (UIDs replaced consistently across the files of one run).")
    var deidentify = false

    @Flag(help: "Dump a confidential study of the local store (the access is recorded in the audit log).")
    var showConfidential = false

    public func run() throws {
        try StoredFileAccess.check?(files, .dump, showConfidential, deidentify)
        var options = ReadOptions(strict: strict)
        options.bulkDataThreshold = 1024
        var failed = false
        var jsonParts: [String] = []
        let encoder = DICOMJSONEncoder(
            bulkData: inlineBulk ? .inline : (noBulk ? .omit(threshold: 1024) : .uri(threshold: 1024)),
            indent: 2)
        let formatter = DumpFormatter(maxValueLength: maxValueLength, hideBulk: noBulk)
        let profile = deidentify ? ConfidentialityProfile() : nil
        for path in files {
            var (file, error) = Part10Reader.readPartial(path: path, options: options)
            if let profile { file = file?.deidentified(with: profile) }
            if let file {
                if json {
                    jsonParts.append(encoder.encode(file.dataSet, sourcePath: file.source.isFile ? absolutePath(file.source.name) : nil))
                } else {
                    var text = files.count > 1 ? "# \(path)\n" : ""
                    text += formatter.format(file)
                    Output.write(text + (files.count > 1 ? "\n" : ""))
                }
                if !quiet {
                    for w in file.warnings { Output.error("\(path): \(w)") }
                }
            } else if json {
                jsonParts.append("null")
            }
            if let error {
                failed = true
                Output.error(error.description)
            }
        }
        if json {
            if files.count == 1 {
                Output.write(jsonParts[0] + "\n")
            } else {
                Output.write("[\n" + jsonParts.joined(separator: ",\n") + "\n]\n")
            }
        }
        if failed { throw ExitCode(1) }
    }
}

public func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return path }
    let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return cwd + "/" + path
}
