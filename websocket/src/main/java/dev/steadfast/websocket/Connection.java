package dev.steadfast.websocket;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * One accepted TCP connection, from accept to cleanup. Its {@link #operationComplete cleanup} is the only place that
 * undoes what the connection registered (registry entry, topic memberships and through them broker subscriptions,
 * address count, timers) and it runs exactly once, from the channel's close future, whatever closed the channel.
 *
 * <p>Threading: state that only the connection's own event loop touches (subscriptions, timers, heartbeat clocks) is
 * plain; what other threads read (phase, closing, reason) is volatile.
 */
final class Connection implements ChannelFutureListener, Runnable {

    enum Phase { HTTP, UPGRADING, OPEN }

    private static final AtomicReferenceFieldUpdater<Connection, CloseReason> REASON =
            AtomicReferenceFieldUpdater.newUpdater(Connection.class, CloseReason.class, "reason");
    private static final AtomicIntegerFieldUpdater<Connection> CLEANED =
            AtomicIntegerFieldUpdater.newUpdater(Connection.class, "cleaned");

    final long id;
    final Channel channel;
    final InetSocketAddress remoteAddress;
    private final HubCore core;

    private volatile Phase phase = Phase.HTTP;
    private volatile CloseReason reason;
    private volatile int cleaned;
    private volatile boolean closing;

    private Grants grants;
    private boolean addressCounted;
    private boolean pendingCounted;
    /** Ping rate limit: the current one-second window, pongs sent in it, and the latest ping not yet answered. */
    private long pingWindowStartNanos;
    private int pongsInWindow;
    private byte[] owedPong;
    private ScheduledFuture<?> owedPongTimer;
    /** Write-progress watchdog: the queue's head and size at the last heartbeat, and since when nothing has moved. */
    private long stallHeadSignature;
    private long stallPendingBytes;
    private long stalledSinceNanos;
    private Set<String> subscriptions;
    /**
     * Topics whose history is being read (their live messages wait here), or was just read and whose live messages
     * have not yet caught up with it (event loop only; usually null).
     */
    private Map<String, HeldMessages> held;
    private ScheduledFuture<?> handshakeTimer;
    private ScheduledFuture<?> heartbeatTimer;
    private ScheduledFuture<?> forceCloseTimer;
    private long lastReadNanos;
    private long lastPingNanos;
    private long expiresAtNanos;

    Connection(long id, Channel channel, HubCore core) {
        this.id = id;
        this.channel = channel;
        this.core = core;
        this.remoteAddress = (InetSocketAddress) channel.remoteAddress();
    }

    // ---- phases (event loop) ----

    void startHandshakeTimer() {
        handshakeTimer = schedule(this::handshakeTimedOut, core.config.handshakeTimeout().toNanos());
    }

    /** Takes one of the address's slots for connections without a complete request; false when it has none left. */
    boolean takePendingHandshakeSlot() {
        pendingCounted = core.pendingHandshakes.tryAdd(this);
        return pendingCounted;
    }

    /**
     * The hub holds more connections without a complete request than {@link WebSocketHubConfig#maxPendingHandshakes()}
     * and this one is the oldest: closed, on its own event loop, unless its request completed meanwhile. Any thread.
     */
    void evictPendingHandshake() {
        try {
            channel.eventLoop().execute(() -> {
                if (!pendingCounted || cleaned != 0) {
                    return;
                }
                recordReason(CloseReason.CONNECTION_LIMIT);
                closing = true;
                core.events.report(ClientEvents.Kind.PENDING_HANDSHAKE_HUB_LIMIT, remoteAddress, "over "
                        + core.config.maxPendingHandshakes() + " connections in the hub without a complete request;"
                        + " closed the oldest, this one (raise maxPendingHandshakes if so many clients are"
                        + " legitimately connecting at once)");
                channel.close();
            });
        } catch (RejectedExecutionException e) {
            // The event loop is shutting down and closes every channel itself.
            channel.close();
        }
    }

    /** The complete request arrived: the connection no longer counts as pending. */
    void requestReceived() {
        releasePendingHandshakeSlot();
    }

    private void releasePendingHandshakeSlot() {
        if (pendingCounted) {
            pendingCounted = false;
            core.pendingHandshakes.remove(this);
        }
    }

    private void handshakeTimedOut() {
        if (phase != Phase.OPEN) {
            if (REASON.compareAndSet(this, null, CloseReason.HANDSHAKE_TIMEOUT)) {
                core.events.report(ClientEvents.Kind.HANDSHAKE_TIMEOUT, remoteAddress, "no complete request within "
                        + core.config.handshakeTimeout().toMillis() + " ms; closed");
            }
            closing = true;
            channel.close();
        }
    }

    /** A complete plain HTTP request arrived: the handshake timer has done its job. */
    void httpRequestReceived() {
        cancel(handshakeTimer);
        handshakeTimer = null;
    }

    /** The upgrade passed authentication and the caps: this connection now counts against its address. */
    void upgrading(Grants grants) {
        this.grants = grants;
        this.addressCounted = true;
        this.phase = Phase.UPGRADING;
    }

    /** The 101 response was written: start the heartbeat, whose one timer also watches the token's expiry. */
    void upgraded() {
        if (cleaned != 0 || closing) {
            return;
        }
        cancel(handshakeTimer);
        handshakeTimer = null;
        phase = Phase.OPEN;
        core.webSocketOpened();
        long now = System.nanoTime();
        lastReadNanos = now;
        lastPingNanos = now;
        long untilExpiry = java.time.Duration.between(Instant.now(),
                grants.expiresAt().plus(core.config.tokenClockSkew())).toNanos();
        expiresAtNanos = now + Math.max(0, untilExpiry);
        heartbeatTimer = schedule(this,
                Math.min(core.config.pingInterval().toNanos(), expiresAtNanos - now));
    }

    Phase phase() {
        return phase;
    }

    Grants grants() {
        return grants;
    }

    // ---- heartbeat (event loop) ----

    void frameReceived() {
        lastReadNanos = System.nanoTime();
    }

    /** The heartbeat tick; the connection is its own task so a tick allocates nothing it keeps. */
    @Override
    public void run() {
        heartbeat();
    }

    private void heartbeat() {
        if (cleaned != 0 || closing) {
            return;
        }
        long now = System.nanoTime();
        long idleNanos = core.config.idleTimeout().toNanos();
        long pingNanos = core.config.pingInterval().toNanos();
        if (now - lastReadNanos >= idleNanos) {
            closeWith(CloseCodes.GOING_AWAY, "heartbeat timeout: no pong within "
                    + core.config.idleTimeout().toMillis() + " ms", CloseReason.HEARTBEAT_TIMEOUT);
            return;
        }
        if (now - expiresAtNanos >= 0) {
            closeWith(CloseCodes.POLICY_VIOLATION, "token expired", CloseReason.TOKEN_EXPIRED);
            return;
        }
        if (stalled(now, idleNanos)) {
            evictSlowConsumer();
            return;
        }
        if (now - lastPingNanos >= pingNanos) {
            lastPingNanos = now;
            if (!channel.isWritable()) {
                evictSlowConsumer();
                return;
            }
            channel.writeAndFlush(new PingWebSocketFrame());
        }
        // One timer per connection, due at the earliest of: next ping, idle deadline, token expiry.
        long next = Math.min(Math.min(lastPingNanos + pingNanos, lastReadNanos + idleNanos), expiresAtNanos) - now;
        heartbeatTimer = schedule(this, Math.max(next, 1_000_000L));
    }

    /**
     * Whether bytes have been waiting to be written, without any of them moving, for the idle timeout: the client
     * stopped reading, whatever it still sends (its own frames keep the idle clock fresh, and the pongs they cause
     * only lengthen the queue). Progress is judged at the head of the queue only: the head message changed, its
     * unwritten part shrank, or the queue got shorter in bytes. What is added at the tail is not progress.
     */
    private boolean stalled(long now, long idleNanos) {
        io.netty.channel.ChannelOutboundBuffer queued = channel.unsafe().outboundBuffer();
        long pending = queued == null ? 0 : queued.totalPendingWriteBytes();
        if (pending == 0) {
            stalledSinceNanos = 0;
            return false;
        }
        Object head = queued.current();
        long headSignature = System.identityHashCode(head) * 31L
                + (head instanceof io.netty.buffer.ByteBuf buffer ? buffer.readableBytes() : 0);
        boolean moved = headSignature != stallHeadSignature || pending < stallPendingBytes;
        stallHeadSignature = headSignature;
        stallPendingBytes = pending;
        if (stalledSinceNanos == 0 || moved) {
            stalledSinceNanos = now;
            return false;
        }
        return now - stalledSinceNanos >= idleNanos;
    }

    // ---- pings from the client (event loop) ----

    /**
     * A ping frame: answered at once while this second's allowance ({@link WebSocketHubConfig#maxPingsPerSecond()})
     * lasts; after it, the latest ping's payload is kept (one, at most 125 bytes) and answered when the second is
     * over, standing for every ping in between (RFC 6455 5.5.3 allows answering only the most recent ping).
     */
    void pingReceived(io.netty.buffer.ByteBuf payload) {
        if (closing) {
            return;
        }
        long now = System.nanoTime();
        if (now - pingWindowStartNanos >= 1_000_000_000L) {
            pingWindowStartNanos = now;
            pongsInWindow = 0;
        }
        byte[] bytes = io.netty.buffer.ByteBufUtil.getBytes(payload);
        if (pongsInWindow < core.config.maxPingsPerSecond() && owedPong == null) {
            pongsInWindow++;
            pong(bytes);
            return;
        }
        owedPong = bytes;
        if (owedPongTimer == null) {
            owedPongTimer = schedule(this::payOwedPong, Math.max(1, pingWindowStartNanos + 1_000_000_000L - now));
        }
    }

    private void payOwedPong() {
        owedPongTimer = null;
        byte[] bytes = owedPong;
        owedPong = null;
        if (bytes != null && !closing && cleaned == 0) {
            pingWindowStartNanos = System.nanoTime();
            pongsInWindow = 1;
            pong(bytes);
        }
    }

    private void pong(byte[] bytes) {
        if (!channel.isWritable()) {
            evictSlowConsumer();
            return;
        }
        core.counters.bytesOut.add(bytes.length);
        channel.writeAndFlush(new io.netty.handler.codec.http.websocketx.PongWebSocketFrame(
                Unpooled.wrappedBuffer(bytes)));
    }

    // ---- subscriptions (event loop) ----

    boolean isSubscribed(String topic) {
        return subscriptions != null && subscriptions.contains(topic);
    }

    int subscriptionCount() {
        return subscriptions == null ? 0 : subscriptions.size();
    }

    void subscribe(String topic) {
        if (cleaned != 0) {
            return;
        }
        core.topics.add(topic, this);
        if (subscriptions == null) {
            subscriptions = new HashSet<>(4);
        }
        subscriptions.add(topic);
    }

    void unsubscribe(String topic) {
        if (subscriptions != null && subscriptions.remove(topic)) {
            core.topics.remove(topic, this);
        }
        if (held != null) {
            held.remove(topic);
        }
    }

    // ---- recovery (event loop) ----

    /** From now until {@link #releaseHeld}, live messages of {@code topic} are held instead of written. */
    void holdLive(String topic) {
        if (held == null) {
            held = new HashMap<>(4);
        }
        held.put(topic, HeldMessages.holding());
    }

    boolean isHolding(String topic) {
        HeldMessages messages = held == null ? null : held.get(topic);
        return messages != null && !messages.catchingUp();
    }

    /**
     * Ends holding {@code topic}: writes the held live messages after {@code sent} (those at or below it in the same
     * epoch were already sent from the history), in arrival order. When none was after it, live messages up to
     * {@code sent} may still be on their way (the broker's live path is not ordered with its history reads), so they
     * keep being skipped until the first one after it arrives; one of another epoch is never skipped.
     */
    void releaseHeld(String topic, StreamPosition sent) {
        HeldMessages messages = held == null ? null : held.get(topic);
        if (messages == null) {
            return;
        }
        StreamPosition written = sent;
        for (int i = 0; i < messages.positions.size(); i++) {
            StreamPosition position = messages.positions.get(i);
            // One already covered went out from the history: not a drop, the client has it.
            if (!HeldMessages.covers(written, position)) {
                deliver(messages.frames.get(i));
                written = position == null ? written : position;
            }
        }
        if (sent == null || written != sent) {
            held.remove(topic);
        } else {
            held.put(topic, HeldMessages.catchingUpTo(sent));
        }
    }

    /**
     * Live messages of one topic waiting for its history to be read (bounded like the outbound buffer); or, once
     * read, the position the live messages must pass before they are written again.
     */
    private static final class HeldMessages {
        final List<StreamPosition> positions;
        final List<byte[]> frames;
        /** Null while holding. */
        final StreamPosition writtenUpTo;
        long bytes;

        private HeldMessages(List<StreamPosition> positions, List<byte[]> frames, StreamPosition writtenUpTo) {
            this.positions = positions;
            this.frames = frames;
            this.writtenUpTo = writtenUpTo;
        }

        static HeldMessages holding() {
            return new HeldMessages(new ArrayList<>(), new ArrayList<>(), null);
        }

        static HeldMessages catchingUpTo(StreamPosition writtenUpTo) {
            return new HeldMessages(List.of(), List.of(), writtenUpTo);
        }

        boolean catchingUp() {
            return writtenUpTo != null;
        }

        /** Whether {@code position} (null: a message without one) was already written up to {@code written}. */
        static boolean covers(StreamPosition written, StreamPosition position) {
            return written != null && position != null && position.epoch().equals(written.epoch())
                    && position.offset() <= written.offset();
        }
    }

    // ---- writing (any thread) ----

    /**
     * Fan-out of one published message of {@code topic} at {@code position} (null without history, or for a
     * notice such as {@code recovery_failed}), on this connection's event loop; held while the topic's history is
     * being read for this connection.
     */
    void deliver(String topic, StreamPosition position, byte[] frame) {
        HeldMessages messages = held == null ? null : held.get(topic);
        if (messages == null) {
            deliver(frame);
            return;
        }
        if (messages.catchingUp()) {
            if (HeldMessages.covers(messages.writtenUpTo, position)) {
                return;  // written from the history already
            }
            held.remove(topic);
            deliver(frame);
            return;
        }
        messages.positions.add(position);
        messages.frames.add(frame);
        messages.bytes += frame.length;
        if (messages.bytes > core.config.maxOutboundBytes()) {
            held.remove(topic);
            core.counters.messagesDropped.add(messages.positions.size());
            evictSlowConsumer();
        }
    }

    /**
     * Fan-out of one published message, on this connection's event loop (so the pending-bytes check is exact);
     * {@code frame} is shared by every subscriber and never modified.
     */
    void deliver(byte[] frame) {
        if (closing || phase != Phase.OPEN) {
            core.counters.messagesDropped.increment();
            return;
        }
        if (!channel.isWritable()) {
            core.counters.messagesDropped.increment();
            evictSlowConsumer();
            return;
        }
        // Counted first: the client may read the frame before this thread returns from the write.
        core.counters.messagesOut.increment();
        core.counters.bytesOut.add(frame.length);
        channel.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(frame)));
    }

    /** A message that could not even be handed to this connection's event loop. */
    void dropped() {
        core.counters.messagesDropped.increment();
    }

    /** A reply to this client's own request (ack, error, pong): bounded like deliveries. */
    void reply(String json) {
        if (closing) {
            return;
        }
        if (!channel.isWritable()) {
            evictSlowConsumer();
            return;
        }
        WebSocketFrame frame = new TextWebSocketFrame(json);
        core.counters.bytesOut.add(frame.content().readableBytes());
        channel.writeAndFlush(frame);
    }

    private void evictSlowConsumer() {
        if (!closing) {
            core.events.report(ClientEvents.Kind.SLOW_CONSUMER, remoteAddress, "did not read what was sent to it"
                    + " (more than " + core.config.maxOutboundBytes() + " bytes queued, or none written for "
                    + core.config.idleTimeout().toMillis() + " ms); closed with 1008");
        }
        closeWith(CloseCodes.POLICY_VIOLATION, "slow consumer: more than " + core.config.maxOutboundBytes()
                + " bytes waiting to be sent", CloseReason.SLOW_CONSUMER);
    }

    // ---- closing ----

    /** Records why the connection ends; the first reason wins. */
    void recordReason(CloseReason closeReason) {
        REASON.compareAndSet(this, null, closeReason);
    }

    /** Why the connection ends, once known; null while open. */
    CloseReason reason() {
        return reason;
    }

    boolean isClosing() {
        return closing;
    }

    /** Server-initiated close with the default flush timeout. Thread-safe. */
    void closeWith(int code, String text, CloseReason closeReason) {
        closeWith(code, text, closeReason, core.config.closeTimeout().toNanos());
    }

    /**
     * Server-initiated close: a WebSocket gets a close frame queued behind what was already written; once it is
     * flushed the output is shut and the socket closes when the client answers or closes (a lingering close, see
     * {@link #lingerAfterCloseFrame}), at the latest after {@code flushTimeoutNanos} in all; a connection not (yet)
     * upgraded is dropped.
     */
    void closeWith(int code, String text, CloseReason closeReason, long flushTimeoutNanos) {
        recordReason(closeReason);
        if (channel.eventLoop().inEventLoop()) {
            closeOnEventLoop(code, text, flushTimeoutNanos);
            return;
        }
        try {
            channel.eventLoop().execute(() -> closeOnEventLoop(code, text, flushTimeoutNanos));
        } catch (RejectedExecutionException e) {
            // The event loop is shutting down and closes every channel itself.
            channel.close();
        }
    }

    private void closeOnEventLoop(int code, String text, long flushTimeoutNanos) {
        if (closing || cleaned != 0) {
            return;
        }
        closing = true;
        if (phase != Phase.OPEN || flushTimeoutNanos <= 0) {
            channel.close();
            return;
        }
        // Armed before the write: a write that fails at once closes the channel and runs the cleanup inside
        // writeAndFlush, and the cleanup must find the timer to cancel it, or it would hold this connection. It
        // bounds the whole close: flushing the frame, then waiting for the client's answer.
        forceCloseTimer = schedule(channel::close, flushTimeoutNanos);
        CloseWebSocketFrame frame = new CloseWebSocketFrame(code, text);
        core.counters.bytesOut.add(frame.content().readableBytes());
        channel.writeAndFlush(frame).addListener((ChannelFutureListener) this::lingerAfterCloseFrame);
    }

    /**
     * The lingering close of RFC 6455 7.1.1: once the close frame is in the kernel, only the output is shut (the
     * client reads everything, then the end of the stream) and the input is still read, and discarded, until the
     * client answers with its close frame or closes its side; the force-close timer bounds a client that does
     * neither. Closing the socket at once would, whenever the client is still sending, leave unread data behind, on
     * which the kernel resets the connection and drops what it had not yet sent to the client: the close frame, when
     * the client was behind on reading. The client then sees 1006 instead of the code sent.
     */
    private void lingerAfterCloseFrame(ChannelFuture written) {
        if (!written.isSuccess() || !(channel instanceof DuplexChannel duplex) || duplex.isOutputShutdown()) {
            channel.close();
            return;
        }
        duplex.shutdownOutput().addListener((ChannelFutureListener) shut -> {
            if (!shut.isSuccess()) {
                channel.close();
            }
        });
    }

    /** The client sent a close frame: answer it (unless we started the close) and close the socket. */
    void clientClosed(CloseWebSocketFrame frame) {
        recordReason(CloseReason.CLIENT_CLOSED);
        if (closing) {
            channel.close();
            return;
        }
        int status = frame.statusCode();
        if (status != -1 && !CloseCodes.isValidReceived(status)) {
            // Netty's decoder lets every code from 3000 up through; RFC 6455 7.4 ends the range at 4999.
            REASON.set(this, CloseReason.PROTOCOL_VIOLATION);
            core.events.report(ClientEvents.Kind.PROTOCOL_VIOLATION, remoteAddress,
                    "close frame with invalid code " + status + "; closed with 1002");
            closeWith(CloseCodes.PROTOCOL_ERROR, "invalid close code", CloseReason.PROTOCOL_VIOLATION);
            return;
        }
        closing = true;
        CloseWebSocketFrame answer = CloseCodes.isSendable(status)
                ? new CloseWebSocketFrame(status, "") : new CloseWebSocketFrame(CloseCodes.NORMAL, "");
        core.counters.bytesOut.add(answer.content().readableBytes());
        channel.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
    }

    // ---- cleanup: the one path every ending goes through ----

    /** Close-future listener: runs once per channel, on its event loop. */
    @Override
    public void operationComplete(ChannelFuture closeFuture) {
        if (!CLEANED.compareAndSet(this, 0, 1)) {
            return;
        }
        closing = true;
        cancel(handshakeTimer);
        cancel(heartbeatTimer);
        cancel(forceCloseTimer);
        cancel(owedPongTimer);
        handshakeTimer = heartbeatTimer = forceCloseTimer = owedPongTimer = null;
        owedPong = null;
        releasePendingHandshakeSlot();
        if (subscriptions != null) {
            for (String topic : subscriptions) {
                core.topics.remove(topic, this);
            }
            subscriptions = null;
        }
        held = null;
        if (addressCounted) {
            addressCounted = false;
            core.limiter.release(remoteAddress.getAddress());
        }
        if (phase == Phase.OPEN) {
            core.webSocketClosed();
        }
        grants = null;
        recordReason(CloseReason.CONNECTION_LOST);
        core.unregister(this, reason);
    }

    boolean isCleanedUp() {
        return cleaned != 0;
    }

    /**
     * Schedules on this connection's event loop, unless (or until) the cleanup has run: a timer armed after it,
     * e.g. by a write that closed the channel synchronously, would hold this connection until it fires.
     */
    private ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        if (cleaned != 0) {
            return null;
        }
        ScheduledFuture<?> timer = channel.eventLoop().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        if (cleaned != 0) {
            timer.cancel(false);
            return null;
        }
        return timer;
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    @Override
    public String toString() {
        // No token, no query string: only what is safe to log.
        return "Connection[" + id + " " + remoteAddress + " " + phase + (reason == null ? "" : " " + reason) + "]";
    }
}
