package io.zsync.accel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuFeaturesTest {

    @Test
    void x86FlagsAreReadFromCpuInfo() {
        List<String> cpuInfo = List.of(
                "processor\t: 0",
                "vendor_id\t: AuthenticAMD",
                "flags\t\t: fpu vme sse sse2 ssse3 sse4_1 sse4_2 avx avx2 avx512f avx512dq avx512bw",
                "processor\t: 1",
                "flags\t\t: fpu sse2");
        assertEquals(EnumSet.of(CpuFeature.SSE2, CpuFeature.SSE4_2, CpuFeature.AVX, CpuFeature.AVX2,
                CpuFeature.AVX512F, CpuFeature.AVX512BW), CpuFeatures.parseCpuInfo(cpuInfo));
    }

    @Test
    void armFeaturesAreReadFromCpuInfo() {
        List<String> cpuInfo = List.of("processor\t: 0", "Features\t: fp asimd evtstrm aes crc32 sve sve2");
        assertEquals(EnumSet.of(CpuFeature.NEON, CpuFeature.SVE), CpuFeatures.parseCpuInfo(cpuInfo));
        assertEquals(EnumSet.noneOf(CpuFeature.class), CpuFeatures.parseCpuInfo(List.of("model name : x")));
    }

    @Test
    void withoutCpuInfoTheJvmFlagsDecide() {
        Map<String, String> avx2Machine = Map.of("UseSSE", "4", "UseAVX", "2");
        assertEquals(EnumSet.of(CpuFeature.SSE2, CpuFeature.SSE4_2, CpuFeature.AVX, CpuFeature.AVX2),
                CpuFeatures.fromJvmFlags("amd64", avx2Machine::get));
        assertEquals(EnumSet.of(CpuFeature.NEON, CpuFeature.SVE),
                CpuFeatures.fromJvmFlags("aarch64", Map.of("UseSVE", "1")::get));
        assertEquals(EnumSet.of(CpuFeature.NEON), CpuFeatures.fromJvmFlags("aarch64", name -> null));
        assertEquals(EnumSet.of(CpuFeature.SSE2), CpuFeatures.fromJvmFlags("amd64", name -> "not a number"));
    }

    @Test
    void theSharedInstanceReportsThePathItReallyTakes() {
        HardwareAccel accel = HardwareAccel.init();
        CpuFeatures features = accel.features();
        boolean module = PayloadOpsProvider.vectorModulePresent();
        assertEquals(module, features.vectorApiActive(), features::toString);
        assertEquals(module, accel.implementation().startsWith("vector("), accel::implementation);
        if (module) {
            assertTrue(features.vectorBits() >= 128, features::toString);
            assertEquals("Vector API preferred species", features.vectorBitsSource());
            int java = Runtime.version().feature();
            if (java <= 18 || java >= 22) {
                String access = java <= 18 ? "buffers through ByteBuffer" : "buffers through MemorySegment";
                assertTrue(features.vectorApiStatus().contains(access), features::vectorApiStatus);
            }
        } else {
            assertTrue(features.vectorApiStatus().contains("--add-modules jdk.incubator.vector"),
                    features::vectorApiStatus);
        }
        if (CpuFeatures.isX86(features.arch())) {
            assertTrue(features.has(CpuFeature.SSE2), features::toString);
            assertFalse(features.has(CpuFeature.NEON), features::toString);
        }
        assertTrue(features.toString().contains(features.featureSource()));
    }
}
