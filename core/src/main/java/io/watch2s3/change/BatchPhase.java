package io.watch2s3.change;

import java.util.List;

/**
 * A part of a batch's actions, synced one after the other (BatchPlanner#inPhases): first the uploads and the deletes
 * that go before them, then the deletes of objects a new file may be copied from ({@code copySourceDeletes}), which
 * BatchLanes holds until no batch may still copy from them.
 */
public record BatchPhase(List<SyncAction> actions, boolean copySourceDeletes) {
}
