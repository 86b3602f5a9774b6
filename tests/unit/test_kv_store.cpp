// kv_store: one contract suite run against both stores, then what is specific
// to LevelDB (reopen, errors) and to memory_store (crash semantics).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "../support/storage_errors.hpp"
#include "../support/temp_dir.hpp"
#include <sys/stat.h>
#include <unistd.h>
#include "troupe/persistence/kv_store.hpp"

using namespace troupe::persistence;
namespace fs = std::filesystem;

namespace {

using troupe::test::temp_dir;

void write_file(const std::string& path, const std::string& text) {
  std::ofstream{path, std::ios::binary | std::ios::trunc} << text;
}

using kv_list = std::vector<std::pair<std::string, std::string>>;

kv_list scan_all(const kv_store& s, std::string_view first = {},
                 std::string_view last = {}) {
  kv_list out;
  s.scan(first, last, [&](std::string_view k, std::string_view v) {
    out.emplace_back(k, v);
    return true;
  });
  return out;
}

struct memory_factory {
  std::unique_ptr<kv_store> make() { return std::make_unique<memory_store>(); }
};

struct leveldb_factory {
  temp_dir dir;
  std::unique_ptr<kv_store> make() { return open_leveldb_store(dir.sub("db")); }
};

using troupe::test::expect_storage_error;

} // namespace

TEST(WriteBatch, TracksOpsAndBytes) {
  write_batch b;
  EXPECT_TRUE(b.empty());
  b.put("key", "value");
  b.del("gone");
  EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(b.bytes(), 3u + 5u + 4u);
  EXPECT_EQ(b.ops()[1].kind, write_batch::op_kind::del);
  EXPECT_TRUE(b.ops()[1].value.empty());
  b.clear();
  EXPECT_TRUE(b.empty() && b.bytes() == 0u);
}

// --- the contract, for both stores ------------------------------------------

template <class Factory>
class KvStoreContract : public ::testing::Test {
protected:
  Factory factory;
  std::unique_ptr<kv_store> store = factory.make();
};

struct factory_names {
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, memory_factory> ? "memory" : "leveldb";
  }
};

using store_factories = ::testing::Types<memory_factory, leveldb_factory>;
TYPED_TEST_SUITE(KvStoreContract, store_factories, factory_names);

TYPED_TEST(KvStoreContract, PutGetDel) {
  auto& s = *this->store;
  EXPECT_EQ(s.get("a"), std::nullopt);
  s.put("a", "1", false);
  s.put("b", "2", true);
  EXPECT_EQ(s.get("a"), "1");
  EXPECT_EQ(s.get("b"), "2");
  s.put("a", "3", false);
  EXPECT_EQ(s.get("a"), "3");
  s.del("a", true);
  EXPECT_EQ(s.get("a"), std::nullopt);
  s.del("never-there", false); // deleting a missing key is not an error
  EXPECT_EQ(s.get("b"), "2");
}

TYPED_TEST(KvStoreContract, BinaryAndEmptyValues) {
  auto& s = *this->store;
  std::string k{"a\0b", 3}, v{"\0\xff\0", 3};
  s.put(k, v, false);
  s.put("empty", "", false);
  EXPECT_EQ(s.get(k), v);
  EXPECT_EQ(s.get("a"), std::nullopt);
  EXPECT_EQ(s.get("empty"), std::string{}); // empty is not missing
}

TYPED_TEST(KvStoreContract, ScanRanges) {
  auto& s = *this->store;
  for (auto k : {"d", "b", "a", "c"})
    s.put(k, std::string{"v"} + k, false);
  EXPECT_EQ(scan_all(s), (kv_list{{"a", "va"}, {"b", "vb"}, {"c", "vc"}, {"d", "vd"}}));
  EXPECT_EQ(scan_all(s, "b", "d"), (kv_list{{"b", "vb"}, {"c", "vc"}}));
  EXPECT_EQ(scan_all(s, "bb"), (kv_list{{"c", "vc"}, {"d", "vd"}}));
  EXPECT_EQ(scan_all(s, "", "b"), (kv_list{{"a", "va"}}));
  EXPECT_TRUE(scan_all(s, "e").empty());
  EXPECT_TRUE(scan_all(s, "b", "b").empty());
}

TYPED_TEST(KvStoreContract, ScanUsesUnsignedByteOrder) {
  auto& s = *this->store;
  s.put("\x80", "high", false);
  s.put("a", "low", false);
  s.put(std::string{"\0", 1}, "zero", false);
  auto all = scan_all(s);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].second, "zero");
  EXPECT_EQ(all[1].second, "low");
  EXPECT_EQ(all[2].second, "high");
}

