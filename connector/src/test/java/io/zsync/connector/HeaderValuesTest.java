package io.zsync.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.junit.jupiter.api.Test;

/** The deadline header read back in microseconds gives the same answer under every header converter. */
class HeaderValuesTest {
    private static final String KEY = "zsync.deadline";

    private static Header header(SchemaAndValue read) {
        ConnectHeaders headers = new ConnectHeaders();
        headers.add(KEY, read);
        return headers.lastWithName(KEY);
    }

    /** epochMicros of the header as {@code c} hands it over for {@code text} on the wire; empty if refused. */
    private static Optional<Long> micros(HeaderConverters.Case c, String text) {
        Header h = header(c.read(KEY, c.wire(KEY, text)));
        try {
            return Optional.of(HeaderValues.epochMicros(h));
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains(KEY), e.getMessage());
            return Optional.empty();
        }
    }

    /** The one answer of every converter for {@code text}, failing if two differ. */
    private static Optional<Long> sameUnderEveryConverter(List<HeaderConverters.Case> converters, String text) {
        Map<String, Optional<Long>> answers = new LinkedHashMap<>();
        for (HeaderConverters.Case c : converters) {
            answers.put(c.name(), micros(c, text));
        }
        assertEquals(1, answers.values().stream().distinct().count(), "'" + text + "': " + answers);
        return answers.values().iterator().next();
    }

    @Test
    void eachKindOfDeadlineTextReadsTheSameUnderEveryConverter() {
        List<HeaderConverters.Case> converters = HeaderConverters.all();
        Map<String, Optional<Long>> expected = new LinkedHashMap<>();
        expected.put("1764000000000000", Optional.of(1_764_000_000_000_000L));
        expected.put(" 42 ", Optional.of(42L));
        expected.put("+7", Optional.of(7L));
        expected.put("-5", Optional.of(-5L));           // before 1970: long past
        expected.put("0", Optional.of(0L));
        expected.put("1.0", Optional.of(1L));           // SimpleHeaderConverter: the byte 1
        expected.put("1e5", Optional.of(100_000L));     // SimpleHeaderConverter: the int 100000
        expected.put("1.5e15", Optional.of(1_500_000_000_000_000L));
        expected.put("9223372036854775807", Optional.of(Long.MAX_VALUE));
        expected.put("-9223372036854775808", Optional.of(Long.MIN_VALUE));
        // Refused: beyond a long (SimpleHeaderConverter: BigDecimal or float), fractions (float), not numbers.
        for (String refused : List.of("9223372036854775808", "-9223372036854775809", "92233720368547758070",
                "1e20", "0001e020", "1e999999999", "-1e999999999", "12345678901234567890.5", "9300000000000000000.5",
                "1.5", "1732449600000000.5", "0.5", "1e-3", "1e-999999999", "soon", "", "null", "true", "0x10",
                "2024-01-01", "1 2", "--1", "1e", "e1")) {
            expected.put(refused, Optional.empty());
        }
        for (Map.Entry<String, Optional<Long>> e : expected.entrySet()) {
            assertEquals(e.getValue(), sameUnderEveryConverter(converters, e.getKey()), "'" + e.getKey() + "'");
        }
    }

    @Test
    void randomNumberLikeTextsReadTheSameUnderEveryConverter() {
        List<HeaderConverters.Case> converters = HeaderConverters.all();
        Random random = new Random(20_251_124L);
        String alphabet = "0123456789+-.eE ";
        int accepted = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder text = new StringBuilder();
            if (random.nextBoolean()) {
                // Shaped like a number: sign, digits, fraction, exponent, each maybe.
                if (random.nextInt(4) == 0) {
                    text.append(random.nextBoolean() ? '-' : '+');
                }
                appendDigits(text, random, 1 + random.nextInt(22));
                if (random.nextInt(3) == 0) {
                    text.append('.');
                    appendDigits(text, random, random.nextInt(4));
                }
                if (random.nextInt(3) == 0) {
                    text.append(random.nextBoolean() ? 'e' : 'E');
                    if (random.nextInt(3) == 0) {
                        text.append(random.nextBoolean() ? '-' : '+');
                    }
                    appendDigits(text, random, 1 + random.nextInt(3));
                }
            } else {
                for (int n = 1 + random.nextInt(12); n > 0; n--) {
                    text.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            if (sameUnderEveryConverter(converters, text.toString()).isPresent()) {
                accepted++;
            }
        }
        assertTrue(accepted > 5_000, "the sample holds many valid deadlines too: " + accepted);
    }

    private static void appendDigits(StringBuilder text, Random random, int n) {
        for (int i = 0; i < n; i++) {
            text.append((char) ('0' + random.nextInt(10)));
        }
    }

    @Test
    void aHeaderWithoutAValueOrOfAnotherTypeIsRefusedNamingIt() {
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString(KEY, null);
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> HeaderValues.epochMicros(headers.lastWithName(KEY)));
        assertTrue(none.getMessage().contains(KEY) && none.getMessage().contains("no value"), none.getMessage());
        headers.addDouble(KEY, 1.7e15);
        IllegalArgumentException floating = assertThrows(IllegalArgumentException.class,
                () -> HeaderValues.epochMicros(headers.lastWithName(KEY)));
        assertTrue(floating.getMessage().contains("floating-point"), floating.getMessage());
        headers.addDecimal(KEY, new BigDecimal("1.7e15"));
        assertEquals(1_700_000_000_000_000L, HeaderValues.epochMicros(headers.lastWithName(KEY)));
        headers.addList(KEY, new ArrayList<>(List.of(1)), org.apache.kafka.connect.data.SchemaBuilder.array(
                org.apache.kafka.connect.data.Schema.INT32_SCHEMA).build());
        assertThrows(IllegalArgumentException.class, () -> HeaderValues.epochMicros(headers.lastWithName(KEY)));
    }
}
