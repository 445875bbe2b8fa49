package io.zsync.accel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The portable implementation: XOR eight bytes at a time through long views. The byte order only has
 * to be the same for data and key, since XOR works bytewise; the native order is the cheapest.
 */
final class ScalarPayloadOps implements PayloadOps {
    static final ScalarPayloadOps INSTANCE = new ScalarPayloadOps();

    private static final VarHandle ARRAY_LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle BUFFER_LONGS =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private ScalarPayloadOps() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void xor(byte[] dst, int dstOffset, byte[] src, int srcOffset, int length, XorKey key, int phase) {
        xorArrays(dst, dstOffset, src, srcOffset, length, key.pattern(), key.length(), phase);
    }

    @Override
    public void xor(ByteBuffer dst, int dstIndex, ByteBuffer src, int srcIndex, int length, XorKey key, int phase) {
        xorBuffers(dst, dstIndex, src, srcIndex, length, key.pattern(), key.length(), phase);
    }

    /** Also finishes the vector path's tails, hence static. {@code kp} is the key position in the pattern. */
    static void xorArrays(byte[] dst, int dstOffset, byte[] src, int srcOffset, int length,
                          byte[] pattern, int keyLength, int kp) {
        int step = 8 % keyLength;
        int i = 0;
        for (; i <= length - 8; i += 8) {
            long word = (long) ARRAY_LONGS.get(src, srcOffset + i) ^ (long) ARRAY_LONGS.get(pattern, kp);
            ARRAY_LONGS.set(dst, dstOffset + i, word);
            kp += step;
            if (kp >= keyLength) {
                kp -= keyLength;
            }
        }
        for (; i < length; i++, kp++) { // fewer than 8 left, so kp stays inside the pattern's slack
            dst[dstOffset + i] = (byte) (src[srcOffset + i] ^ pattern[kp]);
        }
    }

    static void xorBuffers(ByteBuffer dst, int dstIndex, ByteBuffer src, int srcIndex, int length,
                           byte[] pattern, int keyLength, int kp) {
        int step = 8 % keyLength;
        int i = 0;
        for (; i <= length - 8; i += 8) {
            long word = (long) BUFFER_LONGS.get(src, srcIndex + i) ^ (long) ARRAY_LONGS.get(pattern, kp);
            BUFFER_LONGS.set(dst, dstIndex + i, word);
            kp += step;
            if (kp >= keyLength) {
                kp -= keyLength;
            }
        }
        for (; i < length; i++, kp++) {
            dst.put(dstIndex + i, (byte) (src.get(srcIndex + i) ^ pattern[kp]));
        }
    }
}
