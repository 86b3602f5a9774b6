// The acceptor core, decision by decision: promises, votes and the election
// restriction, pre-votes and the leader's lease (check-quorum), log matching,
// truncation of unconfirmed suffixes, snapshots.
#include <gtest/gtest.h>

#include "troupe/log/acceptor_core.hpp"
#include "troupe/persistence/checksum.hpp"

using namespace troupe::rlog;
namespace wire = troupe::wire;

namespace {

wire::LogEntry entry(uint64_t index, uint64_t epoch, std::string data = "x") {
  wire::LogEntry e;
  e.set_index(index);
  e.set_epoch(epoch);
  e.set_zxid((epoch << 32) | index);
  e.set_data(std::move(data));
  return e;
}

wire::VoteRequest vote(uint64_t epoch, member_id candidate, uint64_t last_epoch, uint64_t last_index) {
  wire::VoteRequest r;
  r.set_group("g");
  r.set_epoch(epoch);
  r.set_candidate(candidate);
  r.set_last_epoch(last_epoch);
  r.set_last_index(last_index);
  return r;
}

wire::AppendRequest append(uint64_t epoch, member_id leader, uint64_t prev_index, uint64_t prev_epoch,
                           std::vector<wire::LogEntry> entries, uint64_t commit = 0) {
  wire::AppendRequest r;
  r.set_group("g");
  r.set_epoch(epoch);
  r.set_leader(leader);
  r.set_prev_index(prev_index);
  r.set_prev_epoch(prev_epoch);
  for (auto& e : entries)
    *r.add_entries() = e;
  r.set_commit_index(commit);
  return r;
}

constexpr uint32_t lease = 8;

wire::VoteRequest pre_vote(uint64_t epoch, member_id candidate, uint64_t last_epoch, uint64_t last_index) {
  auto r = vote(epoch, candidate, last_epoch, last_index);
  r.set_pre_vote(true);
  return r;
}

struct AcceptorCore : ::testing::Test {
  acceptor_core a{"g", 1, {1, 2, 3}, lease};
  acceptor_effects fx;

  // The leader last heard falls silent for a whole lease.
  void leader_goes_silent() {
    for (uint32_t t = 0; t < lease; ++t)
      a.tick();
  }
};

} // namespace

TEST_F(AcceptorCore, VotesOncePerEpochAndPersistsThePromise) {
  auto r = a.on_vote(vote(1, 2, 0, 0), fx);
  EXPECT_TRUE(r.granted());
  EXPECT_TRUE(fx.hard_state_changed);
  EXPECT_EQ(a.hard_state().voted_for(), 2u);
  fx.clear();
  EXPECT_TRUE(a.on_vote(vote(1, 2, 0, 0), fx).granted()); // the same candidate again
  EXPECT_FALSE(fx.hard_state_changed);
  EXPECT_FALSE(a.on_vote(vote(1, 3, 0, 0), fx).granted()); // another one, same epoch
  EXPECT_TRUE(a.on_vote(vote(2, 3, 0, 0), fx).granted());  // a new epoch frees the vote
  auto stale = a.on_vote(vote(1, 2, 0, 0), fx);
  EXPECT_FALSE(stale.granted());
  EXPECT_EQ(stale.epoch(), 2u); // tells the stale candidate the epoch
}

TEST_F(AcceptorCore, RefusesACandidateBehindItsLog) {
  a.on_append(append(2, 2, 0, 0, {entry(1, 1), entry(2, 2)}), fx);
  leader_goes_silent();
  EXPECT_FALSE(a.on_vote(vote(3, 3, 1, 5), fx).granted()); // older last epoch, longer log
  EXPECT_FALSE(a.on_vote(vote(4, 3, 2, 1), fx).granted()); // same epoch, shorter log
  EXPECT_TRUE(a.on_vote(vote(5, 3, 2, 2), fx).granted());  // as up to date
  EXPECT_TRUE(a.on_vote(vote(6, 2, 3, 1), fx).granted());  // newer last epoch wins
}

