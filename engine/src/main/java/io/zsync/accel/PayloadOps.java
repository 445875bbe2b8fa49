package io.zsync.accel;

import java.nio.ByteBuffer;

/**
 * The kernels that differ between the scalar and the Vector API implementation. Arguments arrive
 * checked: ranges in bounds, {@code 0 <= phase < key.length()}, destination writable, regions either
 * identical or with the destination not after the source.
 */
interface PayloadOps {

    /** A short name for logs and benchmark reports: {@code scalar} or {@code vector(512-bit)}. */
    String name();

    /** {@code dst[dstOffset+i] = src[srcOffset+i] ^ key[(phase+i) % k]} for i ascending. */
    void xor(byte[] dst, int dstOffset, byte[] src, int srcOffset, int length, XorKey key, int phase);

    /** The same on buffers at absolute indices, any mix of direct, heap and read-only sources. */
    void xor(ByteBuffer dst, int dstIndex, ByteBuffer src, int srcIndex, int length, XorKey key, int phase);
}
