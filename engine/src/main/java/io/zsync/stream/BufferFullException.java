package io.zsync.stream;

/**
 * A buffer or subscriber queue was full: under {@link Backpressure#ERROR_ON_FULL} at once, under
 * {@link Backpressure#BLOCK} after the block timeout. The message names the limit that was reached.
 * The sender keeps the message it tried to send.
 */
public class BufferFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was full, its limit and the strategy
     */
    public BufferFullException(String message) {
        super(message);
    }
}
