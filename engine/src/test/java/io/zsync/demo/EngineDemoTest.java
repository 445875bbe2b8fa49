package io.zsync.demo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class EngineDemoTest {

    @Test
    void shouldWalkThroughEveryFeatureAndVerifyItsData() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            EngineDemo.main(new String[] {"--seconds", "0.4"});
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("releasing twice is caught"), out);
        assertTrue(out.contains("identical=true"), out);
        assertTrue(out.contains("checksums match=true"), out);
        assertTrue(out.contains("corrupt 0"), out);
        assertTrue(out.contains("in use 0 B"), out);
        assertTrue(out.contains("every model gave the same bytes=true"), out);
        assertTrue(out.contains("every item mapped=true"), out);
        assertTrue(out.contains("6. Realtime streams"), out);
        assertTrue(out.contains("CRITICAL: 960 of 960 delivered") || out.matches("(?s).*CRITICAL: (\\d+) of \\1 delivered.*"), out);
        assertTrue(out.contains("unmasking subscriber read 1000 intact; drained=true, pool in use 0 B"), out);
        assertTrue(out.contains("drop_oldest   delivered 100"), out);
        assertTrue(out.contains("createReliableStream()"), out);
    }
}
