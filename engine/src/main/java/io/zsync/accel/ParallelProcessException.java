package io.zsync.accel;

/**
 * Thrown by {@link AsyncHardwareOps}' {@code parallelProcess} when the function failed on an item: says
 * which chunk and item, and carries the function's exception as its cause. The other chunks were
 * cancelled; items they had not reached are left as they were.
 */
public class ParallelProcessException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int chunk;
    private final int item;

    /**
     * @param chunk the failed chunk's number, from 0
     * @param from  the chunk's first item
     * @param to    one past the chunk's last item
     * @param item  the item the function failed on
     * @param cause what the function threw
     */
    public ParallelProcessException(int chunk, int from, int to, int item, Throwable cause) {
        super("parallelProcess: chunk " + chunk + " (items " + from + " to " + (to - 1) + ") failed at item " + item
                + ": " + cause + "; the other chunks were cancelled", cause);
        this.chunk = chunk;
        this.item = item;
    }

    /**
     * The failed chunk's number, from 0.
     *
     * @return the chunk
     */
    public int chunk() {
        return chunk;
    }

    /**
     * The index of the item the function failed on.
     *
     * @return the item index
     */
    public int item() {
        return item;
    }
}
