package io.zsync.stream;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;

import java.util.ArrayList;
import java.util.List;

/**
 * Real-time scheduling for the calling thread on Linux, through JNA: pinning to one CPU
 * ({@code sched_setaffinity}) and the {@code SCHED_FIFO} policy ({@code sched_setscheduler}). Either may
 * be refused (SCHED_FIFO needs {@code CAP_SYS_NICE} or an {@code RLIMIT_RTPRIO}); the thread then runs on
 * at maximum Java priority and one log line says what was and was not granted.
 */
final class RealtimeScheduling {
    private static final System.Logger LOG = System.getLogger(RealtimeScheduling.class.getName());
    private static final int SCHED_FIFO = 1;
    private static final int FIFO_PRIORITY = 1;

    /** The libc calls we need; pid 0 means the calling thread. */
    interface LibC extends Library {
        int sched_setaffinity(int pid, NativeLong cpusetsize, long[] mask) throws LastErrorException;

        int sched_setscheduler(int pid, int policy, int[] param) throws LastErrorException;
    }

    private RealtimeScheduling() {
    }

    /**
     * Asks the OS to pin the calling thread and run it under SCHED_FIFO, and logs the outcome once.
     *
     * @param streamName for the log line
     * @param cpu        the CPU to pin to; negative for the last one available to the JVM
     * @return what was granted, for tests and the demo
     */
    static String applyToCurrentThread(String streamName, int cpu) {
        List<String> granted = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        granted.add("Java priority " + Thread.currentThread().getPriority());
        if (!Platform.isLinux()) {
            refused.add("CPU pinning and SCHED_FIFO (not supported on " + System.getProperty("os.name") + ")");
        } else {
            LibC libc;
            try {
                libc = Native.load("c", LibC.class);
            } catch (Throwable t) {
                libc = null;
                refused.add("CPU pinning and SCHED_FIFO (libc not loadable through JNA: " + t.getMessage() + ")");
            }
            if (libc != null) {
                int target = cpu >= 0 ? cpu : Runtime.getRuntime().availableProcessors() - 1;
                pin(libc, target, granted, refused);
                fifo(libc, granted, refused);
            }
        }
        String outcome = "granted: " + String.join(", ", granted)
                + (refused.isEmpty() ? "" : "; not granted: " + String.join("; ", refused));
        LOG.log(System.Logger.Level.INFO, "zsync stream '" + streamName + "' real-time dispatcher " + outcome);
        return outcome;
    }

    private static void pin(LibC libc, int cpu, List<String> granted, List<String> refused) {
        long[] mask = new long[Math.max(16, cpu / 64 + 1)];
        mask[cpu / 64] = 1L << (cpu % 64);
        try {
            libc.sched_setaffinity(0, new NativeLong(mask.length * 8L), mask);
            granted.add("pinned to CPU " + cpu);
        } catch (LastErrorException e) {
            refused.add("pinning to CPU " + cpu + " (errno " + e.getErrorCode() + ")");
        } catch (Throwable t) {
            refused.add("pinning to CPU " + cpu + " (" + t + ")");
        }
    }

    private static void fifo(LibC libc, List<String> granted, List<String> refused) {
        try {
            libc.sched_setscheduler(0, SCHED_FIFO, new int[] {FIFO_PRIORITY});
            granted.add("SCHED_FIFO priority " + FIFO_PRIORITY);
        } catch (LastErrorException e) {
            String why = e.getErrorCode() == 1 ? "EPERM: needs CAP_SYS_NICE or an RLIMIT_RTPRIO" : "errno " + e.getErrorCode();
            refused.add("SCHED_FIFO (" + why + ")");
        } catch (Throwable t) {
            refused.add("SCHED_FIFO (" + t + ")");
        }
    }
}
