import SixrayCLI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sixray`: runs the one-shot commands itself and hands everything else to
/// `sixray-workstation`, the executable beside it that links the whole workstation
/// (networking, the study store, the terminal UI). The split keeps `sixray view` a small
/// program that starts in a millisecond or two, as a preview over SSH should.
@main
enum Launcher {
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        // Files of the local study store are read through sixray-workstation, which audits.
        if !StoredFileAccess.touchesStore(args.dropFirst()) {
            if args.first == "view", let request = View.Request.parse(args.dropFirst()) {
                do { try request.run() } catch { exit(1) }
                exit(0)
            }
            if let command = OneShot.command(for: args) {
                OneShot.run(command, args)
            }
        }
        let path = siblingPath("sixray-workstation")
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
        argv.append(nil)
        execv(path, argv)
        let reason = String(cString: strerror(errno))
        Output.error("cannot start the workstation: \(path): \(reason) (build both executables with Scripts/build or `swift build`)")
        exit(127)
    }

    /// `name` in the directory of this executable (/proc/self/exe on Linux, argv[0] elsewhere).
    static func siblingPath(_ name: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4097)
        var own = ""
        #if os(Linux)
        let n = readlink("/proc/self/exe", &buffer, 4096)
        if n > 0 { own = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        #endif
        if own.isEmpty { own = CommandLine.arguments.first ?? "sixray" }
        guard let slash = own.lastIndex(of: "/") else { return name }
        return String(own[...slash]) + name
    }
}
