/// The one error type of DICOMweb: what failed, and where (the URL with any credentials
/// redacted, the HTTP status, the byte offset in a multipart body).
public struct DICOMwebError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Malformed multipart/related framing (RFC 2046 §5.1.1).
        case multipart
        /// The server answered with an HTTP error status.
        case http(status: Int)
        /// Non-JSON or wrong-type JSON (PS3.18 F.2).
        case json
        /// Connection refused, TLS failure, timeout, body cut short.
        case transport
        /// Bad URL, missing credentials, token command failed.
        case config
        /// A part is not a usable DICOM instance, or a sink refused it.
        case instance
    }

    public let kind: Kind
    public let message: String
    /// The URL of the request (credentials removed), when there was one.
    public let url: String?

    public init(_ kind: Kind, _ message: String, url: String? = nil) {
        self.kind = kind
        self.message = message
        self.url = url.map(redactURL)
    }

    public var status: Int? { if case .http(let s) = kind { return s } else { return nil } }

    public var description: String {
        var s = ""
        if let url { s += url + ": " }
        if case .http(let status) = kind { s += "HTTP \(status) \(httpReason(status))" + (message.isEmpty ? "" : ": ") }
        return s + message
    }
}

/// `https://user:secret@host/x` → `https://***@host/x`: a URL in a message never carries a
/// password (tokens travel only in the Authorization header, which is never printed).
public func redactURL(_ url: String) -> String {
    guard let scheme = url.range(of: "://") else { return url }
    let rest = url[scheme.upperBound...]
    let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
    guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
    return String(url[..<scheme.upperBound]) + "***" + String(rest[at...])
}

/// Words for the statuses a DICOMweb client meets (RFC 9110 §15; PS3.18 8.7.3).
func httpReason(_ status: Int) -> String {
    switch status {
    case 400: return "Bad Request"
    case 401: return "Unauthorized (the token or user name/password was refused)"
    case 403: return "Forbidden (the credentials are not allowed this resource)"
    case 404: return "Not Found"
    case 406: return "Not Acceptable (the server cannot send the requested media type or transfer syntax)"
    case 409: return "Conflict"
    case 413: return "Payload Too Large"
    case 415: return "Unsupported Media Type"
    case 429: return "Too Many Requests"
    case 500: return "Internal Server Error"
    case 502: return "Bad Gateway"
    case 503: return "Service Unavailable"
    case 504: return "Gateway Timeout"
    default: return status >= 500 ? "Server Error" : status >= 400 ? "Client Error" : ""
    }
}
