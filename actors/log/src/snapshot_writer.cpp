// The follower's snapshot thread: serializes a state captured by
// state_machine::capture() away from the follower, which goes on applying,
// and hands the bytes back as (local::snapshot_written, meta, bytes).
//
// In production the writer is a detached actor (its own thread, so no CAF
// scheduler thread is blocked for the ~second a large state takes). In the
// deterministic simulation (CAF's test coordinator) it is an ordinary actor:
// the coordinator runs it as one more scheduled step, so a seed replays
// exactly. Linked to the follower: it dies with it (a crash in the
// simulation), and a follower that stops mid-snapshot leaves only bytes
// nobody receives — the acceptor compacts on complete snapshots alone.
#include "log_actors.hpp"

namespace troupe::rlog {

namespace {

void writer(caf::event_based_actor* self, state_machine::snapshot_writer write,
            wire::SnapshotMeta meta, caf::actor follower) {
  auto data = write();
  write = nullptr; // drop the captured state now, not when the actor is reclaimed
  self->send(follower, local::snapshot_written::value, std::move(meta), std::move(data));
  self->quit();
}

} // namespace

void write_snapshot(caf::event_based_actor* follower, state_machine::snapshot_writer write,
                    wire::SnapshotMeta meta) {
  auto to = caf::actor_cast<caf::actor>(follower);
  auto policy = caf::get_or(follower->system().config(), "scheduler.policy", caf::atom("sharing"));
  if (policy == caf::atom("testing"))
    follower->spawn<caf::linked>(writer, std::move(write), std::move(meta), std::move(to));
  else
    follower->spawn<caf::linked + caf::detached>(writer, std::move(write), std::move(meta),
                                                 std::move(to));
}

} // namespace troupe::rlog
