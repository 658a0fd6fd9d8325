package io.switchboard.server.config;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How the values of one kind of configuration key are read (from a flag, an environment variable
 * or a YAML node), checked, and written back out. Instances come from {@link Types}.
 *
 * @param <T> the Java type the value lands on {@code ServerConfig.Builder} as
 */
public interface ValueType<T> {
    /**
     * Parses the text given on the command line or in an environment variable.
     *
     * @throws IllegalArgumentException when the text is not a value of this type; the message is
     *     not used, {@link #expected()} is
     */
    T parse(String text);

    /**
     * Reads a YAML node. The default accepts a scalar and parses its text, so {@code 7000} and
     * {@code "7000"} mean the same.
     *
     * @throws IllegalArgumentException when the node is not a value of this type
     */
    default T fromYaml(JsonNode node) {
        if (!node.isValueNode()) {
            throw new IllegalArgumentException("not a single value");
        }
        return parse(node.asText());
    }

    /** What a value must look like, for error messages and the docs: {@code 0..65535, or off}. */
    String expected();

    /** The placeholder shown after the flag in the usage help: {@code PORT|off}. */
    String label();

    /** The value as a YAML-writable object: a String, Number, Boolean, List or Map. */
    Object toYaml(T value);

    /** The value as one would type it after the flag; also the form in the docs. */
    default String format(T value) {
        return String.valueOf(toYaml(value));
    }

    /**
     * A few valid values as text, spread over the range (its ends among them): the tests set every
     * key to each in turn, through the file, the environment and the flag.
     */
    java.util.List<String> examples();

    /** Whether a YAML mapping at this key's path is its value rather than more keys. */
    default boolean isMap() {
        return false;
    }
}
