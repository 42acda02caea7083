package dev.steadfast.websocket;

import java.util.Objects;

/**
 * Where a publication sits in a topic's history: its {@code offset} (1 for the first publication of the stream,
 * increasing by one per publication) and the stream's {@code epoch} (changes when the history is lost, e.g. Redis
 * restarted empty or the history expired, and offsets start again). Sent to clients in {@code message} frames and
 * {@code subscribed} replies; a client passes the last one it saw back as {@code since} to recover what it missed.
 *
 * <pre>{@code
 * StreamPosition seen = new StreamPosition(41, "k3f9a2");
 * broker.recover("room:1", seen);   // publications 42, 43, ... or recovered=false
 * }</pre>
 *
 * @param offset the publication's offset, 0 before the first publication
 * @param epoch  the stream's epoch, non-empty
 */
public record StreamPosition(long offset, String epoch) {

    /** Checks the offset is not negative and the epoch not empty. */
    public StreamPosition {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative: " + offset);
        }
        Objects.requireNonNull(epoch, "epoch");
        if (epoch.isEmpty()) {
            throw new IllegalArgumentException("epoch must not be empty");
        }
    }
}
