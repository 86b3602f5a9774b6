// log_store: the acceptor's durable layout on kv_store. Mostly on
// memory_store; LevelDB for reopening and memory_store crashes for durability.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../support/storage_errors.hpp"
#include "../support/temp_dir.hpp"
#include "troupe/persistence/kv_store.hpp"
#include "troupe/persistence/log_store.hpp"

using namespace troupe::persistence;
namespace wire = troupe::wire;

namespace {

using troupe::test::temp_dir;

wire::SnapshotFile file_ref(std::string name) {
  wire::SnapshotFile f;
  f.set_name(std::move(name));
  f.set_size(42);
  f.set_crc32(7);
  return f;
}

wire::LogEntry entry(uint64_t index, uint64_t epoch = 1, std::string data = {}) {
  wire::LogEntry e;
  e.set_index(index);
  e.set_epoch(epoch);
  e.set_zxid(epoch << 32 | index);
  e.set_data(data.empty() ? "cmd-" + std::to_string(index) : std::move(data));
  return e;
}

std::vector<wire::LogEntry> entries(uint64_t first, uint64_t last, uint64_t epoch = 1) {
  std::vector<wire::LogEntry> out;
  for (uint64_t i = first; i <= last; ++i)
    out.push_back(entry(i, epoch));
  return out;
}

std::vector<uint64_t> indexes(const std::vector<wire::LogEntry>& es) {
  std::vector<uint64_t> out;
  for (const auto& e : es)
    out.push_back(e.index());
  return out;
}

std::vector<uint64_t> range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t i = first; i <= last; ++i)
    out.push_back(i);
  return out;
}

wire::Membership membership() {
  wire::Membership m;
  m.set_group("g1");
  m.add_members(1);
  m.add_members(2);
  m.add_members(3);
  return m;
}

wire::HardState hard_state(uint64_t epoch, uint32_t voted_for) {
  wire::HardState h;
  h.set_epoch(epoch);
  h.set_voted_for(voted_for);
  return h;
}

wire::SnapshotMeta snapshot_meta(uint64_t index, uint64_t epoch) {
  wire::SnapshotMeta s;
  s.set_index(index);
  s.set_epoch(epoch);
  s.set_zxid(epoch << 32 | index);
  return s;
}

void append(log_store& log, uint64_t first, uint64_t last, bool sync = true) {
  log_store::change c;
  c.entries = entries(first, last);
  log.write(c, sync);
}

using troupe::test::expect_storage_error;

} // namespace

TEST(LogStore, EmptyStoreLoadsDefaults) {
  memory_store kv;
  log_store log{kv};
  auto c = log.load();
  EXPECT_FALSE(c.membership.has_value());
  EXPECT_EQ(c.hard_state.epoch(), 0u);
  EXPECT_EQ(c.hard_state.voted_for(), 0u);
  EXPECT_EQ(c.snapshot.index(), 0u);
  EXPECT_TRUE(c.entries.empty());
  EXPECT_FALSE(c.snapshot_file.has_value());
  EXPECT_EQ(log.bytes_written(), 0u);
}

TEST(LogStore, WriteAndLoadRoundTrip) {
  memory_store kv;
  log_store log{kv};
  log_store::change c;
  c.membership = membership();
  c.hard_state = hard_state(7, 2);
  c.entries = {entry(1, 7, "alpha"), entry(2, 7, "beta"), entry(3, 7, "gamma")};
  c.entries[1].set_kind(wire::ENTRY_EPOCH_START);
  c.entries[2].set_origin("follower-a");
  c.entries[2].set_origin_seq(42);
  log.write(c, true);

  auto got = log_store{kv}.load(); // a fresh object sees only what is stored
  ASSERT_TRUE(got.membership.has_value());
  EXPECT_EQ(got.membership->group(), "g1");
  EXPECT_EQ(got.membership->members_size(), 3);
  EXPECT_EQ(got.hard_state.epoch(), 7u);
  EXPECT_EQ(got.hard_state.voted_for(), 2u);
  ASSERT_EQ(got.entries.size(), 3u);
  for (size_t i = 0; i < 3; ++i)
    EXPECT_EQ(got.entries[i].SerializeAsString(), c.entries[i].SerializeAsString()) << i;
  EXPECT_EQ(log.bytes_written(), 5u + 4u + 5u);

  // Values are exactly the protobuf encodings under the documented keys.
  EXPECT_EQ(kv.get("m"), c.membership->SerializeAsString());
  EXPECT_EQ(kv.get("h"), c.hard_state->SerializeAsString());
  EXPECT_EQ(kv.get(log_store::entry_key(2)), c.entries[1].SerializeAsString());
}

