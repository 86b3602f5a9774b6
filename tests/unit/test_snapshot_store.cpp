// Snapshot files beside a store: round trips, damaged files detected (and
// named), interrupted writes and crashes between the file and the store's
// batch leaving one consistent snapshot, strays cleaned.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "../support/temp_dir.hpp"
#include "troupe/persistence/checksum.hpp"
#include "troupe/persistence/log_store.hpp"
#include "troupe/persistence/snapshot_store.hpp"

using namespace troupe::persistence;
namespace wire = troupe::wire;

namespace {

wire::SnapshotMeta meta(uint64_t index, uint64_t epoch) {
  wire::SnapshotMeta m;
  m.set_index(index);
  m.set_epoch(epoch);
  m.set_zxid(epoch << 32 | index);
  return m;
}

std::string content(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>(seed + static_cast<char>(i * 7));
  return s;
}

// Runs `fn(path_of_file)` on the committed file's bytes on disk.
void edit_file(const std::string& path, const std::function<void(std::string&)>& fn) {
  std::string bytes;
  {
    std::ifstream in{path, std::ios::binary};
    bytes.assign(std::istreambuf_iterator<char>{in}, {});
  }
  fn(bytes);
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string verify_error(const snapshot_store& files, const wire::SnapshotFile& f,
                         const wire::SnapshotMeta& m) {
  try {
    files.verify(f, m);
  } catch (const storage_error& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST(checksum, crc32_continues_across_pieces) {
  EXPECT_EQ(crc32("123456789"), 0xcbf43926u); // the standard check value
  EXPECT_EQ(crc32("6789", crc32("12345")), crc32("123456789"));
  EXPECT_EQ(crc32(""), 0u);
}

TEST(snapshot_store, a_file_round_trips_in_chunks) {
  troupe::test::temp_dir dir;
  auto files = open_snapshot_dir(dir.sub("snaps"));
  auto data = content(3 * 1000 + 17, 'a');
  auto w = files->create(meta(40, 2));
  for (size_t at = 0; at < data.size(); at += 1000)
    w->append(std::string_view{data}.substr(at, 1000));
  auto f = w->commit();
  EXPECT_EQ(f.size(), data.size());
  EXPECT_EQ(f.crc32(), crc32(data));
  EXPECT_NO_THROW(files->verify(f, meta(40, 2)));
  EXPECT_EQ(files->read_all(f, meta(40, 2)), data);
  EXPECT_EQ(files->read(f, 1000, 500), data.substr(1000, 500));
  EXPECT_EQ(files->read(f, data.size() - 5, 100), data.substr(data.size() - 5)); // short at the end
  EXPECT_EQ(files->list(), std::vector<std::string>{f.name()}); // no temporary left
  // Reopened, the directory goes on with fresh names.
  auto again = open_snapshot_dir(dir.sub("snaps"));
  auto g = again->write(meta(40, 2), "other");
  EXPECT_NE(g.name(), f.name());
  EXPECT_EQ(again->read_all(f, meta(40, 2)), data);
}

TEST(snapshot_store, an_empty_snapshot_is_a_file_too) {
  memory_snapshot_store files;
  auto f = files.write(meta(3, 1), "");
  EXPECT_NO_THROW(files.verify(f, meta(3, 1)));
  EXPECT_EQ(files.read_all(f, meta(3, 1)), "");
}

TEST(snapshot_store, a_truncated_file_is_detected_and_named) {
  troupe::test::temp_dir dir;
  auto files = open_snapshot_dir(dir.sub("snaps"));
  auto f = files->write(meta(10, 1), content(5000, 'x'));
  edit_file(files->describe(f.name()), [](std::string& b) { b.resize(b.size() - 100); });
  auto err = verify_error(*files, f, meta(10, 1));
  EXPECT_NE(err.find(files->describe(f.name())), std::string::npos) << err;
  EXPECT_NE(err.find("corrupted"), std::string::npos) << err;
  EXPECT_THROW(files->read(f, 4950, 50), storage_error); // reads past the cut fail too
}

TEST(snapshot_store, a_flipped_byte_is_detected_in_content_and_header) {
  troupe::test::temp_dir dir;
  auto files = open_snapshot_dir(dir.sub("snaps"));
  auto f = files->write(meta(10, 1), content(5000, 'x'));
  auto path = files->describe(f.name());
  edit_file(path, [](std::string& b) { b[snapshot_header_size + 4321] ^= 0x10; });
  EXPECT_NE(verify_error(*files, f, meta(10, 1)).find("content checksum mismatch"), std::string::npos);
  edit_file(path, [](std::string& b) {
    b[snapshot_header_size + 4321] ^= 0x10; // repaired
    b[9] ^= 0x01;                           // inside the header's index
  });
  EXPECT_NE(verify_error(*files, f, meta(10, 1)).find("header checksum mismatch"), std::string::npos);
}

TEST(snapshot_store, a_missing_file_or_another_snapshot_is_detected) {
  memory_snapshot_store files;
  auto f = files.write(meta(10, 1), "state");
  EXPECT_NE(verify_error(files, f, meta(11, 1)).find("not through 11"), std::string::npos);
  files.remove(f.name());
  auto err = verify_error(files, f, meta(10, 1));
  EXPECT_NE(err.find("missing"), std::string::npos) << err;
  EXPECT_NE(err.find(f.name()), std::string::npos) << err;
}

TEST(snapshot_store, an_abandoned_write_leaves_nothing_and_stray_temporaries_are_cleaned) {
  troupe::test::temp_dir dir;
  auto files = open_snapshot_dir(dir.sub("snaps"));
  {
    auto w = files->create(meta(5, 1));
    w->append("half of it");
    EXPECT_EQ(files->list().size(), 1u); // the temporary
  } // destroyed before commit
  EXPECT_TRUE(files->list().empty());
  // A crash leaves its temporary behind: clean() removes it and any other file.
  auto keep = files->write(meta(5, 1), "kept");
  auto replaced = files->write(meta(3, 1), "old");
  std::ofstream{dir.sub("snaps/snapshot-00000000000000000009-1-99.snap.tmp")} << "torn";
  auto removed = files->clean(keep.name());
  EXPECT_EQ(removed.size(), 2u);
  EXPECT_EQ(files->list(), std::vector<std::string>{keep.name()});
  (void)replaced;
}

TEST(snapshot_store, leveldb_keeps_its_snapshots_in_a_directory_beside_it) {
  troupe::test::temp_dir dir;
  auto kv = open_leveldb_store(dir.sub("log.g"));
  auto f = kv->snapshots().write(meta(1, 1), "x");
  EXPECT_TRUE(std::filesystem::exists(dir.sub("log.g.snapshots/" + f.name())));
}

namespace {

// An acceptor's compaction as its shell does it: the file first, then the
// batch that references it and drops the prefix, then the old file goes.
void compact(kv_store& kv, const wire::SnapshotMeta& m, const std::string& data,
             bool crash_before_batch = false) {
  log_store log{kv};
  auto old = log.load().snapshot_file;
  auto f = kv.snapshots().write(m, data);
  if (crash_before_batch)
    return;
  log_store::change c;
  c.snapshot = m;
  c.snapshot_file = f;
  c.compact_through = m.index();
  log.write(c, true);
  if (old)
    kv.snapshots().remove(old->name());
}

wire::LogEntry entry(uint64_t index, uint64_t epoch) {
  wire::LogEntry e;
  e.set_index(index);
  e.set_epoch(epoch);
  e.set_data("d" + std::to_string(index));
  return e;
}

// A log of entries 1..n (epoch 1).
void append_entries(kv_store& kv, uint64_t n) {
  log_store log{kv};
  log_store::change c;
  for (uint64_t i = 1; i <= n; ++i)
    c.entries.push_back(entry(i, 1));
  log.write(c, true);
}

} // namespace

TEST(snapshot_store, a_crash_between_the_file_and_the_batch_keeps_the_old_snapshot) {
  troupe::test::temp_dir dir;
  {
    auto kv = open_leveldb_store(dir.sub("log.g"));
    append_entries(*kv, 20);
    compact(*kv, meta(10, 1), "state@10");
    compact(*kv, meta(15, 1), "state@15", true); // the file is durable, the batch never ran
  }
  auto kv = open_leveldb_store(dir.sub("log.g"));
  log_store log{*kv};
  auto removed = log.recover_snapshot_files(kv->snapshots());
  EXPECT_EQ(removed.size(), 1u); // the unreferenced new file
  auto c = log.load();
  EXPECT_EQ(c.snapshot.index(), 10u);
  ASSERT_TRUE(c.snapshot_file);
  EXPECT_EQ(kv->snapshots().read_all(*c.snapshot_file, c.snapshot), "state@10");
  EXPECT_EQ(c.entries.front().index(), 11u); // the log still continues the old snapshot
  EXPECT_EQ(kv->snapshots().list(), std::vector<std::string>{c.snapshot_file->name()});
}

TEST(snapshot_store, replaced_snapshot_files_are_deleted) {
  memory_store kv;
  append_entries(kv, 20);
  log_store log{kv};
  compact(kv, meta(10, 1), "a");
  compact(kv, meta(15, 1), "b");
  auto now = log.load().snapshot_file;
  ASSERT_TRUE(now);
  EXPECT_EQ(kv.snapshots().list(), std::vector<std::string>{now->name()});
}

TEST(snapshot_store, recovery_refuses_a_corrupted_referenced_file) {
  memory_store kv;
  append_entries(kv, 5);
  log_store log{kv};
  compact(kv, meta(4, 1), "state@4");
  auto f = *log.load().snapshot_file;
  auto& files = dynamic_cast<memory_snapshot_store&>(kv.snapshots());
  files.raw(f.name()).back() ^= 0x40;
  try {
    log.recover_snapshot_files(kv.snapshots());
    FAIL() << "a corrupted snapshot file was accepted";
  } catch (const storage_error& e) {
    EXPECT_NE(std::string{e.what()}.find(f.name()), std::string::npos) << e.what();
  }
}

TEST(snapshot_store, a_legacy_snapshot_value_moves_into_a_file) {
  memory_store kv;
  wire::SnapshotMeta m = meta(7, 2);
  kv.put("s", m.SerializeAsString(), true);
  kv.put("d", "legacy state", true);
  log_store log{kv};
  log.recover_snapshot_files(kv.snapshots());
  auto c = log.load();
  ASSERT_TRUE(c.snapshot_file);
  EXPECT_EQ(kv.snapshots().read_all(*c.snapshot_file, m), "legacy state");
  EXPECT_FALSE(log.legacy_snapshot_data());
}
