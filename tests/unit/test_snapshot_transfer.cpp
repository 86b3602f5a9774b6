// Snapshots streamed in chunks, core by core: the acceptor taking a leader's
// chunks (in order, lost, duplicated, a new epoch mid-transfer, bad input),
// the leader's window and resends, a learner reading from an acceptor.
#include <gtest/gtest.h>

#include "troupe/log/acceptor_core.hpp"
#include "troupe/log/learner_core.hpp"
#include "troupe/log/snapshot_sender.hpp"
#include "troupe/persistence/checksum.hpp"

using namespace troupe::rlog;
namespace wire = troupe::wire;
using troupe::persistence::crc32;

namespace {

const std::string snapshot_bytes = "0123456789abcdefghijklmnopqrstuvwxyz"; // 36 bytes

wire::SnapshotMeta meta_at(uint64_t index, uint64_t epoch) {
  wire::SnapshotMeta m;
  m.set_index(index);
  m.set_epoch(epoch);
  m.set_zxid(epoch << 32 | index);
  return m;
}

wire::InstallSnapshot chunk(uint64_t epoch, member_id leader, uint64_t offset, size_t length,
                            const std::string& data = snapshot_bytes, uint64_t index = 20) {
  wire::InstallSnapshot c;
  c.set_group("g");
  c.set_epoch(epoch);
  c.set_leader(leader);
  *c.mutable_meta() = meta_at(index, 1);
  c.set_offset(offset);
  c.set_data(data.substr(offset, length));
  c.set_total_size(data.size());
  c.set_crc32(crc32(data));
  return c;
}

// What the acceptor's shell would write: the partial file, then the snapshot.
struct receiving_acceptor {
  acceptor_core core{"g", 3, {1, 2, 3}, lease_ticks_for(10, 2)};
  acceptor_effects fx;
  std::string partial;
  std::string installed;
  int refused = 0;

  wire::InstallSnapshotResponse give(const wire::InstallSnapshot& c) {
    auto r = core.on_install_snapshot(c, fx);
    auto& rx = fx.receive;
    if (rx.begin || rx.discard)
      partial.clear();
    if (rx.append)
      partial += c.data();
    if (rx.complete)
      installed = partial;
    refused += rx.refused != nullptr;
    rx = snapshot_receive{};
    return r;
  }
};

} // namespace

TEST(SnapshotTransfer, ChunksInOrderInstallOnceCompleteAndVerified) {
  receiving_acceptor a;
  for (uint64_t at = 0; at < 36; at += 10) {
    auto r = a.give(chunk(2, 1, at, 10));
    EXPECT_TRUE(r.success());
    if (at + 10 < 36) {
      EXPECT_EQ(r.next_offset(), at + 10);
      EXPECT_EQ(r.receiving(), 20u);
      EXPECT_EQ(a.core.snapshot().index(), 0u) << "installed before complete";
    } else {
      EXPECT_EQ(r.index(), 20u);
    }
  }
  EXPECT_EQ(a.installed, snapshot_bytes);
  EXPECT_EQ(a.core.snapshot().index(), 20u);
  EXPECT_EQ(*a.fx.compacted_through, 20u);
  EXPECT_EQ(a.refused, 0);
}

TEST(SnapshotTransfer, ALostChunkIsAskedForAgainAndDuplicatesAreHarmless) {
  receiving_acceptor a;
  a.give(chunk(2, 1, 0, 10));
  auto r = a.give(chunk(2, 1, 20, 10)); // [10, 20) was lost
  EXPECT_FALSE(r.success());
  EXPECT_EQ(r.next_offset(), 10u);      // the leader goes back here
  EXPECT_EQ(a.refused, 1);
  r = a.give(chunk(2, 1, 0, 10));       // a duplicate
  EXPECT_TRUE(r.success());
  EXPECT_EQ(r.next_offset(), 10u);
  for (uint64_t at = 10; at < 36; at += 10)
    a.give(chunk(2, 1, at, 10));
  EXPECT_EQ(a.installed, snapshot_bytes);
  EXPECT_EQ(a.core.snapshot().index(), 20u);
}

