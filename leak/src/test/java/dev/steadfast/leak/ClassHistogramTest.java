package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClassHistogramTest {

    private static final String JCMD_OUTPUT = String.join("\n",
            " num     #instances         #bytes  class name (module)",
            "-------------------------------------------------------",
            "   1:         17182        1282296  [B (java.base@17.0.15)",
            "   2:          3534         423688  java.lang.Class (java.base@17.0.15)",
            "   3:          2906         211768  [Ljava.lang.Object; (java.base@17.0.15)",
            "   4:             2             48  com.acme.Session",
            "   5:             1             24  com.acme.Session",
            "   6:             3             72  [[I (java.base@17.0.15)",
            "   7:             8            128  java.util.regex.Pattern$$Lambda/0x80000002f (java.base@25.0.3)",
            "Total         23636        1918024");

    /** Instances of this class exist only while a test holds them. */
    static final class Marker {
    }

    @Test
    void parse_jcmdOutput_namesClassesAsInSource() {
        ClassHistogram histogram = ClassHistogram.parse(JCMD_OUTPUT);

        assertThat(histogram.entries()).extracting(ClassHistogram.Entry::className).containsExactly(
                "byte[]", "java.lang.Class", "java.lang.Object[]", "java.util.regex.Pattern$$Lambda/0x80000002f",
                "com.acme.Session", "int[][]");
    }

    @Test
    void parse_jvmHeapFillers_areNotCountedAsLiveObjects() {
        ClassHistogram histogram = ClassHistogram.parse(String.join("\n",
                "   1:           930         290160  [Ljdk.internal.vm.FillerElement; (java.base@25.0.3)",
                "   2:            12            192  jdk.internal.vm.FillerObject (java.base@25.0.3)",
                "   3:             2             48  com.acme.Session"));

        assertThat(histogram.entries()).extracting(ClassHistogram.Entry::className).containsExactly("com.acme.Session");
        assertThat(histogram.totalBytes()).isEqualTo(48);
        assertThat(histogram.totalInstances()).isEqualTo(2);
    }

    @Test
    void parse_sameClassFromTwoLoaders_isAddedUp() {
        ClassHistogram histogram = ClassHistogram.parse(JCMD_OUTPUT);

        assertThat(histogram.find("com.acme.Session")).contains(new ClassHistogram.Entry("com.acme.Session", 3, 72));
        assertThat(histogram.totalInstances()).isEqualTo(23_636);
        assertThat(histogram.totalBytes()).isEqualTo(1_918_024);
    }

    @Test
    void parse_textWithoutRows_isRejectedWithTheStartOfTheText() {
        assertThatThrownBy(() -> ClassHistogram.parse("Error: no such command"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a class histogram")
                .hasMessageEndingWith(": Error: no such command");
    }

    @Test
    void diff_reportsGrowthFirstAndLeavesUnchangedOut() {
        ClassHistogram before = ClassHistogram.parse(JCMD_OUTPUT);
        ClassHistogram after = ClassHistogram.parse(JCMD_OUTPUT
                .replace("   4:             2             48  com.acme.Session",
                        "   4:          1002          24048  com.acme.Session")
                .replace("[[I (java.base@17.0.15)", "[[J (java.base@17.0.15)"));

        List<ClassHistogram.Delta> diff = after.diff(before);

        assertThat(diff).containsExactly(
                new ClassHistogram.Delta("com.acme.Session", 1_000, 24_000),
                new ClassHistogram.Delta("long[][]", 3, 72),
                new ClassHistogram.Delta("int[][]", -3, -72));
        assertThat(diff.get(0)).hasToString("+1,000 com.acme.Session (+24,000 bytes)");
    }

    @Test
    void capture_countsLiveInstancesExactly() {
        List<Marker> held = new ArrayList<>();
        for (int i = 0; i < 37; i++) {
            held.add(new Marker());
        }

        ClassHistogram histogram = ClassHistogram.capture();

        assertThat(histogram.find(Marker.class.getName()))
                .hasValueSatisfying(entry -> assertThat(entry.instances()).isEqualTo(37));
        assertThat(held).hasSize(37);
    }

    @Test
    void capture_droppedInstancesAreNotCounted() {
        List<Marker> held = new ArrayList<>();
        held.add(new Marker());
        held.clear();

        assertThat(ClassHistogram.capture().find(Marker.class.getName())).isEmpty();
    }

    @Test
    void toString_showsLargestClassesAndTotal() {
        assertThat(ClassHistogram.parse(JCMD_OUTPUT).toString())
                .contains("      17,182      1,282,296  byte[]")
                .endsWith("      23,636      1,918,024  total");
    }
}
