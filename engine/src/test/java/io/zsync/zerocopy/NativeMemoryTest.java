package io.zsync.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class NativeMemoryTest {

    @Test
    void shouldUseCheckedArenasFromJava22AndTheCleanerBefore() {
        NativeMemory memory = NativeMemory.get();
        NativeMemory.Allocation a = memory.allocate(100);
        boolean arenas = Runtime.version().feature() >= 22;
        assertEquals(arenas, a.accessChecked(), memory.describe());
        a.free();
    }

    @Test
    void shouldAllocateAlignedMemoryOfEverySmallSize() {
        for (int size = 1; size <= 200; size++) {
            NativeMemory.Allocation a = NativeMemory.get().allocate(size);
            ByteBuffer b = a.buffer();
            assertEquals(size, b.capacity());
            assertEquals(0, b.alignmentOffset(0, NativeMemory.ALIGNMENT));
            b.put(size - 1, (byte) 1);
            a.free();
            a.free();
        }
    }

    @Test
    void shouldMakeFreedArenaMemoryThrowInsteadOfCrashing() {
        NativeMemory.Allocation a = NativeMemory.get().allocate(64);
        // Before Java 22 freed memory is unchecked, so the pool and rings never free what is reachable.
        assumeTrue(a.accessChecked(), "FFM arenas need Java 22+");
        ByteBuffer b = a.buffer();
        a.free();
        assertTrue(assertThrows(IllegalStateException.class, () -> b.get(0)).getMessage().contains("closed"));
    }
}
