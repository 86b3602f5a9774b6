// The proposer core: elections (randomized timeouts, quorums, stepping down),
// leading (epoch start re-proposing the inherited tail, zxids, pipelining,
// commit by quorum of the current epoch only), catch-up of lagging acceptors,
// and the read barrier.
#include <gtest/gtest.h>

#include "troupe/log/log_entry.hpp"
#include "troupe/log/proposer_core.hpp"

using namespace troupe::rlog;
namespace wire = troupe::wire;

namespace {

proposer_config config(member_id self) {
  proposer_config c;
  c.group = "g";
  c.self = self;
  c.members = {1, 2, 3};
  return c;
}

wire::VoteResponse granted(uint64_t epoch, member_id from, bool yes = true) {
  wire::VoteResponse r;
  r.set_group("g");
  r.set_epoch(epoch);
  r.set_from(from);
  r.set_granted(yes);
  return r;
}

wire::AppendResponse ack(uint64_t epoch, member_id from, uint64_t match, uint64_t seq = 0) {
  wire::AppendResponse r;
  r.set_group("g");
  r.set_epoch(epoch);
  r.set_from(from);
  r.set_success(true);
  r.set_match_index(match);
  r.set_seq(seq);
  return r;
}

wire::LogEntry entry(uint64_t index, uint64_t epoch) {
  wire::LogEntry e;
  e.set_index(index);
  e.set_epoch(epoch);
  e.set_zxid((epoch << 32) | index);
  return e;
}

// Ticks until the proposer starts an election; returns the ticks it took.
int tick_until_election(proposer_core& p) {
  for (int t = 1; t <= 1000; ++t) {
    proposer_effects fx;
    p.tick(fx);
    if (fx.query_local_tail)
      return t;
  }
  return -1;
}

// Makes p (member 1) leader of epoch 1 over a local log ending at (last_epoch, last_index).
proposer_effects elect(proposer_core& p, uint64_t last_epoch = 0, uint64_t last_index = 0,
                       std::vector<wire::LogEntry> tail = {}) {
  tick_until_election(p);
  proposer_effects fx;
  p.on_local_tail(0, last_epoch, last_index, 0, {}, fx);
  fx.clear();
  p.on_vote_response(granted(1, 1), fx);
  p.on_vote_response(granted(1, 2), fx);
  EXPECT_TRUE(fx.query_local_tail);
  fx.clear();
  auto prev_epoch = tail.empty() ? last_epoch : tail.front().epoch();
  p.on_local_tail(1, last_epoch, last_index, prev_epoch, std::move(tail), fx);
  return fx;
}

} // namespace

TEST(ProposerCore, ElectionTimeoutsAreRandomizedWithinBounds) {
  std::set<int> seen;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    proposer_core p{config(1), seed};
    auto t = tick_until_election(p);
    EXPECT_GE(t, 10);
    EXPECT_LE(t, 20);
    seen.insert(t);
  }
  EXPECT_GT(seen.size(), 3u); // spread, so that candidates rarely collide
}

TEST(ProposerCore, CandidateTakesAnEpochAboveItsAcceptorsPromise) {
  proposer_core p{config(1), 7};
  tick_until_election(p);
  proposer_effects fx;
  p.on_local_tail(41, 3, 17, 0, {}, fx);
  EXPECT_EQ(p.epoch(), 42u);
  ASSERT_EQ(fx.votes.size(), 3u);
  EXPECT_EQ(fx.votes[0].second.epoch(), 42u);
  EXPECT_EQ(fx.votes[0].second.last_epoch(), 3u);
  EXPECT_EQ(fx.votes[0].second.last_index(), 17u);
}