TEST(LogStore, EntriesAreWrittenInOneBatch) {
  memory_store kv;
  log_store log{kv};
  log_store::change c;
  c.hard_state = hard_state(1, 1);
  c.entries = entries(1, 300);
  log.write(c, false);
  EXPECT_EQ(kv.pending_batches(), 1u);
  EXPECT_EQ(log.load().entries.size(), 300u);
}

TEST(LogStore, TruncateRemovesExactlyTheRange) {
  memory_store kv;
  log_store log{kv};
  append(log, 1, 10);
  log_store::change c;
  c.truncate = {{4, 7}};
  log.write(c, true);
  for (uint64_t i = 1; i <= 10; ++i)
    EXPECT_EQ(kv.get(log_store::entry_key(i)).has_value(), i < 4 || i > 7) << i;
}

TEST(LogStore, TruncateWithFromAfterToDeletesNothing) {
  memory_store kv;
  log_store log{kv};
  append(log, 1, 5);
  log_store::change c;
  c.truncate = {{4, 3}};
  log.write(c, true);
  EXPECT_EQ(indexes(log.load().entries), range(1, 5));
}

TEST(LogStore, TruncateSuffixAndAppendInOneChange) {
  // A new leader's entries replace a conflicting tail: deletes apply before puts.
  memory_store kv;
  log_store log{kv};
  append(log, 1, 10);
  log_store::change c;
  c.truncate = {{6, 10}};
  c.entries = entries(6, 7, 2);
  log.write(c, true);
  auto got = log.load();
  EXPECT_EQ(indexes(got.entries), range(1, 7));
  EXPECT_EQ(got.entries[4].epoch(), 1u);
  EXPECT_EQ(got.entries[5].epoch(), 2u);
}

TEST(LogStore, TruncateWithOpenUpperBound) {
  // A huge `to` must not mean one delete per index.
  memory_store kv;
  log_store log{kv};
  append(log, 1, 10);
  log_store::change c;
  c.truncate = {{5, std::numeric_limits<uint64_t>::max()}};
  log.write(c, true);
  EXPECT_EQ(indexes(log.load().entries), range(1, 4));
  EXPECT_EQ(kv.get("m"), std::nullopt);
}

TEST(LogStore, CompactThroughRemovesPrefixAndStoresSnapshot) {
  memory_store kv;
  log_store log{kv};
  append(log, 1, 10);
  log_store::change c;
  c.compact_through = 6;
  c.snapshot = snapshot_meta(6, 1);
  c.snapshot_file = file_ref("snapshot-6");
  log.write(c, true);

  auto got = log.load();
  EXPECT_EQ(got.snapshot.index(), 6u);
  EXPECT_EQ(got.snapshot.epoch(), 1u);
  EXPECT_EQ(indexes(got.entries), range(7, 10));
  ASSERT_TRUE(got.snapshot_file.has_value());
  EXPECT_EQ(got.snapshot_file->name(), "snapshot-6");
  for (uint64_t i = 1; i <= 6; ++i)
    EXPECT_FALSE(kv.get(log_store::entry_key(i)).has_value()) << i;
}

TEST(LogStore, CompactThroughWorksWithoutKnowingFirstIndex) {
  memory_store kv;
  log_store log{kv};
  append(log, 1, 20);
  log_store::change c;
  c.compact_through = 5;
  c.snapshot = snapshot_meta(5, 1);
  log.write(c, true);
  // Compacting again past the first index: the store finds what is left.
  log_store::change d;
  d.compact_through = 12;
  d.snapshot = snapshot_meta(12, 1);
  log.write(d, true);
  EXPECT_EQ(indexes(log.load().entries), range(13, 20));
}

