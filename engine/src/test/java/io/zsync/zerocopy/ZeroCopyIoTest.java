package io.zsync.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.io.Io;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZeroCopyIoTest {
    private final Io io = Io.blocking();
    private final BufferPool pool = BufferPool.create();
    private final ZeroCopyIo zio = new ZeroCopyIo(pool);
    @TempDir
    Path dir;

    @AfterEach
    void noLeakedBuffers() {
        assertEquals(0, pool.stats().inUseBytes(), "every pooled buffer was released");
        pool.close();
    }

    @Test
    void shouldReadExactlySizeBytesFromAFileIntoAPooledBuffer() throws IOException {
        byte[] data = random(300_000, 1);
        Path file = write("data.bin", data);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             PooledBuffer lease = zio.readZeroCopy(io, ch, 200_000)) {
            ByteBuffer b = lease.buffer();
            assertTrue(b.isDirect());
            assertEquals(0, b.position());
            assertEquals(200_000, b.limit());
            byte[] got = new byte[200_000];
            b.get(0, got);
            assertArrayEquals(java.util.Arrays.copyOf(data, 200_000), got);
        }
    }

    @Test
    void shouldLoopOverPartialReads() throws IOException {
        byte[] data = random(10_000, 2);
        ReadableByteChannel trickle = new ReadableByteChannel() {
            private int at;

            @Override
            public int read(ByteBuffer dst) {
                if (at == data.length) {
                    return -1;
                }
                int n = Math.min(Math.min(7, dst.remaining()), data.length - at);
                dst.put(data, at, n);
                at += n;
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        try (PooledBuffer lease = zio.readZeroCopy(io, trickle, data.length)) {
            byte[] got = new byte[data.length];
            lease.buffer().get(0, got);
            assertArrayEquals(data, got);
        }
    }

    @Test
    void shouldSayHowManyBytesArrivedBeforeEndOfStreamAndReleaseTheBuffer() throws IOException {
        Path file = write("short.bin", random(1000, 3));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            EOFException e = assertThrows(EOFException.class, () -> zio.readZeroCopy(io, ch, 4096));
            assertTrue(e.getMessage().contains("after 1000 of 4096 bytes"), e.getMessage());
        }
    }

    @Test
    void shouldNameTheOperationWhenTheChannelIsClosed() throws IOException {
        Path file = write("closed.bin", random(100, 4));
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        ch.close();
        IOException e = assertThrows(IOException.class, () -> zio.readZeroCopy(io, ch, 10));
        assertTrue(e.getMessage().contains("readZeroCopy") && e.getMessage().contains("is closed"), e.getMessage());
        FileChannel out = FileChannel.open(dir.resolve("out.bin"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        out.close();
        IOException w = assertThrows(IOException.class, () -> zio.writeZeroCopy(io, out, ByteBuffer.allocate(5)));
        assertTrue(w.getMessage().contains("writeZeroCopy") && w.getMessage().contains("0 of 5"), w.getMessage());
    }

    @Test
    void shouldWriteAWholeBufferToAFile() throws IOException {
        byte[] data = random(70_000, 5);
        Path file = dir.resolve("written.bin");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             PooledBuffer lease = pool.acquire(data.length)) {
            lease.buffer().put(0, data);
            assertEquals(data.length, zio.writeZeroCopy(io, ch, lease));
            assertEquals(data.length, lease.buffer().position(), "position advanced to the limit");
        }
        assertArrayEquals(data, Files.readAllBytes(file));
    }

    @Test
    void shouldCopyFilesThroughTheKernel() throws IOException {
        byte[] data = random(3_000_001, 6);
        Path source = write("source.bin", data);
        Path target = dir.resolve("target.bin");
        Files.write(target, new byte[5_000_000]);
        assertEquals(data.length, zio.copyFile(io, source, target));
        assertArrayEquals(data, Files.readAllBytes(target), "copied and truncated");
    }

    @Test
    void shouldTransferARangeOfAFileAndFailAtItsEnd() throws IOException {
        byte[] data = random(100_000, 7);
        Path source = write("range.bin", data);
        Path target = dir.resolve("range-out.bin");
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            zio.transferTo(io, in, 1000, 50_000, out);
            EOFException e = assertThrows(EOFException.class, () -> zio.transferTo(io, in, 90_000, 20_000, out));
            assertTrue(e.getMessage().contains("ended after 10000 of 20000"), e.getMessage());
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> zio.transferTo(io, in, -1, 10, out));
            assertTrue(bad.getMessage().contains("was -1"), bad.getMessage());
        }
        byte[] got = Files.readAllBytes(target);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 1000, 51_000), java.util.Arrays.copyOf(got, 50_000));
        NullPointerException npe = assertThrows(NullPointerException.class,
                () -> zio.transferTo(io, null, 0, 0, null));
        assertEquals("source", npe.getMessage());
    }

    @Test
    void shouldSendAFileToALoopbackSocketAndReceiveItIntoAFile() throws Exception {
        byte[] data = random(4_000_000, 8);
        Path source = write("send.bin", data);
        Path received = dir.resolve("received.bin");
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CompletableFuture<Long> receiver = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel peer = server.accept();
                     FileChannel out = FileChannel.open(received, StandardOpenOption.CREATE,
                             StandardOpenOption.WRITE)) {
                    return zio.transferFrom(io, peer, out, 0, data.length);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress());
                 FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
                assertEquals(data.length, zio.transferTo(io, in, 0, data.length, client));
            }
            assertEquals(data.length, receiver.get(30, TimeUnit.SECONDS));
        }
        assertArrayEquals(data, Files.readAllBytes(received));
    }

    @Test
    void shouldReportASocketThatClosesEarly() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
                try (SocketChannel peer = server.accept()) {
                    peer.write(ByteBuffer.wrap(random(123, 9)));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress());
                 FileChannel out = FileChannel.open(dir.resolve("partial.bin"), StandardOpenOption.CREATE,
                         StandardOpenOption.WRITE)) {
                EOFException e = assertThrows(EOFException.class, () -> zio.transferFrom(io, client, out, 0, 1000));
                assertTrue(e.getMessage().contains("after 123 of 1000"), e.getMessage());
                sender.get(10, TimeUnit.SECONDS);
                assertThrows(EOFException.class, () -> zio.readZeroCopy(io, client, 10));
            }
        }
    }

    @Test
    void shouldRefuseNonBlockingChannels() throws IOException {
        try (SocketChannel ch = SocketChannel.open()) {
            ch.configureBlocking(false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> zio.readZeroCopy(io, ch, 10));
            assertTrue(e.getMessage().contains("blocking mode"), e.getMessage());
        }
    }

    @Test
    void shouldMapAFileReadOnly() throws IOException {
        byte[] data = random(50_000, 10);
        Path file = write("mapped.bin", data);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MappedByteBuffer mapped = zio.mapReadOnly(io, ch, 100, 40_000);
            assertTrue(mapped.isReadOnly());
            assertEquals(40_000, mapped.capacity());
            assertEquals(data[100], mapped.get(0));
            assertEquals(data[40_099], mapped.get(39_999));
            EOFException e = assertThrows(EOFException.class, () -> zio.mapReadOnly(io, ch, 40_000, 20_000));
            assertTrue(e.getMessage().contains("holds 50000 bytes"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> zio.mapReadOnly(io, ch, 0, 1L << 32));
        }
    }

    private Path write(String name, byte[] data) throws IOException {
        return Files.write(dir.resolve(name), data);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
