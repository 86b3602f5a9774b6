#include "troupe/log/snapshot_policy.hpp"

#include <algorithm>

#include "troupe/log/log_entry.hpp"

namespace troupe::rlog {

void snapshot_policy::applied(const wire::LogEntry& e) {
  commands_ += command_count(e);
  bytes_ += e.data().size();
}

bool snapshot_policy::due() const {
  if (bytes_ >= std::max(max_bytes_, last_size_))
    return true;
  return commands_ >= every_ && bytes_ >= last_size_ / 2;
}

void snapshot_policy::captured() { commands_ = bytes_ = 0; }

void snapshot_policy::written(uint64_t size) { last_size_ = size; }

void snapshot_policy::taken(uint64_t size) {
  captured();
  written(size);
}

} // namespace troupe::rlog
