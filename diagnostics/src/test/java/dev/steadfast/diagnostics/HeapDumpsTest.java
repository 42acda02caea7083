package dev.steadfast.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeapDumpsTest {

    @Test
    void dumpLive_writesHprofFileInMissingDirectory(@TempDir Path dir) throws Exception {
        Path written = HeapDumps.dumpLive(dir.resolve("nested/live.hprof"));

        assertThat(written).isAbsolute().exists();
        try (InputStream in = Files.newInputStream(written)) {
            assertThat(new String(in.readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("JAVA PROFILE");
        }
    }

    @Test
    void dumpLive_nameWithoutHprofSuffix_isRejected(@TempDir Path dir) {
        Path file = dir.resolve("heap.bin");

        assertThatThrownBy(() -> HeapDumps.dumpLive(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("heap dump file name must end with .hprof: " + file);
        assertThat(file).doesNotExist();
    }

    @Test
    void dumpLive_existingFile_isRejectedAndKept(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("old.hprof"), "keep me");

        assertThatThrownBy(() -> HeapDumps.dumpLive(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("heap dump file already exists (the JVM never overwrites one): " + file);
        assertThat(file).hasContent("keep me");
    }
}
