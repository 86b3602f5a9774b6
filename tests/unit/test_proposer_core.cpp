// The proposer core: elections (randomized timeouts, pre-votes, quorums,
// stepping down),
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

wire::VoteResponse pre_granted(uint64_t epoch, member_id from, bool yes = true) {
  auto r = granted(epoch, from, yes);
  r.set_pre_vote(true);
  return r;
}

// Ticks until the proposer starts an election (asks for pre-votes first);
// returns the ticks it took.
int tick_until_election(proposer_core& p) {
  for (int t = 1; t <= 1000; ++t) {
    proposer_effects fx;
    p.tick(fx);
    if (fx.query_local_tail)
      return t;
  }
  return -1;
}

// After the election timer fired: the local tail, then pre-vote grants from
// every member; the proposer then asks for its tail again, for the real
// election.
void pass_pre_vote(proposer_core& p, uint64_t promised, uint64_t last_epoch, uint64_t last_index) {
  proposer_effects fx;
  p.on_local_tail(promised, last_epoch, last_index, 0, {}, fx);
  ASSERT_FALSE(fx.votes.empty());
  ASSERT_TRUE(fx.votes[0].second.pre_vote());
  auto asked = fx.votes[0].second.epoch();
  fx.clear();
  for (auto m : p.config().members)
    p.on_vote_response(pre_granted(asked, m), fx);
  ASSERT_TRUE(fx.query_local_tail);
  ASSERT_EQ(p.role(), proposer_role::candidate);
}

