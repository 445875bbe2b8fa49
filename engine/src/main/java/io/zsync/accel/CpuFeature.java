package io.zsync.accel;

/** The CPU instruction-set extensions zsync reports, by the names Linux and the vendors use. */
public enum CpuFeature {
    /** x86 SSE2, the x86-64 baseline. */
    SSE2("sse2"),
    /** x86 SSE4.2, which brings the CRC32 instruction CRC32C relies on. */
    SSE4_2("sse4.2"),
    /** x86 AVX: 256-bit floating-point vectors. */
    AVX("avx"),
    /** x86 AVX2: 256-bit integer vectors. */
    AVX2("avx2"),
    /** x86 AVX-512 Foundation. */
    AVX512F("avx512f"),
    /** x86 AVX-512 byte and word instructions, needed for 512-bit byte vectors. */
    AVX512BW("avx512bw"),
    /** Arm Advanced SIMD (NEON), 128-bit vectors, mandatory on AArch64. */
    NEON("neon"),
    /** Arm Scalable Vector Extension. */
    SVE("sve");

    private final String displayName;

    CpuFeature(String displayName) {
        this.displayName = displayName;
    }

    /**
     * The feature's usual lower-case name, such as {@code sse4.2}.
     *
     * @return the name
     */
    public String displayName() {
        return displayName;
    }

    @Override
    public String toString() {
        return displayName;
    }
}
