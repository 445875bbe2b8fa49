package io.zsync.io;

import java.io.IOException;

/**
 * An operation handed to an {@link Io}: like {@link java.util.concurrent.Callable}, but it may only
 * throw {@link IOException} or unchecked exceptions, so callers keep precise exception types.
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface IoCallable<T> {
    /**
     * Runs the operation.
     *
     * @return its result
     * @throws IOException if the operation's I/O fails
     */
    T call() throws IOException;
}