TEST(LogStore, CompactFromDeletesTheKnownRangeShortOrLong) {
  memory_store kv;
  log_store log{kv};
  append(log, 1, 10000);
  log_store::change c;
  c.compact_through = 6;
  c.compact_from = 1; // short: deleted without reading
  c.snapshot = snapshot_meta(6, 1);
  log.write(c, true);
  log_store::change d;
  d.compact_through = 9990;
  d.compact_from = 7; // long: the keys in [7, 9990] are found and deleted
  d.snapshot = snapshot_meta(9990, 1);
  log.write(d, true);
  EXPECT_EQ(indexes(log.load().entries), range(9991, 10000));
}

TEST(LogStore, SnapshotInstallReplacesWholeLog) {
  memory_store kv;
  log_store log{kv};
  append(log, 1, 5);
  log_store::change c;
  c.compact_through = 100;
  c.snapshot = snapshot_meta(100, 3);
  c.snapshot_file = file_ref("big");
  log.write(c, true);
  auto got = log.load();
  EXPECT_TRUE(got.entries.empty());
  EXPECT_EQ(got.snapshot.index(), 100u);
  EXPECT_EQ(got.snapshot_file->name(), "big");

  log_store::change d;
  d.snapshot = snapshot_meta(101, 3);
  d.snapshot_file = file_ref("bigger");
  d.compact_through = 101;
  log.write(d, true);
  EXPECT_EQ(log.load().snapshot_file->name(), "bigger");
}

TEST(LogStore, BytesWrittenCountsEntryPayload) {
  memory_store kv;
  log_store log{kv};
  log_store::change c;
  c.entries = {entry(1, 1, "abc"), entry(2, 1, "defgh")};
  c.hard_state = hard_state(1, 1); // not payload
  log.write(c, false);
  EXPECT_EQ(log.bytes_written(), 8u);
  log_store::change d;
  d.entries = {entry(3, 1, "xy")};
  log.write(d, false);
  EXPECT_EQ(log.bytes_written(), 10u);
}

TEST(LogStore, EntryKeyIsBigEndianAndSortsByIndex) {
  auto k = log_store::entry_key(0x0102030405060708ull);
  ASSERT_EQ(k.size(), 9u);
  EXPECT_EQ(k, std::string("e\x01\x02\x03\x04\x05\x06\x07\x08", 9));
  EXPECT_LT(log_store::entry_key(255), log_store::entry_key(256));
  EXPECT_LT(log_store::entry_key(65535), log_store::entry_key(65536));
  EXPECT_LT(log_store::entry_key((1ull << 32) - 1), log_store::entry_key(1ull << 32));
  // Entry keys sort between "d" and "h", as load()'s single scan relies on.
  EXPECT_LT(std::string("d"), log_store::entry_key(0));
  EXPECT_LT(log_store::entry_key(std::numeric_limits<uint64_t>::max()), std::string("h"));

  memory_store kv;
  log_store log{kv};
  append(log, 1, 260);
  EXPECT_EQ(indexes(log.load().entries), range(1, 260));
}

TEST(LogStore, EntriesMustContinueTheSnapshot) {
  memory_store kv;
  log_store log{kv};
  append(log, 5, 7); // no snapshot: the log must start at 1
  expect_storage_error([&] { log.load(); }, {"start at 5", "snapshot ends at 0"});
}

TEST(LogStore, GarbageValueNamesTheKey) {
  memory_store kv;
  log_store log{kv};
  append(log, 1, 3);
  kv.put("h", "\xff", true);
  expect_storage_error([&] { log.load(); }, {"'h'", "HardState"});
}

TEST(LogStore, GarbageEntryNamesItsIndex) {
  memory_store kv;
  log_store log{kv};
  append(log, 1, 3);
  kv.put(log_store::entry_key(2), "\x2a\x20short", true); // field 5, 32 bytes promised
  expect_storage_error([&] { log.load(); }, {"'e'+be64(2)", "LogEntry"});
}

