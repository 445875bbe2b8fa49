package io.zsync.accel;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Reads HotSpot's VM options through the diagnostic MX bean, which needs no special flags. Other
 * VMs, or runtimes linked without {@code jdk.management}, simply have no flags.
 */
final class JvmFlags {
    private static final Object BEAN = bean();

    private JvmFlags() {
    }

    /**
     * The value of a VM option, such as {@code UseAVX}.
     *
     * @return the value, or null if the VM has no such option or no way to ask
     */
    static String get(String name) {
        if (BEAN == null) {
            return null;
        }
        try {
            return ((HotSpotDiagnosticMXBean) BEAN).getVMOption(name).getValue();
        } catch (IllegalArgumentException | LinkageError e) {
            return null;
        }
    }

    private static Object bean() {
        try {
            return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }
}
