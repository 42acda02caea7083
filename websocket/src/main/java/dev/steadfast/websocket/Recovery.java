package dev.steadfast.websocket;

import java.util.List;
import java.util.Objects;

/**
 * What a broker's history holds after a client's {@code since} position: either every publication after it, in
 * order ({@code recovered == true}), or nothing because the history no longer covers the gap or the epoch changed
 * ({@code recovered == false}: the client must reload its state elsewhere). {@code position} is the stream's latest
 * position when the history was read; live messages with a higher offset follow.
 *
 * <pre>{@code
 * Recovery r = broker.recover("room:1", new StreamPosition(41, epoch)).toCompletableFuture().join();
 * if (r.recovered()) r.publications().forEach(p -> show(p.payload()));
 * }</pre>
 *
 * @param recovered    whether {@code publications} is exactly what followed {@code since}
 * @param position     the stream's latest position when read; null when the broker keeps no history
 * @param publications the publications after {@code since}, in offset order; empty unless recovered
 */
public record Recovery(boolean recovered, StreamPosition position, List<Publication> publications) {

    /** Copies the list; a recovery that was not recovered carries no publications. */
    public Recovery {
        publications = List.copyOf(publications);
        if (!recovered && !publications.isEmpty()) {
            throw new IllegalArgumentException("a failed recovery carries no publications");
        }
    }

    /** Nothing recovered; {@code position} (may be null) is where live messages continue. */
    public static Recovery notRecovered(StreamPosition position) {
        return new Recovery(false, position, List.of());
    }

    /**
     * One publication read back from the history.
     *
     * @param offset  its offset in the stream
     * @param payload the message as JSON text
     */
    public record Publication(long offset, String payload) {
        /** Checks the payload is present. */
        public Publication {
            Objects.requireNonNull(payload, "payload");
        }
    }
}