TEST_F(AcceptorCore, AcceptsOnlyWhereTheLogMatches) {
  auto r = a.on_append(append(1, 2, 0, 0, {entry(1, 1), entry(2, 1)}), fx);
  EXPECT_TRUE(r.success());
  EXPECT_EQ(r.match_index(), 2u);
  EXPECT_EQ(fx.appended.size(), 2u);
  EXPECT_EQ(a.leader(), 2u);
  EXPECT_EQ(a.hard_state().voted_for(), 2u); // knows who leads epoch 1
  auto gap = a.on_append(append(1, 2, 5, 1, {entry(6, 1)}), fx);
  EXPECT_FALSE(gap.success());
  EXPECT_EQ(gap.last_index(), 2u); // hint: send from 3
  auto wrong_epoch = a.on_append(append(1, 2, 2, 7, {entry(3, 1)}), fx);
  EXPECT_FALSE(wrong_epoch.success());
  auto stale_leader = a.on_append(append(0, 3, 2, 1, {}), fx);
  EXPECT_FALSE(stale_leader.success());
  auto foreign = append(1, 2, 2, 1, {});
  foreign.set_group("other");
  EXPECT_FALSE(a.on_append(foreign, fx).success());
  EXPECT_FALSE(a.on_append(append(1, 9, 2, 1, {}), fx).success()); // not a member
}

TEST_F(AcceptorCore, DuplicateAndReorderedAppendsChangeNothing) {
  auto first = append(1, 2, 0, 0, {entry(1, 1), entry(2, 1), entry(3, 1)});
  a.on_append(first, fx);
  fx.clear();
  auto older = append(1, 2, 0, 0, {entry(1, 1)});
  auto r = a.on_append(older, fx);
  EXPECT_TRUE(r.success());
  EXPECT_EQ(r.match_index(), 1u);
  EXPECT_EQ(a.last_index(), 3u); // a late, shorter append does not cut the log
  EXPECT_TRUE(fx.appended.empty());
  EXPECT_FALSE(fx.truncated_from);
}

TEST_F(AcceptorCore, ReplacesAnUncommittedConflictingSuffix) {
  a.on_append(append(1, 2, 0, 0, {entry(1, 1), entry(2, 1), entry(3, 1)}, 1), fx);
  fx.clear();
  // A new leader of epoch 2 never had entries 2..3 of epoch 1.
  auto r = a.on_append(append(2, 3, 1, 1, {entry(2, 2, "new")}), fx);
  EXPECT_TRUE(r.success());
  EXPECT_EQ(a.last_index(), 2u);
  ASSERT_TRUE(fx.truncated_from);
  EXPECT_EQ(*fx.truncated_from, 2u);
  ASSERT_EQ(fx.appended.size(), 1u);
  EXPECT_EQ(fx.appended[0].data(), "new");
}

TEST_F(AcceptorCore, NeverTruncatesACommittedEntry) {
  a.on_append(append(1, 2, 0, 0, {entry(1, 1), entry(2, 1)}, 2), fx);
  EXPECT_EQ(a.commit_index(), 2u);
  auto r = a.on_append(append(2, 3, 1, 1, {entry(2, 2)}), fx);
  EXPECT_FALSE(r.success()); // a misbehaving peer: refused, nothing lost
  EXPECT_EQ(a.last_epoch(), 1u);
}

TEST_F(AcceptorCore, SnapshotCompactsAndInstalls) {
  a.on_append(append(1, 2, 0, 0, {entry(1, 1), entry(2, 1), entry(3, 1)}, 3), fx);
  wire::SnapshotMeta meta;
  meta.set_index(2);
  meta.set_epoch(1);
  EXPECT_TRUE(a.compact(meta, fx));
  EXPECT_EQ(a.first_index(), 3u);
  EXPECT_EQ(*fx.compacted_through, 2u);
  EXPECT_EQ(fx.compacted_from, 1u); // the store deletes [1, 2] without searching
  std::vector<wire::LogEntry> out;
  EXPECT_FALSE(a.read(1, 10, 1 << 20, out)); // compacted: needs the snapshot
  EXPECT_TRUE(a.read(3, 10, 1 << 20, out));
  EXPECT_EQ(out.size(), 1u);
  // An acceptor far behind receives a snapshot and drops its log.
  acceptor_core b{"g", 3, {1, 2, 3}, lease};
  acceptor_effects bfx;
  b.on_append(append(1, 2, 0, 0, {entry(1, 1)}), bfx);
  wire::InstallSnapshot inst;
  inst.set_group("g");
  inst.set_epoch(2);
  inst.set_leader(2);
  meta.set_index(10);
  meta.set_epoch(2);
  *inst.mutable_meta() = meta;
  inst.set_data("state@10"); // in one chunk
  inst.set_total_size(8);
  inst.set_crc32(troupe::persistence::crc32("state@10"));
  auto r = b.on_install_snapshot(inst, bfx);
  EXPECT_TRUE(r.success());
  EXPECT_TRUE(bfx.receive.begin && bfx.receive.append && bfx.receive.complete);
  EXPECT_EQ(b.first_index(), 11u);
  EXPECT_EQ(b.last_index(), 10u);
  EXPECT_EQ(bfx.snapshot->index(), 10u);
  // Appends continue after it.
  EXPECT_TRUE(b.on_append(append(2, 2, 10, 2, {entry(11, 2)}), bfx).success());
}

