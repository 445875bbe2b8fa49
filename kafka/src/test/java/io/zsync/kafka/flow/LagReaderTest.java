package io.zsync.kafka.flow;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberAssignment;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.Test;

class LagReaderTest {

    private static ConsumerGroupDescription group(GroupState state, List<MemberDescription> members) {
        return new ConsumerGroupDescription("slow", false, members, "range", GroupType.CLASSIC, state,
                new Node(0, "localhost", 9092), Set.of(), Optional.empty(), Optional.empty());
    }

    /**
     * A group deleted mid-run is described {@code Dead} (or not found) right after it was {@code Empty}: it
     * still has no members, and must not be logged as one whose members came back (seen in
     * {@code BridgeLagReleaseIT}'s worker log).
     */
    @Test
    void aDeletedOrMissingGroupHasNoMembersLikeAnEmptyOne() {
        assertTrue(LagReader.hasNoMembers(group(GroupState.EMPTY, List.of())), "empty");
        assertTrue(LagReader.hasNoMembers(group(GroupState.DEAD, List.of())), "deleted: Dead");
        assertTrue(LagReader.hasNoMembers(null), "not found");
        MemberDescription member = new MemberDescription("m-1", Optional.empty(), "client-1", "/127.0.0.1",
                new MemberAssignment(Set.of()));
        assertFalse(LagReader.hasNoMembers(group(GroupState.STABLE, List.of(member))), "a member reads");
    }
}
