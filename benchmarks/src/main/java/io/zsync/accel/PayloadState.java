package io.zsync.accel;

import java.nio.ByteBuffer;
import java.util.Random;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Source and destination payloads of one size, as arrays (heap) or direct buffers (direct). */
@State(Scope.Thread)
public class PayloadState {
    @Param({"1024", "65536", "1048576", "16777216"})
    public int size;

    @Param({"heap", "direct"})
    public String memory;

    public boolean heap;
    public byte[] srcArray;
    public byte[] dstArray;
    public ByteBuffer srcBuffer;
    public ByteBuffer dstBuffer;

    @Setup
    public void setUp() {
        heap = memory.equals("heap");
        Random random = new Random(42);
        srcArray = new byte[size];
        random.nextBytes(srcArray);
        dstArray = srcArray.clone();
        srcBuffer = ByteBuffer.allocateDirect(size);
        srcBuffer.put(0, srcArray);
        dstBuffer = ByteBuffer.allocateDirect(size);
        dstBuffer.put(0, srcArray);
    }

    /** The JDK's own copy of the payload: the bandwidth reference the other benchmarks are held to. */
    public int jdkCopy() {
        if (heap) {
            System.arraycopy(srcArray, 0, dstArray, 0, size);
        } else {
            dstBuffer.put(0, srcBuffer, 0, size);
        }
        return size;
    }
}
