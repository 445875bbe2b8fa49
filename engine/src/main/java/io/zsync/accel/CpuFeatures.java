package io.zsync.accel;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What the CPU offers and what the JVM makes of it: the instruction-set extensions, the vector width
 * the JIT really uses, and whether zsync's Vector API path is active (and if not, why).
 *
 * <p>Extensions come from {@code /proc/cpuinfo} where it exists; elsewhere from the HotSpot flags the
 * JVM chose at start ({@code UseSSE}, {@code UseAVX}, {@code UseSVE}), which reflect both the CPU and
 * any limits the user set. Obtain an instance from {@link HardwareAccel#features()}.
 */
public final class CpuFeatures {
    private final String arch;
    private final Set<CpuFeature> features;
    private final String featureSource;
    private final int vectorBits;
    private final String vectorBitsSource;
    private final boolean vectorApiActive;
    private final String vectorApiStatus;

    CpuFeatures(String arch, Set<CpuFeature> features, String featureSource, int vectorBits,
                String vectorBitsSource, boolean vectorApiActive, String vectorApiStatus) {
        this.arch = arch;
        this.features = Collections.unmodifiableSet(features.isEmpty()
                ? EnumSet.noneOf(CpuFeature.class) : EnumSet.copyOf(features));
        this.featureSource = featureSource;
        this.vectorBits = vectorBits;
        this.vectorBitsSource = vectorBitsSource;
        this.vectorApiActive = vectorApiActive;
        this.vectorApiStatus = vectorApiStatus;
    }

    /**
     * The JVM's name for the CPU architecture ({@code os.arch}), such as {@code amd64} or {@code aarch64}.
     *
     * @return the architecture
     */
    public String arch() {
        return arch;
    }

    /**
     * Whether the CPU has {@code feature}.
     *
     * @param feature the extension to ask about
     * @return true if present
     */
    public boolean has(CpuFeature feature) {
        return features.contains(feature);
    }

    /**
     * All extensions found, in declaration order.
     *
     * @return an unmodifiable set
     */
    public Set<CpuFeature> all() {
        return features;
    }

    /**
     * Where the extensions were read: {@code /proc/cpuinfo} or {@code JVM flags}.
     *
     * @return the source
     */
    public String featureSource() {
        return featureSource;
    }

    /**
     * The widest vector, in bits, the JVM will use: the Vector API's preferred byte species when the
     * module is present, otherwise HotSpot's {@code MaxVectorSize}; 0 when the JVM does not say.
     *
     * @return the vector width in bits
     */
    public int vectorBits() {
        return vectorBits;
    }

    /**
     * Where {@link #vectorBits()} came from.
     *
     * @return for example {@code Vector API preferred species} or {@code HotSpot MaxVectorSize}
     */
    public String vectorBitsSource() {
        return vectorBitsSource;
    }

    /**
     * Whether zsync's XOR runs on the Vector API.
     *
     * @return true if the vector path is active
     */
    public boolean vectorApiActive() {
        return vectorApiActive;
    }

    /**
     * Why the Vector API path is or is not active, with what to do to enable it.
     *
     * @return a one-line explanation
     */
    public String vectorApiStatus() {
        return vectorApiStatus;
    }

    @Override
    public String toString() {
        return arch + " [" + features.stream().map(CpuFeature::displayName).collect(Collectors.joining(" "))
                + "] from " + featureSource + "; vectors " + vectorBits + " bits (" + vectorBitsSource
                + "); Vector API " + (vectorApiActive ? "active" : "inactive") + ": " + vectorApiStatus;
    }

    /**
     * Reads extensions from the lines of {@code /proc/cpuinfo}: the x86 {@code flags} line or the Arm
     * {@code Features} line of the first processor.
     */
    static Set<CpuFeature> parseCpuInfo(List<String> lines) {
        Set<CpuFeature> found = EnumSet.noneOf(CpuFeature.class);
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            if (!key.equals("flags") && !key.equals("features")) {
                continue;
            }
            for (String flag : line.substring(colon + 1).trim().split("\\s+")) {
                switch (flag) {
                    case "sse2": found.add(CpuFeature.SSE2); break;
                    case "sse4_2": found.add(CpuFeature.SSE4_2); break;
                    case "avx": found.add(CpuFeature.AVX); break;
                    case "avx2": found.add(CpuFeature.AVX2); break;
                    case "avx512f": found.add(CpuFeature.AVX512F); break;
                    case "avx512bw": found.add(CpuFeature.AVX512BW); break;
                    case "asimd": found.add(CpuFeature.NEON); break;
                    case "sve": found.add(CpuFeature.SVE); break;
                    default: break;
                }
            }
            return found; // every processor lists the same extensions
        }
        return found;
    }

    /**
     * Infers extensions from HotSpot's flags when {@code /proc/cpuinfo} is missing (macOS, Windows).
     * HotSpot sets {@code UseSSE}/{@code UseAVX} to the highest level both the CPU and the user allow.
     *
     * @param arch  {@code os.arch}
     * @param flags a flag's value by name, or null when the JVM does not have the flag
     */
    static Set<CpuFeature> fromJvmFlags(String arch, Function<String, String> flags) {
        Set<CpuFeature> found = EnumSet.noneOf(CpuFeature.class);
        if (isX86(arch)) {
            int sse = intFlag(flags, "UseSSE", arch.contains("64") ? 2 : 0);
            int avx = intFlag(flags, "UseAVX", 0);
            if (sse >= 2) {
                found.add(CpuFeature.SSE2);
            }
            if (sse >= 4) {
                found.add(CpuFeature.SSE4_2);
            }
            if (avx >= 1) {
                found.add(CpuFeature.AVX);
            }
            if (avx >= 2) {
                found.add(CpuFeature.AVX2);
            }
            if (avx >= 3) {
                found.add(CpuFeature.AVX512F);
            }
        } else if (isArm64(arch)) {
            found.add(CpuFeature.NEON); // Advanced SIMD is part of the AArch64 baseline
            if (intFlag(flags, "UseSVE", 0) > 0) {
                found.add(CpuFeature.SVE);
            }
        }
        return found;
    }

    static boolean isX86(String arch) {
        return arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x86") || arch.equals("i386");
    }

    static boolean isArm64(String arch) {
        return arch.equals("aarch64") || arch.equals("arm64");
    }

    static int intFlag(Function<String, String> flags, String name, int absent) {
        String value = flags.apply(name);
        if (value == null) {
            return absent;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return absent;
        }
    }
}
