package dev.compozy.store.core;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;

/**
 * Execution ids. New ids are KSUIDs: 27 base62 characters encoding a 4-byte timestamp (seconds since the
 * KSUID epoch) and 16 random bytes, so they sort by creation time as text. The store itself accepts any
 * non-blank string as an id; {@link #parse} is for callers who want to insist on the KSUID form.
 */
public final class Id {
    public static final int LENGTH = 27;

    private static final long KSUID_EPOCH_SECONDS = 1_400_000_000L;
    private static final int TIMESTAMP_BYTES = 4;
    private static final int PAYLOAD_BYTES = 16;
    private static final int TOTAL_BYTES = TIMESTAMP_BYTES + PAYLOAD_BYTES;
    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final String MAX_KSUID = "aWgEPTl1tmebfsQzFP4bxwgy80V";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Id() {}

    /** A new KSUID for the current time. */
    public static String newId() {
        return newId(Instant.now());
    }

    /** A new KSUID for the given time (second precision), with a random payload. */
    public static String newId(Instant time) {
        long seconds = time.getEpochSecond() - KSUID_EPOCH_SECONDS;
        if (seconds < 0 || seconds > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("time: " + time + " is outside the KSUID range");
        }
        byte[] bytes = new byte[TOTAL_BYTES];
        bytes[0] = (byte) (seconds >>> 24);
        bytes[1] = (byte) (seconds >>> 16);
        bytes[2] = (byte) (seconds >>> 8);
        bytes[3] = (byte) seconds;
        byte[] payload = new byte[PAYLOAD_BYTES];
        RANDOM.nextBytes(payload);
        System.arraycopy(payload, 0, bytes, TIMESTAMP_BYTES, PAYLOAD_BYTES);
        return encode(bytes);
    }

    /**
     * Validates a KSUID and returns it unchanged.
     *
     * @throws IllegalArgumentException naming the problem when {@code value} is not a KSUID
     */
    public static String parse(String value) {
        if (value == null) {
            throw new IllegalArgumentException("id: must not be null");
        }
        if (value.length() != LENGTH) {
            throw new IllegalArgumentException("id: '" + value + "' is not a KSUID (expected " + LENGTH
                    + " characters, got " + value.length() + ")");
        }
        for (int i = 0; i < value.length(); i++) {
            if (ALPHABET.indexOf(value.charAt(i)) < 0) {
                throw new IllegalArgumentException("id: '" + value + "' is not a KSUID (character '" + value.charAt(i)
                        + "' at " + i + " is not base62)");
            }
        }
        if (value.compareTo(MAX_KSUID) > 0) {
            throw new IllegalArgumentException("id: '" + value + "' is not a KSUID (value exceeds 160 bits)");
        }
        return value;
    }

    /** Whether {@code value} is a well-formed KSUID. */
    public static boolean isKsuid(String value) {
        try {
            parse(value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The creation time encoded in a KSUID. */
    public static Instant timestamp(String ksuid) {
        byte[] bytes = decode(parse(ksuid));
        long seconds = ((bytes[0] & 0xFFL) << 24)
                | ((bytes[1] & 0xFFL) << 16)
                | ((bytes[2] & 0xFFL) << 8)
                | (bytes[3] & 0xFFL);
        return Instant.ofEpochSecond(seconds + KSUID_EPOCH_SECONDS);
    }

    private static String encode(byte[] bytes) {
        char[] out = new char[LENGTH];
        Arrays.fill(out, '0');
        int[] number = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            number[i] = bytes[i] & 0xFF;
        }
        int position = LENGTH;
        int start = 0;
        while (start < number.length) {
            int remainder = 0;
            for (int i = start; i < number.length; i++) {
                int accumulator = remainder * 256 + number[i];
                number[i] = accumulator / 62;
                remainder = accumulator % 62;
            }
            out[--position] = ALPHABET.charAt(remainder);
            while (start < number.length && number[start] == 0) {
                start++;
            }
        }
        return new String(out);
    }

    private static byte[] decode(String text) {
        int[] digits = new int[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            digits[i] = ALPHABET.indexOf(text.charAt(i));
        }
        byte[] out = new byte[TOTAL_BYTES];
        int position = TOTAL_BYTES;
        int start = 0;
        while (start < digits.length) {
            int remainder = 0;
            for (int i = start; i < digits.length; i++) {
                int accumulator = remainder * 62 + digits[i];
                digits[i] = accumulator / 256;
                remainder = accumulator % 256;
            }
            out[--position] = (byte) remainder;
            while (start < digits.length && digits[start] == 0) {
                start++;
            }
        }
        return out;
    }
}
