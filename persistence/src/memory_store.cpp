// The simulation's store: a "disk" map plus unsynced batches that a simulated
// crash may lose.
#include <deque>
#include <map>

#include "troupe/persistence/kv_store.hpp"
#include "troupe/persistence/snapshot_store.hpp"

namespace troupe::persistence {

namespace {

// std::less<> allows lookups by string_view without building a string.
using map_type = std::map<std::string, std::string, std::less<>>;

void apply_batch(map_type& m, const write_batch& batch) {
  for (const auto& o : batch.ops()) {
    if (o.kind == write_batch::op_kind::put)
      m.insert_or_assign(o.key, o.value);
    else if (auto it = m.find(o.key); it != m.end())
      m.erase(it);
  }
}

} // namespace

struct memory_store::impl {
  map_type durable;                  // what survives a crash
  std::deque<write_batch> pending;   // unsynced, oldest first
  map_type visible;                  // durable + pending: what reads see
  uint64_t syncs = 0;
  memory_snapshot_store files;       // committed files are durable

  void flush() {
    for (const auto& b : pending)
      apply_batch(durable, b);
    pending.clear();
  }
};

memory_store::memory_store() : impl_(std::make_unique<impl>()) {}

memory_store::~memory_store() = default;

std::optional<std::string> memory_store::get(std::string_view key) const {
  if (auto it = impl_->visible.find(key); it != impl_->visible.end())
    return it->second;
  return std::nullopt;
}

void memory_store::write(const write_batch& batch, bool sync) {
  apply_batch(impl_->visible, batch);
  if (sync) {
    // A synced write makes every earlier write durable too, as a log would.
    impl_->flush();
    apply_batch(impl_->durable, batch);
    ++impl_->syncs;
  } else {
    impl_->pending.push_back(batch);
  }
}

void memory_store::sync() {
  impl_->flush();
  ++impl_->syncs;
}

void memory_store::scan(
  std::string_view first, std::string_view last,
  const std::function<bool(std::string_view, std::string_view)>& fn) const {
  const auto& m = impl_->visible;
  auto it = m.lower_bound(first);
  while (it != m.end() && (last.empty() || std::string_view{it->first} < last)) {
    // fn may write to this store; re-seek after each call so that an erased
    // entry never leaves us with a dangling iterator.
    std::string key = it->first;
    if (!fn(it->first, it->second))
      return;
    it = m.upper_bound(key);
  }
}

snapshot_store& memory_store::snapshots() {
  return impl_->files;
}

size_t memory_store::pending_batches() const {
  return impl_->pending.size();
}

void memory_store::crash(size_t keep) {
  auto& p = impl_->pending;
  keep = std::min(keep, p.size());
  for (size_t i = 0; i < keep; ++i)
    apply_batch(impl_->durable, p[i]);
  p.clear();
  impl_->visible = impl_->durable;
}

uint64_t memory_store::sync_count() const {
  return impl_->syncs;
}

} // namespace troupe::persistence
