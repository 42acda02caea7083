package dev.steadfast.websocket;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.HashSet;
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
    private Set<String> subscriptions;
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

    private void handshakeTimedOut() {
        if (phase != Phase.OPEN) {
            recordReason(CloseReason.HANDSHAKE_TIMEOUT);
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
        if (now - lastPingNanos >= pingNanos) {
            lastPingNanos = now;
            channel.writeAndFlush(new PingWebSocketFrame());
        }
        // One timer per connection, due at the earliest of: next ping, idle deadline, token expiry.
        long next = Math.min(Math.min(lastPingNanos + pingNanos, lastReadNanos + idleNanos), expiresAtNanos) - now;
        heartbeatTimer = schedule(this, Math.max(next, 1_000_000L));
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
    }

    // ---- writing (any thread) ----

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
        closeWith(CloseCodes.POLICY_VIOLATION, "slow consumer: more than " + core.config.maxOutboundBytes()
                + " bytes waiting to be sent", CloseReason.SLOW_CONSUMER);
    }

    // ---- closing ----

    /** Records why the connection ends; the first reason wins. */
    void recordReason(CloseReason closeReason) {
        REASON.compareAndSet(this, null, closeReason);
    }

    boolean isClosing() {
        return closing;
    }

    /** Server-initiated close with the default flush timeout. Thread-safe. */
    void closeWith(int code, String text, CloseReason closeReason) {
        closeWith(code, text, closeReason, core.config.closeTimeout().toNanos());
    }

    /**
     * Server-initiated close: a WebSocket gets a close frame queued behind what was already written, then the socket
     * closes once it is flushed or after {@code flushTimeoutNanos}; a connection not (yet) upgraded is dropped.
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
        // Armed before the write: a write that flushes at once closes the channel and runs the cleanup inside
        // writeAndFlush, and the cleanup must find the timer to cancel it, or it would hold this connection.
        forceCloseTimer = schedule(channel::close, flushTimeoutNanos);
        CloseWebSocketFrame frame = new CloseWebSocketFrame(code, text);
        core.counters.bytesOut.add(frame.content().readableBytes());
        channel.writeAndFlush(frame).addListener(ChannelFutureListener.CLOSE);
    }

    /** The client sent a close frame: answer it (unless we started the close) and close the socket. */
    void clientClosed(CloseWebSocketFrame frame) {
        recordReason(CloseReason.CLIENT_CLOSED);
        if (closing) {
            channel.close();
            return;
        }
        closing = true;
        int status = frame.statusCode();
        CloseWebSocketFrame answer = CloseCodes.isSendable(status)
                ? new CloseWebSocketFrame(status, "") : new CloseWebSocketFrame(CloseCodes.NORMAL, "");
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
        handshakeTimer = heartbeatTimer = forceCloseTimer = null;
        if (subscriptions != null) {
            for (String topic : subscriptions) {
                core.topics.remove(topic, this);
            }
            subscriptions = null;
        }
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
