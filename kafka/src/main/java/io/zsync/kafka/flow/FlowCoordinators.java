package io.zsync.kafka.flow;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Finds the process's coordinator for a control topic, starting one on the first task's join, so that all
 * tasks of one application in one process share one member (one producer, one consumer, one thread). A
 * coordinator retires itself a few seconds after its last task left, or when it fails; the next join then
 * starts a new one.
 */
public final class FlowCoordinators {
    private static final FlowCoordinators PROCESS = new FlowCoordinators();

    private final Map<String, FlowCoordinator> coordinators = new HashMap<>();
    private final FlowCoordinator.Registry registry = this::retire;

    /**
     * A registry of its own: its coordinators are members apart from the process's. For tests and harnesses
     * that run several members of one application in one JVM; tasks use {@link #process()}.
     */
    public FlowCoordinators() {
    }

    /** The registry of this process (class loader). */
    public static FlowCoordinators process() {
        return PROCESS;
    }

    /**
     * Joins a task to the flow budget shared through {@code topic}.
     *
     * @param topic             the control topic
     * @param clientConfigs     how to reach the cluster that holds it (bootstrap servers, security); the first
     *                          join's settings are the ones used for the topic in this process
     * @param intervalMs        the coordination interval, ms (the first join's applies)
     * @param replicationFactor the topic's replication factor if it must be created, -1 for the broker default
     * @param scope             the budget's scope (a Streams processor's name, a connector's name)
     * @param task              the task's id, unique within the scope in this process
     * @param budgetRecords     the application's records/s (0: no records limit)
     * @param budgetBytes       the application's bytes/s (0: no bytes limit)
     * @param budgetBurst       the application's burst, records
     * @param fallback          what the task takes while the topic cannot be reached: its share by input
     *                          partitions
     * @param lag               the downstream group whose lag paces the scope's release
     *                          ({@code zsync.lag.group}), or null
     * @return the task's membership; call {@link TaskFlow#leave} when the task closes
     */
    public synchronized TaskFlow join(String topic, Map<String, Object> clientConfigs, long intervalMs,
                                      short replicationFactor, String scope, String task, long budgetRecords,
                                      long budgetBytes, long budgetBurst, Allowance fallback, LagSpec lag) {
        Objects.requireNonNull(fallback, "fallback");
        String where = clientConfigs.get("bootstrap.servers") + "|" + topic;
        FlowCoordinator c = coordinators.get(where);
        if (c == null || c.isClosing()) {
            c = new FlowCoordinator(topic, clientConfigs, intervalMs, replicationFactor, registry);
            coordinators.put(where, c);
            c.start();
        }
        return c.join(scope, task, budgetRecords, budgetBytes, budgetBurst, fallback, lag);
    }

    private synchronized boolean retire(FlowCoordinator c, boolean onlyIfIdle) {
        if (onlyIfIdle && c.hasTasks()) {
            return false;
        }
        c.markClosing();
        coordinators.values().remove(c);
        return true;
    }

    /** Closes every coordinator of this registry (tests). */
    public void closeAll() {
        FlowCoordinator[] all;
        synchronized (this) {
            all = coordinators.values().toArray(new FlowCoordinator[0]);
            coordinators.clear();
        }
        for (FlowCoordinator c : all) {
            c.close();
        }
    }
}