TEST(SnapshotTransfer, ANewEpochRestartsTheTransfer) {
  receiving_acceptor a;
  a.give(chunk(2, 1, 0, 10));
  a.give(chunk(2, 1, 10, 10));
  // A new leader (epoch 3) starts from the beginning; epoch 2's chunks are stale.
  auto r = a.give(chunk(3, 2, 0, 10));
  EXPECT_TRUE(r.success());
  EXPECT_EQ(r.next_offset(), 10u);
  EXPECT_EQ(a.partial, snapshot_bytes.substr(0, 10));
  r = a.give(chunk(2, 1, 20, 10));
  EXPECT_FALSE(r.success());
  EXPECT_EQ(r.epoch(), 3u);
  for (uint64_t at = 10; at < 36; at += 10)
    a.give(chunk(3, 2, at, 10));
  EXPECT_EQ(a.installed, snapshot_bytes);
}

TEST(SnapshotTransfer, BadChunksAreRefusedWithoutHarm) {
  receiving_acceptor a;
  auto foreign = chunk(2, 1, 0, 10);
  foreign.set_group("other");
  EXPECT_FALSE(a.give(foreign).success());
  auto outsider = chunk(2, 9, 0, 10); // not a member
  EXPECT_FALSE(a.give(outsider).success());
  auto oversize = chunk(2, 1, 30, 6);
  oversize.set_data(std::string(20, 'z')); // past the end
  EXPECT_FALSE(a.give(oversize).success());
  // The old, unchunked form: the whole snapshot with no total size.
  auto whole = chunk(2, 1, 0, 36);
  whole.set_total_size(0);
  EXPECT_FALSE(a.give(whole).success());
  EXPECT_EQ(a.core.snapshot().index(), 0u);
  EXPECT_EQ(a.refused, 4);
  // A snapshot whose bytes do not match its checksum is never installed.
  receiving_acceptor b;
  auto corrupt = snapshot_bytes;
  corrupt[17] ^= 1;
  for (uint64_t at = 0; at < 36; at += 10) {
    auto c = chunk(2, 1, at, 10);
    c.set_data(corrupt.substr(at, 10)); // the leader's crc is of the real bytes
    b.give(c);
  }
  EXPECT_EQ(b.core.snapshot().index(), 0u);
  EXPECT_TRUE(b.installed.empty());
  EXPECT_EQ(b.refused, 1);
  // ... and the transfer can start over and succeed.
  for (uint64_t at = 0; at < 36; at += 10)
    b.give(chunk(2, 1, at, 10));
  EXPECT_EQ(b.installed, snapshot_bytes);
}

TEST(SnapshotTransfer, AnOlderSnapshotThanOursIsAnsweredAsInstalled) {
  receiving_acceptor a;
  for (uint64_t at = 0; at < 36; at += 10)
    a.give(chunk(2, 1, at, 10));
  auto r = a.give(chunk(2, 1, 0, 10, snapshot_bytes, 15));
  EXPECT_TRUE(r.success());
  EXPECT_EQ(r.index(), 20u); // the leader's sender ends its transfer on this
}

TEST(SnapshotSender, KeepsABoundedWindowAndGoesBackAfterALoss) {
  snapshot_sender s{10, 2, 3};
  std::vector<snapshot_chunk> out;
  s.start(2, meta_at(20, 1), 36, crc32(snapshot_bytes), out);
  ASSERT_EQ(out.size(), 2u); // window: two chunks unacknowledged
  EXPECT_EQ(out[0].offset, 0u);
  EXPECT_EQ(out[1].offset, 10u);
  out.clear();
  wire::InstallSnapshotResponse ack;
  ack.set_from(2);
  ack.set_success(true);
  ack.set_receiving(20);
  ack.set_next_offset(10);
  EXPECT_EQ(s.on_response(ack, out), snapshot_sender::outcome::progress);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].offset, 20u);
  out.clear();
  // Chunk 10 was lost: the acceptor refuses 20 and says where it is. The
  // window goes out again from there after a silence, not once per refusal.
  wire::InstallSnapshotResponse gap = ack;
  gap.set_success(false);
  EXPECT_EQ(s.on_response(gap, out), snapshot_sender::outcome::progress);
  EXPECT_TRUE(out.empty());
  for (int i = 0; i < 3; ++i)
    s.tick(out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].offset, 10u);
  EXPECT_EQ(out.back().offset + out.back().length - 10, 20u); // never more than the window
  out.clear();
  wire::InstallSnapshotResponse done;
  done.set_from(2);
  done.set_success(true);
  done.set_index(20);
  EXPECT_EQ(s.on_response(done, out), snapshot_sender::outcome::installed);
  EXPECT_FALSE(s.sending(2));
}

