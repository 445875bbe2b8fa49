package io.zsync.concurrency;

import org.openjdk.jcstress.JCStress;
import org.openjdk.jcstress.Options;
import org.openjdk.jcstress.infra.Status;
import org.openjdk.jcstress.infra.collectors.DiskReadCollector;
import org.openjdk.jcstress.infra.collectors.InProcessCollector;
import org.openjdk.jcstress.infra.collectors.TestResult;
import org.openjdk.jcstress.infra.grading.TestGrading;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs the jcstress suite and turns its verdict into an exit code, so {@code mvn verify} fails when a
 * concurrency test does. jcstress's own {@code Main} always exits 0: it reports, it does not judge.
 * Takes jcstress's usual arguments ({@code -m quick}, {@code -t <regex>}, ...).
 */
public final class JcstressGate {
    private JcstressGate() {
    }

    public static void main(String[] args) throws Exception {
        Options options = new Options(args);
        if (!options.parse()) {
            System.exit(2);
        }
        try {
            new JCStress(options).run();
        } catch (RuntimeException e) {
            // jcstress's report printers throw when a test errored; the grading below names it.
            System.err.println("jcstress reported: " + e);
        }

        InProcessCollector collector = new InProcessCollector();
        DiskReadCollector reader = new DiskReadCollector(options.getResultFile(), collector);
        reader.dump();
        reader.close();

        List<String> failed = new ArrayList<>();
        int total = 0;
        for (TestResult result : collector.getTestResults()) {
            total++;
            TestGrading grading = TestGrading.grade(result);
            if (result.status() != Status.NORMAL) {
                failed.add(result.getName() + " " + result.getConfig() + ": " + result.status() + " "
                        + result.getMessages());
            } else if (!grading.isPassed) {
                failed.add(result.getName() + " " + result.getConfig() + ": " + grading.failureMessages);
            }
        }
        if (total == 0) {
            System.err.println("jcstress ran no tests: check the -t filter and that the tests were compiled");
            System.exit(1);
        }
        if (!failed.isEmpty()) {
            System.err.println(failed.size() + " of " + total + " jcstress results FAILED:");
            failed.forEach(f -> System.err.println("  " + f));
            System.exit(1);
        }
        System.out.println("jcstress: all " + total + " results passed");
    }
}
