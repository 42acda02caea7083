package dev.steadfast.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * The frame decoder's cumulator: what is left of a partial frame and the next read are joined in a buffer of exactly
 * their size, not in one grown to the next power of two. Netty's own {@link ByteToMessageDecoder#MERGE_CUMULATOR}
 * keeps the first read's buffer and doubles it whenever a read does not fit, so a flood whose reads end mid-frame
 * held 128–256 KiB per connection whatever the frame limit; with this one a connection holds at most the partial
 * frame (bounded by the frame limit) plus one read (bounded by {@link HubChannelInitializer#MAX_READ_BYTES}).
 * Costs one copy of the partial frame per read that does not fit; small frames leave little to copy.
 */
final class ExactCumulator implements ByteToMessageDecoder.Cumulator {

    static final ExactCumulator INSTANCE = new ExactCumulator();

    private ExactCumulator() {
    }

    @Override
    public ByteBuf cumulate(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        if (cumulation == in) {
            in.release();
            return cumulation;
        }
        if (!cumulation.isReadable() && in.isContiguous()) {
            // Nothing left over: decode straight from the read buffer, no copy.
            cumulation.release();
            return in;
        }
        try {
            int required = in.readableBytes();
            if (required <= cumulation.writableBytes() && cumulation.refCnt() == 1 && !cumulation.isReadOnly()) {
                cumulation.writeBytes(in, in.readerIndex(), required);
                in.readerIndex(in.writerIndex());
                return cumulation;
            }
            ByteBuf joined = alloc.ioBuffer(cumulation.readableBytes() + required);
            try {
                joined.writeBytes(cumulation).writeBytes(in, in.readerIndex(), required);
                in.readerIndex(in.writerIndex());
            } catch (RuntimeException | Error e) {
                // Released here, since the caller never sees it; the failure goes on as it was.
                joined.release();
                throw e;
            }
            cumulation.release();
            return joined;
        } finally {
            in.release();
        }
    }
}
