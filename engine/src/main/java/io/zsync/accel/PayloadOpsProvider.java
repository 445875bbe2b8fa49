package io.zsync.accel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Optional;

/**
 * Chooses between the scalar and the Vector API implementation, the way Lucene's
 * {@code VectorizationProvider} does: the vector class is only loaded when {@code jdk.incubator.vector}
 * is in the boot layer, C2 is on, and the preferred vectors are at least 128 bits wide.
 */
final class PayloadOpsProvider {
    static final String VECTOR_CLASS = "io.zsync.accel.PanamaPayloadOps";
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    /** Set to {@code false} to keep the scalar path even when the module is present. */
    static final String VECTOR_PROPERTY = "zsync.accel.vector";
    static final int MIN_VECTOR_BITS = 128;

    /** What was chosen and why. */
    static final class Selection {
        final PayloadOps ops;
        final boolean vectorActive;
        final String status;
        final int vectorBits;

        Selection(PayloadOps ops, boolean vectorActive, String status, int vectorBits) {
            this.ops = ops;
            this.vectorActive = vectorActive;
            this.status = status;
            this.vectorBits = vectorBits;
        }
    }

    private PayloadOpsProvider() {
    }

    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /**
     * The Vector API implementation whatever the width, for tests and benchmarks that force it.
     *
     * @return empty when the module is absent
     */
    static Optional<PayloadOps> vector() {
        if (!vectorModulePresent()) {
            return Optional.empty();
        }
        try {
            Class<?> type = Class.forName(VECTOR_CLASS);
            return Optional.of((PayloadOps) MethodHandles.lookup()
                    .findConstructor(type, MethodType.methodType(void.class)).invoke());
        } catch (Throwable t) {
            throw new IllegalStateException("could not load " + VECTOR_CLASS + " although " + VECTOR_MODULE
                    + " is present", t);
        }
    }

    static int vectorBits(PayloadOps vector) {
        try {
            return (int) MethodHandles.lookup().findStatic(vector.getClass(), "vectorBits",
                    MethodType.methodType(int.class)).invoke();
        } catch (Throwable t) {
            throw new IllegalStateException("could not ask " + VECTOR_CLASS + " for its width", t);
        }
    }

    static String bufferAccess(PayloadOps vector) {
        try {
            return (String) MethodHandles.lookup().findStaticGetter(vector.getClass(), "BUFFER_ACCESS",
                    String.class).invoke();
        } catch (Throwable t) {
            return null;
        }
    }

    /** The implementation to use by default, with the reason. */
    static Selection select() {
        if ("false".equalsIgnoreCase(System.getProperty(VECTOR_PROPERTY, "true").trim())) {
            return scalar("disabled by -D" + VECTOR_PROPERTY + "=false", 0);
        }
        if (!vectorModulePresent()) {
            return scalar(VECTOR_MODULE + " is not present; start the JVM with --add-modules "
                    + VECTOR_MODULE + " to enable it", 0);
        }
        String tieredStop = JvmFlags.get("TieredStopAtLevel");
        if (tieredStop != null && !tieredStop.trim().equals("4") && !tieredStop.trim().equals("0")) {
            return scalar("C2 is off (-XX:TieredStopAtLevel=" + tieredStop.trim()
                    + "), so vectors would not be compiled; remove the flag to enable it", 0);
        }
        PayloadOps vector;
        try {
            vector = vector().orElseThrow();
        } catch (IllegalStateException e) {
            return scalar("loading the Vector API implementation failed: " + e.getCause(), 0);
        }
        int bits = vectorBits(vector);
        if (bits < MIN_VECTOR_BITS) {
            return scalar("the preferred vectors are only " + bits + " bits; at least " + MIN_VECTOR_BITS
                    + " are needed to beat the scalar path", bits);
        }
        String buffers = bufferAccess(vector);
        return new Selection(vector, true, bits + "-bit byte vectors; buffers through "
                + (buffers == null ? "the scalar path (this JDK's Vector API cannot load them)" : buffers), bits);
    }

    private static Selection scalar(String why, int vectorBits) {
        return new Selection(ScalarPayloadOps.INSTANCE, false, why, vectorBits);
    }
}
