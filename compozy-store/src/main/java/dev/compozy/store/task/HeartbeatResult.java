package dev.compozy.store.task;

import java.util.List;

/**
 * What one heartbeat did.
 *
 * @param extended the leases still held, with their new expiry, in the order they were given
 * @param lost the leases given that are no longer held (another claim took the task, or it was finished,
 *     failed or reset by someone else), as they were given: stop working on those tasks, any write with
 *     them is refused
 */
public record HeartbeatResult(List<Lease> extended, List<Lease> lost) {
    public HeartbeatResult {
        extended = List.copyOf(extended);
        lost = List.copyOf(lost);
    }
}
