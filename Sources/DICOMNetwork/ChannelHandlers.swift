import NIOCore

/// Frames the byte stream into PDUs with `PDUCodec` (the only inbound handler that reads bytes).
public struct PDUDecoder: ByteToMessageDecoder {
    public typealias InboundOut = PDU
    public let maximumLength: UInt32

    public init(maximumLength: UInt32 = PDUCodec.defaultMaximumPDU) { self.maximumLength = maximumLength }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let pdu = try PDUCodec.decode(&buffer, maximumLength: maximumLength) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(pdu))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            let n = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: n)
            throw NetworkError(.malformedPDU("connection closed inside a PDU (\(n) bytes of it received)"))
        }
        return .needMoreData
    }
}

/// Writes PDUs with `PDUCodec`.
public struct PDUEncoder: MessageToByteEncoder {
    public typealias OutboundIn = PDU
    public init() {}
    public func encode(data: PDU, out: inout ByteBuffer) throws {
        PDUCodec.encode(data, into: &out)
    }
}

/// Turns the read-idle event of `IdleStateHandler` into a timeout error and closes the channel:
/// a peer that stops answering ends the association with a clear message.
final class ReadTimeoutHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = PDU
    typealias InboundOut = PDU
    let what: String
    init(what: String) { self.what = what }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? IdleStateHandler.IdleStateEvent, e == .read {
            context.fireErrorCaught(NetworkError(.timeout(what)))
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
