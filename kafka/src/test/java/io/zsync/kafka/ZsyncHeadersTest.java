package io.zsync.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ZsyncHeadersTest {

    @Test
    void crc32cValuesAreEightLowercaseHexDigits() {
        assertEquals("00000000", ZsyncHeaders.crc32cText(0));
        assertEquals("0a1b2c3d", ZsyncHeaders.crc32cText(0x0a1b2c3dL));
        assertEquals("ffffffff", ZsyncHeaders.crc32cText(0xffffffffL));
        Random random = new Random(7);
        for (int i = 0; i < 1_000; i++) {
            long crc = random.nextInt() & 0xffffffffL;
            assertEquals(String.format("%08x", crc), ZsyncHeaders.crc32cText(crc));
        }
    }
}