TEST(ProposerCore, WinsWithAQuorumOnlyAndStepsDownOnAHigherEpoch) {
  proposer_core p{config(1), 7};
  tick_until_election(p);
  proposer_effects fx;
  p.on_local_tail(0, 0, 0, 0, {}, fx);
  fx.clear();
  p.on_vote_response(granted(1, 1), fx);
  p.on_vote_response(granted(1, 1), fx); // a duplicate does not count twice
  p.on_vote_response(granted(1, 3, false), fx);
  EXPECT_FALSE(fx.query_local_tail);
  p.on_vote_response(granted(1, 2), fx);
  EXPECT_TRUE(fx.query_local_tail);
  fx.clear();
  p.on_local_tail(1, 0, 0, 0, {}, fx);
  EXPECT_TRUE(p.leading());
  ASSERT_TRUE(fx.leader_changed);
  EXPECT_EQ(fx.leader_changed->second, 1u);
  fx.clear();
  auto higher = ack(5, 2, 0);
  higher.set_success(false);
  p.on_append_response(higher, fx);
  EXPECT_FALSE(p.leading());
  EXPECT_EQ(p.epoch(), 5u);
}

TEST(ProposerCore, NewLeaderReproposesItsTailUnderAnEpochStart) {
  proposer_core p{config(1), 7};
  // The local log holds 1..3 from epoch 0's leader... say epoch 0 entries 2..3 uncommitted.
  auto fx = elect(p, 0, 3, {entry(2, 0), entry(3, 0)});
  ASSERT_TRUE(p.leading());
  EXPECT_EQ(p.last_index(), 4u); // epoch start after the inherited tail
  EXPECT_EQ(p.commit_index(), 1u);
  ASSERT_EQ(fx.appends.size(), 3u);
  auto& req = fx.appends[0].second;
  EXPECT_EQ(req.prev_index(), 3u); // optimistic: acceptors probably have the tail
  ASSERT_EQ(req.entries_size(), 1);
  EXPECT_EQ(req.entries(0).kind(), wire::ENTRY_EPOCH_START);
  EXPECT_EQ(req.entries(0).zxid(), uint64_t{1} << 32);
  // Entries 2..4 commit together once a quorum holds the epoch start.
  fx.clear();
  p.on_append_response(ack(1, 1, 4), fx);
  EXPECT_TRUE(fx.committed.empty());
  p.on_append_response(ack(1, 2, 4), fx);
  ASSERT_EQ(fx.committed.size(), 3u);
  EXPECT_EQ(fx.committed.front().index(), 2u);
  EXPECT_EQ(p.commit_index(), 4u);
}

TEST(ProposerCore, OlderEpochEntriesDoNotCommitByCountingAlone) {
  proposer_core p{config(1), 7};
  auto fx = elect(p, 0, 3, {entry(2, 0), entry(3, 0)});
  fx.clear();
  // A quorum holds 3 (from the old epoch) but not yet the epoch start at 4.
  p.on_append_response(ack(1, 1, 3), fx);
  p.on_append_response(ack(1, 2, 3), fx);
  EXPECT_TRUE(fx.committed.empty());
  EXPECT_EQ(p.commit_index(), 1u);
}

TEST(ProposerCore, ProposalsGetRisingZxidsAndArePipelinedInBatches) {
  proposer_core p{config(1), 7};
  elect(p);
  std::vector<uint64_t> zxids;
  for (int i = 0; i < 20; ++i)
    zxids.push_back(*p.propose("c" + std::to_string(i), "f", static_cast<uint64_t>(i)));
  EXPECT_TRUE(std::is_sorted(zxids.begin(), zxids.end()));
  EXPECT_EQ(zxids.front(), (uint64_t{1} << 32) | 1);
  proposer_effects fx;
  p.flush(fx);
  // One append per acceptor carries the whole batch (the epoch start went earlier).
  ASSERT_EQ(fx.appends.size(), 3u);
  EXPECT_EQ(fx.appends[0].second.entries_size(), 20);
  EXPECT_EQ(fx.appends[0].second.prev_index(), 1u);
  EXPECT_FALSE(proposer_core(config(2), 1).propose("x", "f", 1)); // a follower refuses
}

