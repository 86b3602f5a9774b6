// The production store: LevelDB in one directory, with operator-friendly
// errors for the ways opening a store goes wrong.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <unistd.h>

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "troupe/persistence/kv_store.hpp"
#include "troupe/persistence/snapshot_store.hpp"

namespace troupe::persistence {

namespace fs = std::filesystem;

namespace {

leveldb::Slice slice(std::string_view s) {
  return {s.data(), s.size()};
}

std::string_view view(const leveldb::Slice& s) {
  return {s.data(), s.size()};
}

[[noreturn]] void cannot_open(const std::string& path, const std::string& why) {
  throw storage_error("cannot open store " + path + ": " + why);
}

bool contains(const std::string& s, const char* needle) {
  return s.find(needle) != std::string::npos;
}

// LevelDB reports a held lock as "IO error: lock <dir>/LOCK: <reason>", the
// reason being EAGAIN/EACCES from fcntl or "already held by process".
bool is_lock_conflict(const leveldb::Status& st) {
  auto msg = st.ToString();
  return st.IsIOError() && contains(msg, "IO error: lock ")
         && (contains(msg, "already held by process")
             || contains(msg, std::strerror(EAGAIN))
             || contains(msg, std::strerror(EACCES)));
}

// Files LevelDB may leave without a CURRENT file when creation was cut short.
bool is_harmless_leftover(const std::string& name) {
  return name == "LOCK" || name == "LOG" || name == "LOG.old";
}

bool looks_like_leveldb_file(const std::string& name) {
  auto ends_with = [&](const char* suffix) {
    std::string_view n{name}, s{suffix};
    return n.size() >= s.size() && n.substr(n.size() - s.size()) == s;
  };
  return name.rfind("MANIFEST-", 0) == 0 || ends_with(".ldb") || ends_with(".sst")
         || ends_with(".log") || ends_with(".dbtmp");
}

// Checks the directory before LevelDB sees it, so that failures get a clear
// reason and LevelDB never creates a database inside someone else's files
// (it would delete "obsolete" table files it does not know about).
void check_directory(const std::string& path, const leveldb_options& opts) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    cannot_open(path, ec.message());
  if (!fs::exists(st)) {
    if (!opts.create_if_missing)
      cannot_open(path, "it does not exist");
    // The nearest existing ancestor must let us create the directory.
    fs::path parent = fs::path{path}.parent_path();
    while (!parent.empty() && !fs::exists(parent, ec))
      parent = parent.parent_path();
    if (parent.empty())
      parent = ".";
    if (!fs::is_directory(parent, ec))
      cannot_open(path, parent.string() + " is not a directory");
    if (::access(parent.c_str(), W_OK | X_OK) != 0)
      cannot_open(path, "directory " + parent.string() + " is not writable");
    fs::create_directories(path, ec);
    if (ec)
      cannot_open(path, "cannot create it: " + ec.message());
    return;
  }
  if (!fs::is_directory(st))
    cannot_open(path, "not a directory");
  if (::access(path.c_str(), R_OK | X_OK) != 0)
    cannot_open(path, "directory is not readable");
  if (::access(path.c_str(), W_OK) != 0)
    cannot_open(path, "directory is not writable");
  if (fs::exists(fs::path{path} / "CURRENT", ec))
    return;
  bool leveldb_files = false;
  bool foreign = false;
  for (fs::directory_iterator it{path, ec}, end; !ec && it != end; it.increment(ec)) {
    auto name = it->path().filename().string();
    if (looks_like_leveldb_file(name))
      leveldb_files = true;
    else if (!is_harmless_leftover(name))
      foreign = true;
  }
  if (ec)
    cannot_open(path, ec.message());
  if (foreign)
    throw storage_error(path + " does not contain a troupe store");
  if (leveldb_files)
    throw storage_error("store " + path + " is corrupted: its CURRENT file is missing");
}

class leveldb_store final : public kv_store {
public:
  leveldb_store(std::string path, std::unique_ptr<leveldb::Cache> cache,
                std::unique_ptr<leveldb::DB> db)
    : path_(std::move(path)), cache_(std::move(cache)), db_(std::move(db)) {
    read_opts_.verify_checksums = true;
  }

  ~leveldb_store() override {
    db_.reset(); // the DB uses the cache until it is closed
  }

  std::optional<std::string> get(std::string_view key) const override {
    std::string value;
    auto st = db_->Get(read_opts_, slice(key), &value);
    if (st.IsNotFound())
      return std::nullopt;
    check(st, "read from");
    return value;
  }

  void write(const write_batch& batch, bool sync) override {
    leveldb::WriteBatch wb;
    for (const auto& o : batch.ops()) {
      if (o.kind == write_batch::op_kind::put)
        wb.Put(o.key, o.value);
      else
        wb.Delete(o.key);
    }
    commit(&wb, sync);
  }

  void sync() override {
    // LevelDB has no flush call; a synced empty batch fsyncs its log, which
    // holds every earlier write.
    leveldb::WriteBatch wb;
    commit(&wb, true);
  }

  void scan(std::string_view first, std::string_view last,
            const std::function<bool(std::string_view, std::string_view)>& fn)
    const override {
    std::unique_ptr<leveldb::Iterator> it{db_->NewIterator(read_opts_)};
    for (it->Seek(slice(first)); it->Valid(); it->Next()) {
      auto key = view(it->key());
      if (!last.empty() && key >= last)
        break;
      if (!fn(key, view(it->value())))
        break;
    }
    check(it->status(), "read from");
  }

  snapshot_store& snapshots() override {
    if (!snapshots_) {
      auto base = path_;
      while (base.size() > 1 && base.back() == '/')
        base.pop_back();
      snapshots_ = open_snapshot_dir(base + ".snapshots");
    }
    return *snapshots_;
  }

private:
  void commit(leveldb::WriteBatch* wb, bool sync) {
    leveldb::WriteOptions wo;
    wo.sync = sync;
    check(db_->Write(wo, wb), "write to");
  }

  void check(const leveldb::Status& st, const char* what) const {
    if (st.ok())
      return;
    if (st.IsCorruption())
      throw storage_error("store " + path_ + " is corrupted: " + st.ToString());
    throw storage_error(std::string{what} + " store " + path_ + " failed: "
                        + st.ToString());
  }

  std::string path_;
  leveldb::ReadOptions read_opts_;
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<leveldb::DB> db_;
  std::unique_ptr<snapshot_store> snapshots_;
};

} // namespace

std::unique_ptr<kv_store> open_leveldb_store(const std::string& path,
                                             const leveldb_options& opts) {
  if (path.empty())
    throw storage_error("cannot open store: the path is empty");
  check_directory(path, opts);
  std::unique_ptr<leveldb::Cache> cache{leveldb::NewLRUCache(opts.block_cache_bytes)};
  leveldb::Options lo;
  lo.create_if_missing = opts.create_if_missing;
  lo.paranoid_checks = true;
  lo.write_buffer_size = opts.write_buffer_bytes;
  lo.block_cache = cache.get();
  leveldb::DB* raw = nullptr;
  auto st = leveldb::DB::Open(lo, path, &raw);
  std::unique_ptr<leveldb::DB> db{raw};
  if (st.ok())
    return std::make_unique<leveldb_store>(path, std::move(cache), std::move(db));
  if (is_lock_conflict(st))
    cannot_open(path, "directory is locked by another process");
  if (st.IsCorruption())
    throw storage_error("store " + path + " is corrupted: " + st.ToString());
  cannot_open(path, st.ToString());
}

} // namespace troupe::persistence