TEST(AcceptorLease, IsShorterThanTheEarliestElectionAndLongerThanAHeartbeat) {
  EXPECT_EQ(lease_ticks_for(10, 2), 8u);
  EXPECT_EQ(lease_ticks_for(3, 2), 3u); // never within a heartbeat period
  EXPECT_EQ(lease_ticks_for(1, 0), 1u);
}

TEST_F(AcceptorCore, PreVoteIsAnsweredAsAVoteWouldBeButRecordsNothing) {
  a.on_append(append(1, 2, 0, 0, {entry(1, 1), entry(2, 1)}), fx);
  leader_goes_silent();
  fx.clear();
  auto before = a.hard_state().SerializeAsString();
  auto yes = a.on_vote(pre_vote(2, 3, 1, 2), fx);
  EXPECT_TRUE(yes.granted());
  EXPECT_TRUE(yes.pre_vote());
  EXPECT_EQ(yes.epoch(), 1u);                               // not raised
  EXPECT_FALSE(a.on_vote(pre_vote(2, 3, 1, 1), fx).granted()); // log behind
  EXPECT_FALSE(a.on_vote(pre_vote(1, 3, 1, 2), fx).granted()); // epoch 1's vote went to its leader
  EXPECT_TRUE(a.on_vote(pre_vote(1, 2, 1, 2), fx).granted());  // ... who may ask again
  EXPECT_TRUE(fx.empty());
  EXPECT_EQ(a.hard_state().SerializeAsString(), before);
  // Granting pre-votes took no vote: another candidate can still win epoch 2.
  EXPECT_TRUE(a.on_vote(pre_vote(2, 2, 1, 2), fx).granted());
  EXPECT_TRUE(a.on_vote(vote(2, 2, 1, 2), fx).granted());
  EXPECT_EQ(a.hard_state().voted_for(), 2u);
}

TEST_F(AcceptorCore, WhileTheLeaderIsFreshVoteRequestsAreIgnored) {
  a.on_append(append(1, 2, 0, 0, {entry(1, 1)}), fx);
  fx.clear();
  for (uint32_t t = 0; t + 1 < lease; ++t)
    a.tick();
  EXPECT_TRUE(a.leader_fresh());
  // A member that lost touch with leader 2, even one with a longer log.
  EXPECT_FALSE(a.on_vote(pre_vote(2, 3, 1, 5), fx).granted());
  auto r = a.on_vote(vote(7, 3, 1, 5), fx);
  EXPECT_FALSE(r.granted());
  EXPECT_EQ(r.epoch(), 1u);
  EXPECT_EQ(a.hard_state().epoch(), 1u); // its higher epoch was not adopted
  EXPECT_TRUE(fx.empty());
  // Every append of the leader renews the lease, a refused one too (it
  // still proves the leader lives).
  a.on_append(append(1, 2, 9, 1, {}), fx);
  for (uint32_t t = 0; t + 1 < lease; ++t)
    a.tick();
  EXPECT_FALSE(a.on_vote(vote(7, 3, 1, 5), fx).granted());
  // Once the leader has been silent for the lease, the candidate wins.
  a.tick();
  EXPECT_FALSE(a.leader_fresh());
  EXPECT_TRUE(a.on_vote(pre_vote(2, 3, 1, 5), fx).granted());
  EXPECT_TRUE(a.on_vote(vote(7, 3, 1, 5), fx).granted());
  EXPECT_EQ(a.hard_state().epoch(), 7u);
  EXPECT_TRUE(fx.hard_state_changed);
}

TEST_F(AcceptorCore, ARestartedAcceptorKnowsNoLeaderAndVotes) {
  a.on_append(append(1, 2, 0, 0, {entry(1, 1)}), fx);
  acceptor_core restarted{"g", 1, {1, 2, 3}, lease};
  restarted.restore(a.hard_state(), a.snapshot(), {entry(1, 1)});
  EXPECT_FALSE(restarted.leader_fresh());
  acceptor_effects rfx;
  EXPECT_TRUE(restarted.on_vote(vote(2, 3, 1, 1), rfx).granted());
  // ... until the leader reaches it.
  restarted.on_append(append(2, 3, 1, 1, {}), rfx);
  EXPECT_TRUE(restarted.leader_fresh());
  EXPECT_FALSE(restarted.on_vote(pre_vote(3, 2, 1, 1), rfx).granted());
}