TEST(ProposerCore, ABatchOfCommandsIsOneEntryWithConsecutiveZxids) {
  proposer_core p{config(1), 7};
  elect(p);
  auto first = *p.propose("a", "f", 1); // counter 1
  wire::CommandBatch batch;
  for (uint64_t seq = 2; seq <= 4; ++seq) {
    batch.add_origin_seqs(seq);
    batch.add_commands("c" + std::to_string(seq));
  }
  auto zxid = p.propose_batch(batch, "f");
  ASSERT_TRUE(zxid);
  EXPECT_EQ(*zxid, first + 1);
  // The next command takes the zxid after the batch's last one.
  EXPECT_EQ(*p.propose("z", "f", 5), first + 4);
  wire::CommandBatch single;
  single.add_origin_seqs(6);
  single.add_commands("s");
  EXPECT_EQ(*p.propose_batch(single, "f"), first + 5);
  proposer_effects fx;
  p.flush(fx);
  ASSERT_EQ(fx.appends.size(), 3u);
  auto& req = fx.appends[0].second;
  ASSERT_EQ(req.entries_size(), 4); // a, the batch, z, s
  auto& e = req.entries(1);
  EXPECT_EQ(e.kind(), wire::ENTRY_COMMANDS);
  EXPECT_EQ(e.count(), 3u);
  EXPECT_EQ(e.zxid(), first + 1);
  EXPECT_EQ(last_zxid(e), first + 3);
  wire::CommandBatch decoded;
  ASSERT_TRUE(decoded.ParseFromString(e.data()));
  EXPECT_EQ(decoded.commands(2), "c4");
  EXPECT_EQ(decoded.origin_seqs(0), 2u);
  EXPECT_EQ(req.entries(3).kind(), wire::ENTRY_COMMAND); // one command: a plain entry
  EXPECT_EQ(req.entries(3).origin_seq(), 6u);
  EXPECT_FALSE(p.propose_batch(wire::CommandBatch{}, "f")); // nothing to append
  EXPECT_FALSE(proposer_core(config(2), 1).propose_batch(batch, "f")); // a follower refuses
}

TEST(ProposerCore, LaggingAcceptorBacksOffAndIsFedFromTheLocalLog) {
  proposer_core p{config(1), 7};
  auto fx = elect(p, 1, 10, {entry(9, 1), entry(10, 1)});
  fx.clear();
  wire::AppendResponse refuse;
  refuse.set_group("g");
  refuse.set_epoch(1);
  refuse.set_from(3);
  refuse.set_success(false);
  refuse.set_last_index(4); // acceptor 3 holds only 1..4
  p.on_append_response(refuse, fx);
  ASSERT_EQ(fx.fetches.size(), 1u);
  EXPECT_EQ(fx.fetches[0], std::make_pair(member_id{3}, uint64_t{5}));
  fx.clear();
  p.on_fetched(3, 1, {entry(5, 1), entry(6, 1), entry(7, 1), entry(8, 1)}, fx);
  ASSERT_EQ(fx.appends.size(), 1u);
  EXPECT_EQ(fx.appends[0].second.prev_index(), 4u);
  EXPECT_EQ(fx.appends[0].second.entries_size(), 4);
}

TEST(ProposerCore, ReadBarrierNeedsAQuorumAfterTheRequest) {
  proposer_core p{config(1), 7};
  elect(p);
  proposer_effects fx;
  p.read_barrier(1, fx); // epoch start not committed yet
  ASSERT_EQ(fx.reads.size(), 1u);
  EXPECT_EQ(fx.reads[0].index, 0u);
  fx.clear();
  p.on_append_response(ack(1, 1, 1, 1), fx);
  p.on_append_response(ack(1, 2, 1, 2), fx);
  ASSERT_EQ(p.commit_index(), 1u);
  fx.clear();
  p.read_barrier(2, fx);
  EXPECT_TRUE(fx.reads.empty());
  uint64_t max_seq = 0;
  for (auto& [to, req] : fx.appends)
    max_seq = std::max(max_seq, req.seq());
  fx.clear();
  p.on_append_response(ack(1, 1, 1, max_seq), fx);
  EXPECT_TRUE(fx.reads.empty()); // one is not a quorum
  p.on_append_response(ack(1, 3, 1, max_seq), fx);
  ASSERT_EQ(fx.reads.size(), 1u);
  EXPECT_EQ(fx.reads[0].id, 2u);
  EXPECT_EQ(fx.reads[0].index, 1u);
}

TEST(ProposerCore, LeaderWithoutAQuorumStepsDown) {
  proposer_core p{config(1), 7};
  elect(p);
  proposer_effects fx;
  for (int i = 0; i < 25 && p.leading(); ++i)
    p.tick(fx);
  EXPECT_FALSE(p.leading());
}
