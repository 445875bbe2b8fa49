package io.zsync.zerocopy;

/**
 * Thrown by {@link BufferPool#acquire(int)} when a buffer cannot be had within the pool's ceiling on
 * reserved bytes (at once, or within the configured wait). The message names the request, the
 * ceiling and what is in use.
 */
public class PoolExhaustedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was asked for and what the pool holds
     */
    public PoolExhaustedException(String message) {
        super(message);
    }

    /**
     * @param message what was asked for and what the pool holds
     * @param cause   the JVM's refusal, when it was the JVM that ran out
     */
    public PoolExhaustedException(String message, Throwable cause) {
        super(message, cause);
    }
}