// Makes p (member 1) leader of epoch 1 over a local log ending at (last_epoch, last_index).
proposer_effects elect(proposer_core& p, uint64_t last_epoch = 0, uint64_t last_index = 0,
                       std::vector<wire::LogEntry> tail = {}) {
  tick_until_election(p);
  pass_pre_vote(p, 0, last_epoch, last_index);
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
  pass_pre_vote(p, 41, 3, 17);
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
  pass_pre_vote(p, 0, 0, 0);
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
  uint64_t seq = 0;
  for (auto& [to, req] : fx.appends)
    if (to == 3)
      seq = req.seq();
  fx.clear();
  wire::AppendResponse refuse;
  refuse.set_group("g");
  refuse.set_epoch(1);
  refuse.set_from(3);
  refuse.set_success(false);
  refuse.set_last_index(4); // acceptor 3 holds only 1..4
  refuse.set_seq(seq);
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

TEST(ProposerCore, ATimedOutFollowerAsksForPreVotesAndRaisesNothing) {
  proposer_core p{config(1), 7};
  tick_until_election(p);
  EXPECT_TRUE(p.pre_voting());
  proposer_effects fx;
  p.on_local_tail(41, 3, 17, 0, {}, fx);
  ASSERT_EQ(fx.votes.size(), 3u);
  for (auto& [to, req] : fx.votes) {
    EXPECT_TRUE(req.pre_vote());
    EXPECT_EQ(req.epoch(), 42u); // the epoch it would take
    EXPECT_EQ(req.last_epoch(), 3u);
    EXPECT_EQ(req.last_index(), 17u);
  }
  EXPECT_EQ(p.epoch(), 0u);
  EXPECT_EQ(p.role(), proposer_role::follower);
  EXPECT_FALSE(fx.leader_changed);
}

TEST(ProposerCore, WithoutAPreVoteQuorumTheEpochIsNeverRaised) {
  proposer_core p{config(1), 7};
  // Many timeouts; each time only its own acceptor grants (the others still
  // hear the leader, and refuse at their epoch 41).
  for (int round = 0; round < 20; ++round) {
    ASSERT_GT(tick_until_election(p), 0);
    proposer_effects fx;
    p.on_local_tail(41, 3, 17, 0, {}, fx);
    for (auto& [to, req] : fx.votes)
      ASSERT_TRUE(req.pre_vote());
    fx.clear();
    p.on_vote_response(pre_granted(41, 1), fx);
    p.on_vote_response(pre_granted(41, 1), fx); // a duplicate does not count twice
    p.on_vote_response(pre_granted(41, 2, false), fx);
    p.on_vote_response(pre_granted(41, 3, false), fx);
    EXPECT_FALSE(fx.query_local_tail);
    EXPECT_TRUE(fx.votes.empty());
    EXPECT_EQ(p.role(), proposer_role::follower);
    EXPECT_EQ(p.epoch(), 0u);
  }
}

TEST(ProposerCore, APreVoteQuorumStartsTheRealElection) {
  proposer_core p{config(1), 7};
  tick_until_election(p);
  proposer_effects fx;
  p.on_local_tail(41, 3, 17, 0, {}, fx);
  fx.clear();
  p.on_vote_response(pre_granted(41, 1), fx);
  EXPECT_FALSE(fx.query_local_tail);
  p.on_vote_response(granted(0, 3), fx); // a real vote's answer is not a pre-vote grant
  EXPECT_FALSE(fx.query_local_tail);
  p.on_vote_response(pre_granted(41, 3), fx);
  EXPECT_TRUE(fx.query_local_tail); // fresh tail for the vote requests
  EXPECT_EQ(p.role(), proposer_role::candidate);
  fx.clear();
  p.on_local_tail(41, 3, 17, 0, {}, fx);
  ASSERT_EQ(fx.votes.size(), 3u);
  EXPECT_FALSE(fx.votes[0].second.pre_vote());
  EXPECT_EQ(fx.votes[0].second.epoch(), 42u);
  EXPECT_EQ(p.epoch(), 42u);
}

TEST(ProposerCore, APreVoteRefusedAtAHigherEpochAsksAboveItNextTime) {
  proposer_core p{config(1), 7};
  tick_until_election(p);
  proposer_effects fx;
  p.on_local_tail(4, 3, 17, 0, {}, fx);
  fx.clear();
  p.on_vote_response(pre_granted(9, 2, false), fx); // acceptor 2 promised epoch 9
  EXPECT_FALSE(p.pre_voting());
  EXPECT_EQ(p.epoch(), 9u);
  tick_until_election(p);
  fx.clear();
  p.on_local_tail(4, 3, 17, 0, {}, fx);
  ASSERT_FALSE(fx.votes.empty());
  EXPECT_EQ(fx.votes[0].second.epoch(), 10u);
}

TEST(ProposerCore, HearingTheLeaderEndsThePreVote) {
  proposer_core p{config(1), 7};
  tick_until_election(p);
  proposer_effects fx;
  p.on_local_tail(4, 4, 17, 0, {}, fx);
  fx.clear();
  p.on_leader_seen(4, 2, fx); // its appends reach the local acceptor again
  EXPECT_FALSE(p.pre_voting());
  EXPECT_EQ(p.leader(), 2u);
  p.on_vote_response(pre_granted(4, 1), fx);
  p.on_vote_response(pre_granted(4, 3), fx);
  EXPECT_FALSE(fx.query_local_tail);
  EXPECT_EQ(p.role(), proposer_role::follower);
}

TEST(ProposerCore, ATimedOutCandidateAsksForPreVotesAgain) {
  proposer_core p{config(1), 7};
  tick_until_election(p);
  pass_pre_vote(p, 0, 0, 0);
  proposer_effects fx;
  p.on_local_tail(0, 0, 0, 0, {}, fx); // votes for epoch 1, never answered
  tick_until_election(p);
  EXPECT_TRUE(p.pre_voting());
  EXPECT_EQ(p.role(), proposer_role::follower);
  fx.clear();
  p.on_vote_response(granted(1, 2), fx); // a late vote of the abandoned election
  p.on_vote_response(granted(1, 3), fx);
  EXPECT_FALSE(p.leading());
  EXPECT_FALSE(fx.query_local_tail);
}

TEST(ProposerCore, LeaderHeardByAQuorumKeepsLeading) {
  proposer_core p{config(1), 7};
  elect(p);
  proposer_effects fx;
  // Acceptor 3 is gone for good; 1 (local) and 2 answer every heartbeat.
  for (int i = 0; i < 200; ++i) {
    fx.clear();
    p.tick(fx);
    auto sent = fx.appends;
    for (auto& [to, req] : sent)
      if (to != 3)
        p.on_append_response(ack(1, to, req.prev_index() + static_cast<uint64_t>(req.entries_size()), req.seq()), fx);
    ASSERT_TRUE(p.leading()) << "tick " << i;
  }
}

TEST(ProposerCore, ACandidateNobodyTookUpFollowsTheLiveLeader) {
  proposer_core p{config(1), 7};
  tick_until_election(p);
  pass_pre_vote(p, 4, 4, 17);
  proposer_effects fx;
  p.on_local_tail(4, 4, 17, 0, {}, fx); // asks for epoch 5; acceptors that hear leader 2 ignore it
  EXPECT_EQ(p.epoch(), 5u);
  fx.clear();
  p.on_leader_seen(4, 2, fx);
  EXPECT_EQ(p.role(), proposer_role::follower);
  EXPECT_EQ(p.epoch(), 4u);
  EXPECT_EQ(p.leader(), 2u);
  p.on_vote_response(granted(5, 2), fx); // late votes of the abandoned election
  p.on_vote_response(granted(5, 3), fx);
  EXPECT_FALSE(fx.query_local_tail);
  EXPECT_FALSE(p.leading());
}

TEST(ProposerCore, AStaleRefusalDoesNotMoveTheBackoffForward) {
  proposer_core p{config(1), 7};
  auto fx = elect(p, 1, 10, {entry(9, 1), entry(10, 1)});
  uint64_t first = 0;
  for (auto& [to, req] : fx.appends)
    if (to == 3)
      first = req.seq();
  fx.clear();
  auto refusal = [](uint64_t seq, uint64_t last) {
    wire::AppendResponse r;
    r.set_group("g");
    r.set_epoch(1);
    r.set_from(3);
    r.set_success(false);
    r.set_last_index(last);
    r.set_seq(seq);
    return r;
  };
  p.on_append_response(refusal(first, 9), fx); // 10 differs: resend from 10
  ASSERT_FALSE(fx.appends.empty());
  EXPECT_EQ(fx.appends.back().second.prev_index(), 9u);
  auto resent = fx.appends.back().second.seq();
  fx.clear();
  p.on_append_response(refusal(resent, 8), fx); // 9 differs too: from 9
  ASSERT_FALSE(fx.appends.empty());
  EXPECT_EQ(fx.appends.back().second.prev_index(), 8u);
  fx.clear();
  // A duplicate of the first refusal, late: its hint is out of date.
  p.on_append_response(refusal(first, 9), fx);
  EXPECT_EQ(p.peers().at(3).next, 12u); // the resend from 9 stays in flight
  EXPECT_TRUE(fx.appends.empty());      // and is not cut short by a restart from 10
}