TEST(SnapshotSender, AnEmptySnapshotIsOneEmptyChunk) {
  snapshot_sender s{10, 2, 3};
  std::vector<snapshot_chunk> out;
  s.start(2, meta_at(5, 1), 0, 0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].length, 0u);
  receiving_acceptor a;
  auto c = chunk(2, 1, 0, 0, "", 5);
  auto r = a.give(c);
  EXPECT_EQ(r.index(), 5u);
}

TEST(LearnerSnapshot, ReadsTheSnapshotInChunksThenRestoresAndFetchesOn) {
  learner_core l{"g", 3, 65536, 10};
  acceptor_core acc{"g", 1, {1}, lease_ticks_for(10, 2)};
  wire::SnapshotFile file;
  file.set_name("f");
  file.set_size(snapshot_bytes.size());
  file.set_crc32(crc32(snapshot_bytes));
  // The acceptor compacted through 20; the learner has nothing.
  acceptor_effects afx;
  wire::AppendRequest app;
  app.set_group("g");
  app.set_epoch(1);
  app.set_leader(1);
  for (uint64_t i = 1; i <= 25; ++i) {
    auto* e = app.add_entries();
    e->set_index(i);
    e->set_epoch(1);
    e->set_zxid(1ull << 32 | i);
  }
  app.set_commit_index(25);
  acc.on_append(app, afx);
  ASSERT_TRUE(acc.compact(meta_at(20, 1), afx));
  learner_effects fx;
  wire::FetchRequest req;
  req.set_group("g");
  req.set_from_index(1);
  req.set_max_entries(100);
  auto fetched = acc.serve_fetch(req, file);
  EXPECT_TRUE(fetched.compacted());
  EXPECT_TRUE(fetched.snapshot_data().empty()); // only meta, size, checksum
  l.on_fetch_response(fetched, fx);
  EXPECT_FALSE(fx.restore);
  int reads = 0;
  while (fx.snapshot_read) {
    auto rq = *fx.snapshot_read;
    fx.clear();
    size_t length = 0;
    auto resp = acc.plan_snapshot_read(rq, file, length);
    resp.set_data(snapshot_bytes.substr(resp.offset(), length));
    EXPECT_LE(length, 10u);
    if (++reads == 2)
      l.on_snapshot_read(resp, fx); // a duplicate answer changes nothing
    l.on_snapshot_read(resp, fx);
  }
  EXPECT_EQ(reads, 4);
  ASSERT_TRUE(fx.restore);
  EXPECT_EQ(fx.restore->second, snapshot_bytes);
  EXPECT_EQ(fx.restore->first.index(), 20u);
  EXPECT_EQ(l.applied_index(), 25u);
  // The entries after the snapshot were buffered and apply with it; then 21..25.
  ASSERT_EQ(fx.apply.size(), 5u);
  EXPECT_EQ(fx.apply.front().index(), 21u);
}

TEST(LearnerSnapshot, ALostReadIsAskedAgainAndACorruptSnapshotIsNotRestored) {
  learner_core l{"g", 1, 65536, 100};
  wire::FetchResponse f;
  f.set_group("g");
  f.set_commit_index(20);
  f.set_compacted(true);
  *f.mutable_snapshot() = meta_at(20, 1);
  f.set_snapshot_size(snapshot_bytes.size());
  f.set_snapshot_crc32(crc32(snapshot_bytes));
  learner_effects fx;
  l.on_fetch_response(f, fx);
  ASSERT_TRUE(fx.snapshot_read);
  fx.clear();
  for (int i = 0; i < 5 && !fx.snapshot_read; ++i)
    l.tick(fx); // the answer never came
  ASSERT_TRUE(fx.snapshot_read);
  EXPECT_EQ(fx.snapshot_read->offset(), 0u);
  wire::SnapshotReadResponse r;
  r.set_group("g");
  r.set_available(true);
  *r.mutable_meta() = meta_at(20, 1);
  r.set_total_size(snapshot_bytes.size());
  r.set_crc32(crc32(snapshot_bytes));
  auto bad = snapshot_bytes;
  bad[3] ^= 4;
  r.set_data(bad);
  fx.clear();
  l.on_snapshot_read(r, fx);
  EXPECT_FALSE(fx.restore);
  EXPECT_STREQ(fx.refused, "bad_checksum");
  EXPECT_EQ(l.applied_index(), 0u);
  EXPECT_FALSE(l.downloading());
}
