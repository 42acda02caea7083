package dev.steadfast.doctor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The doctor's {@code --json} output: plain maps and lists written by Jackson, indented.
 *
 * <pre>{@code
 * out.println(Json.write(Map.of("deadlocks", List.of())));
 * }</pre>
 */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("maps of strings and numbers always serialize: " + e.getMessage(), e);
        }
    }
}
