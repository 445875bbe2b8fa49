package io.zsync.kafka.flow;

import io.zsync.kafka.ZsyncConfig;
import java.util.Map;

/**
 * How a task joins its application's flow budget ({@code zsync.rate.scope=application}). The Streams
 * processor and the Connect bridge use {@link #kafka()}; tests without a broker use {@link #fixed}.
 */
@FunctionalInterface
public interface FlowJoiner {
    /**
     * @param topic         the control topic ({@link ZsyncConfig#flowTopic})
     * @param clientConfigs how to reach the cluster that holds it: bootstrap servers and security settings
     * @param config        the task's zsync settings: budgets, burst, interval, replication factor
     * @param scope         the budget's scope: a Streams processor's name, a connector's name
     * @param task          the task's id, unique within the scope in this process
     * @param fallback      the task's share by input partitions, for while the control topic cannot be reached
     * @param lag           the downstream group whose lag paces release ({@code zsync.lag.group}), or null
     * @return the task's membership; the task calls {@link TaskFlow#update} before it dispatches and
     *         {@link TaskFlow#leave} when it closes
     */
    TaskFlow join(String topic, Map<String, Object> clientConfigs, ZsyncConfig config, String scope, String task,
                  Allowance fallback, LagSpec lag);

    /** Through the process's coordinator for the control topic ({@link FlowCoordinators}). */
    static FlowJoiner kafka() {
        return (topic, clients, config, scope, task, fallback, lag) -> FlowCoordinators.process().join(topic,
                clients, config.flowIntervalMs(), config.flowReplicationFactor(), scope, task, config.rateLimit(),
                config.rateBytes(), config.rateBurst(), fallback, lag);
    }

    /** Every task keeps {@code allowance}, nobody coordinates (tests without a broker). */
    static FlowJoiner fixed(Allowance allowance) {
        return (topic, clients, config, scope, task, fallback, lag) -> TaskFlow.fixed(scope, task, allowance);
    }

    /** Every task keeps its fallback share by input partitions, as before coordination (tests without a broker). */
    static FlowJoiner fallbackOnly() {
        return (topic, clients, config, scope, task, fallback, lag) -> TaskFlow.fixed(scope, task, fallback);
    }
}
