package io.switchboard.client.cli;

import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;

/**
 * Session ids on the command line: unsigned 64-bit decimals, as WELCOME carries them and as
 * {@code subscribe} prints them.
 */
final class SessionIds {
    private SessionIds() {
    }

    /** The id as printed: unsigned decimal. */
    static String format(long id) {
        return Long.toUnsignedString(id);
    }

    /** {@code --session ID}: a decimal from 1 to 2^64 - 1. */
    static final class Converter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                long id = Long.parseUnsignedLong(value.trim());
                if (id != 0) {
                    return id;
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' (expected: a session id, a decimal number from 1 to 18446744073709551615)");
        }
    }
}
