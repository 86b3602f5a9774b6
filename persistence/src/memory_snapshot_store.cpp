// Snapshot files in memory, for the simulation. The format and checks are
// the directory's (snapshot_store.cpp); only the bytes live elsewhere.
#include <algorithm>

#include "troupe/persistence/snapshot_store.hpp"

namespace troupe::persistence {

class memory_snapshot_writer final : public snapshot_writer {
public:
  memory_snapshot_writer(memory_snapshot_store& store, std::string name, wire::SnapshotMeta meta)
    : store_(store), name_(std::move(name)), meta_(std::move(meta)) {
    store_.files_[temp()] = std::string(snapshot_header_size, '\0');
  }
  ~memory_snapshot_writer() override {
    if (!committed_)
      store_.files_.erase(temp());
  }
  void append(std::string_view bytes) override {
    store_.files_[temp()].append(bytes);
    count(bytes);
  }
  wire::SnapshotFile commit() override {
    auto node = store_.files_.extract(temp());
    node.key() = name_;
    node.mapped().replace(0, snapshot_header_size, snapshot_header(meta_, size(), crc()));
    store_.files_.insert(std::move(node));
    committed_ = true;
    wire::SnapshotFile f;
    f.set_name(name_);
    f.set_size(size());
    f.set_crc32(crc());
    return f;
  }

private:
  std::string temp() const { return name_ + ".tmp"; }
  memory_snapshot_store& store_;
  std::string name_;
  wire::SnapshotMeta meta_;
  bool committed_ = false;
};

memory_snapshot_store::memory_snapshot_store() = default;

std::unique_ptr<snapshot_writer> memory_snapshot_store::create(const wire::SnapshotMeta& meta) {
  return std::make_unique<memory_snapshot_writer>(*this, next_name(meta), meta);
}

void memory_snapshot_store::remove(const std::string& name) {
  files_.erase(name);
}

std::vector<std::string> memory_snapshot_store::list() const {
  std::vector<std::string> out;
  for (auto& [name, bytes] : files_)
    out.push_back(name);
  return out;
}

std::string memory_snapshot_store::describe(const std::string& name) const {
  return "(memory)/" + name;
}

std::string memory_snapshot_store::read_raw(const std::string& name, uint64_t offset, size_t max) const {
  auto it = files_.find(name);
  if (it == files_.end())
    throw storage_error("snapshot file " + describe(name) + " is missing");
  if (offset >= it->second.size())
    return {};
  return it->second.substr(static_cast<size_t>(offset), max);
}

int64_t memory_snapshot_store::raw_size(const std::string& name) const {
  auto it = files_.find(name);
  return it == files_.end() ? -1 : static_cast<int64_t>(it->second.size());
}

} // namespace troupe::persistence