TYPED_TEST(KvStoreContract, ScanStopsWhenFnReturnsFalse) {
  auto& s = *this->store;
  for (auto k : {"a", "b", "c", "d"})
    s.put(k, "x", false);
  std::vector<std::string> seen;
  s.scan("", "", [&](std::string_view k, std::string_view) {
    seen.emplace_back(k);
    return seen.size() < 2;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
}

TYPED_TEST(KvStoreContract, BatchAppliesAllOpsInOrder) {
  auto& s = *this->store;
  s.put("old", "1", true);
  write_batch b;
  b.put("x", "1");
  b.put("y", "2");
  b.del("old");
  b.put("x", "3"); // later ops in a batch win
  s.write(b, true);
  EXPECT_EQ(scan_all(s), (kv_list{{"x", "3"}, {"y", "2"}}));
  s.write(write_batch{}, false); // an empty batch is fine
  EXPECT_EQ(s.get("y"), "2");
}

TYPED_TEST(KvStoreContract, SyncAfterUnsyncedWrites) {
  auto& s = *this->store;
  s.put("a", "1", false);
  s.sync();
  EXPECT_EQ(s.get("a"), "1");
}

// --- LevelDB -----------------------------------------------------------------

TEST(LevelDbStore, ReopenKeepsData) {
  temp_dir dir;
  auto path = dir.sub("db");
  {
    auto s = open_leveldb_store(path);
    write_batch b;
    b.put("a", "1");
    b.put("b", "2");
    s->write(b, true);
    s->put("c", "3", false);
    s->sync();
    s->del("b", true);
  }
  auto s = open_leveldb_store(path);
  EXPECT_EQ(scan_all(*s), (kv_list{{"a", "1"}, {"c", "3"}}));
}

TEST(LevelDbStore, CreatesMissingParents) {
  temp_dir dir;
  auto path = dir.sub("x/y/db");
  open_leveldb_store(path)->put("k", "v", true);
  EXPECT_TRUE(fs::exists(path + "/CURRENT"));
}

TEST(LevelDbStore, MissingStoreWithoutCreateIsAnError) {
  temp_dir dir;
  leveldb_options opts;
  opts.create_if_missing = false;
  expect_storage_error([&] { open_leveldb_store(dir.sub("db"), opts); },
                       {dir.sub("db")});
  fs::create_directory(dir.sub("db"));
  expect_storage_error([&] { open_leveldb_store(dir.sub("db"), opts); },
                       {"cannot open store " + dir.sub("db")});
}

TEST(LevelDbStore, SecondOpenIsLocked) {
  temp_dir dir;
  auto path = dir.sub("db");
  auto first = open_leveldb_store(path);
  expect_storage_error([&] { open_leveldb_store(path); },
                       {path, "locked by another process"});
  first.reset();
  EXPECT_NO_THROW(open_leveldb_store(path));
}

TEST(LevelDbStore, GarbageCurrentFileIsCorruption) {
  temp_dir dir;
  auto path = dir.sub("db");
  open_leveldb_store(path)->put("k", "v", true);
  write_file(path + "/CURRENT", "garbage");
  expect_storage_error([&] { open_leveldb_store(path); }, {path, "corrupted"});
}

TEST(LevelDbStore, GarbageManifestIsCorruption) {
  temp_dir dir;
  auto path = dir.sub("db");
  open_leveldb_store(path)->put("k", "v", true);
  int manifests = 0;
  for (const auto& e : fs::directory_iterator(path)) {
    if (e.path().filename().string().rfind("MANIFEST-", 0) == 0) {
      write_file(e.path().string(), std::string(200, '\x5a'));
      ++manifests;
    }
  }
  ASSERT_GT(manifests, 0);
  expect_storage_error([&] { open_leveldb_store(path); }, {path, "corrupted"});
}

TEST(LevelDbStore, MissingCurrentFileIsCorruption) {
  temp_dir dir;
  open_leveldb_store(dir.sub("db"))->put("k", "v", true);
  fs::remove(dir.sub("db/CURRENT"));
  expect_storage_error([&] { open_leveldb_store(dir.sub("db")); },
                       {dir.sub("db"), "corrupted"});
}

TEST(LevelDbStore, ForeignDirectoryIsRejected) {
  temp_dir dir;
  auto path = dir.sub("photos");
  fs::create_directory(path);
  write_file(path + "/holiday.jpg", "not a database");
  expect_storage_error([&] { open_leveldb_store(path); },
                       {path + " does not contain a troupe store"});
  // The foreign data is left alone.
  EXPECT_TRUE(fs::exists(path + "/holiday.jpg"));
  EXPECT_FALSE(fs::exists(path + "/CURRENT"));
}

TEST(LevelDbStore, EmptyExistingDirectoryIsUsed) {
  temp_dir dir;
  open_leveldb_store(dir.path())->put("k", "v", true);
  EXPECT_EQ(open_leveldb_store(dir.path())->get("k"), "v");
}

TEST(LevelDbStore, RegularFileIsRejected) {
  temp_dir dir;
  auto path = dir.sub("file");
  write_file(path, "x");
  expect_storage_error([&] { open_leveldb_store(path); }, {path, "not a directory"});
  expect_storage_error([&] { open_leveldb_store(path + "/db"); }, {path + "/db"});
}

TEST(LevelDbStore, UnwritableDirectoryIsRejected) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root bypasses permission checks";
  temp_dir dir;
  auto path = dir.sub("db");
  open_leveldb_store(path)->put("k", "v", true);
  ::chmod(path.c_str(), 0500); // the store itself, then a parent of a new one
  expect_storage_error([&] { open_leveldb_store(path); }, {path, "not writable"});
  expect_storage_error([&] { open_leveldb_store(path + "/sub"); },
                       {path + "/sub", "not writable"});
  ::chmod(path.c_str(), 0700);
}

// --- memory_store ------------------------------------------------------------

TEST(MemoryStore, CrashLosesUnsyncedWrites) {
  memory_store s;
  s.put("synced", "1", true);
  s.put("unsynced", "2", false);
  EXPECT_EQ(s.pending_batches(), 1u);
  EXPECT_EQ(s.get("unsynced"), "2"); // reads see pending writes before a crash
  s.crash();
  EXPECT_EQ(s.pending_batches(), 0u);
  EXPECT_EQ(s.get("synced"), "1");
  EXPECT_EQ(s.get("unsynced"), std::nullopt);
}

TEST(MemoryStore, SyncedWriteMakesEarlierWritesDurable) {
  memory_store s;
  s.put("a", "1", false);
  s.put("b", "2", false);
  s.put("c", "3", true);
  EXPECT_EQ(s.pending_batches(), 0u);
  s.crash();
  EXPECT_EQ(scan_all(s), (kv_list{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
}

TEST(MemoryStore, SyncFlushesPending) {
  memory_store s;
  EXPECT_EQ(s.sync_count(), 0u);
  s.put("a", "1", false);
  s.sync();
  EXPECT_EQ(s.sync_count(), 1u);
  s.put("b", "2", true);
  EXPECT_EQ(s.sync_count(), 2u);
  s.crash();
  EXPECT_EQ(scan_all(s), (kv_list{{"a", "1"}, {"b", "2"}}));
}

TEST(MemoryStore, CrashKeepsExactlyAPrefixOfPendingBatches) {
  memory_store s;
  s.put("base", "0", true);
  write_batch first;
  first.put("a", "1");
  first.del("base");
  s.write(first, false);
  s.put("b", "2", false);
  s.put("c", "3", false);
  EXPECT_EQ(scan_all(s), (kv_list{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  ASSERT_EQ(s.pending_batches(), 3u);
  s.crash(1);
  EXPECT_EQ(s.pending_batches(), 0u);
  EXPECT_EQ(scan_all(s), (kv_list{{"a", "1"}})); // the whole first batch, atomically
}

TEST(MemoryStore, LostDeleteRestoresValue) {
  memory_store s;
  s.put("a", "1", true);
  s.del("a", false);
  EXPECT_EQ(s.get("a"), std::nullopt);
  s.crash();
  EXPECT_EQ(s.get("a"), "1");
}

TEST(MemoryStore, WritesAfterCrashWorkAndKeepIsClamped) {
  memory_store s;
  s.put("a", "1", false);
  s.crash();
  s.put("b", "2", false);
  s.put("c", "3", false);
  s.crash(10);
  EXPECT_EQ(scan_all(s), (kv_list{{"b", "2"}, {"c", "3"}}));
}

TEST(MemoryStore, ScanToleratesDeletesFromTheCallback) {
  memory_store s;
  for (auto k : {"a", "b", "c"})
    s.put(k, "x", false);
  std::vector<std::string> seen;
  s.scan("", "", [&](std::string_view k, std::string_view) {
    seen.emplace_back(k);
    s.del(seen.back(), false);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(scan_all(s).empty());
}