TEST(LogStore, ForeignKeyIsRefused) {
  memory_store kv;
  kv.put("zzz", "something else", true);
  expect_storage_error([&] { log_store{kv}.load(); },
                       {"zzz", "not a replicated-log store"});
}

TEST(LogStore, ForeignKeyWithBinaryBytesStaysOneLine) {
  memory_store kv;
  kv.put(std::string("e\n\x01", 3), "x", true); // "e" prefix but not 9 bytes
  expect_storage_error([&] { log_store{kv}.load(); },
                       {"\\x0a", "not a replicated-log store"});
}

TEST(LogStore, GapInEntriesIsRefused) {
  memory_store kv;
  log_store log{kv};
  append(log, 1, 3);
  append(log, 5, 6);
  expect_storage_error([&] { log.load(); }, {"not consecutive", "3", "5"});
}

TEST(LogStore, EntryOverlappingSnapshotIsRefused) {
  memory_store kv;
  log_store log{kv};
  append(log, 1, 10);
  log_store::change c;
  c.snapshot = snapshot_meta(5, 1); // no compact_through: entries 1..5 remain
  log.write(c, true);
  expect_storage_error([&] { log.load(); }, {"overlaps the snapshot", "5"});
}

TEST(LogStore, EntryIndexMustMatchItsKey) {
  memory_store kv;
  log_store log{kv};
  append(log, 1, 2);
  kv.put(log_store::entry_key(3), entry(4).SerializeAsString(), true);
  expect_storage_error([&] { log.load(); }, {"'e'+be64(3)", "entry index 4"});
}

TEST(LogStore, EntryZeroIsRefused) {
  memory_store kv;
  log_store log{kv};
  append(log, 0, 2);
  expect_storage_error([&] { log.load(); }, {"entry 0"});
}

TEST(LogStore, LevelDbReopenKeepsSyncedWrites) {
  temp_dir dir;
  std::string path = dir.sub("log");
  {
    auto kv = open_leveldb_store(path);
    log_store log{*kv};
    log_store::change c;
    c.membership = membership();
    c.hard_state = hard_state(4, 1);
    c.entries = entries(1, 300);
    log.write(c, true);
    log_store::change d;
    d.compact_through = 100;
    d.snapshot = snapshot_meta(100, 4);
    d.snapshot_file = file_ref("snap");
    d.truncate = {{251, 300}};
    log.write(d, true);
  }
  auto kv = open_leveldb_store(path);
  log_store log{*kv};
  auto got = log.load();
  ASSERT_TRUE(got.membership.has_value());
  EXPECT_EQ(got.membership->group(), "g1");
  EXPECT_EQ(got.hard_state.epoch(), 4u);
  EXPECT_EQ(got.snapshot.index(), 100u);
  EXPECT_EQ(indexes(got.entries), range(101, 250));
  EXPECT_EQ(got.snapshot_file->name(), "snap");
}

TEST(LogStore, MemoryStoreCrashLosesUnsyncedWriteKeepsSynced) {
  memory_store kv;
  log_store log{kv};
  log_store::change c;
  c.hard_state = hard_state(1, 1);
  c.entries = entries(1, 3);
  log.write(c, true);
  log_store::change d;
  d.hard_state = hard_state(2, 2);
  d.entries = entries(4, 6);
  log.write(d, false);
  EXPECT_EQ(log.load().entries.size(), 6u); // visible before the crash

  kv.crash();
  auto got = log_store{kv}.load();
  EXPECT_EQ(got.hard_state.epoch(), 1u);
  EXPECT_EQ(indexes(got.entries), range(1, 3));
}

TEST(LogStore, EmptyChangeWithSyncMakesEarlierWritesDurable) {
  memory_store kv;
  log_store log{kv};
  append(log, 1, 3, false);
  log.write(log_store::change{}, true);
  kv.crash();
  EXPECT_EQ(indexes(log.load().entries), range(1, 3));
}
