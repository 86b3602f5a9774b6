// The read/write lock recipe (rwlock.hpp) on lock_core.
#include "troupe/keeper/recipes/rwlock.hpp"

#include "lock_core.hpp"
#include "troupe/keeper/paths.hpp"

namespace troupe::keeper::recipes {

namespace {
const std::vector<std::string> both_kinds{"read-", "write-"};
}

read_write_lock::side::side(std::unique_ptr<detail::lock_core> core) : core_(std::move(core)) {}

read_write_lock::side::~side() {
  try {
    core_->release();
  } catch (...) {
  }
}

void read_write_lock::side::acquire() {
  core_->acquire(std::nullopt);
}

bool read_write_lock::side::try_acquire(std::chrono::milliseconds timeout) {
  return core_->acquire(detail::steady::now() + timeout);
}

void read_write_lock::side::release() {
  core_->release();
}

bool read_write_lock::side::held() const {
  return core_->held();
}

std::string read_write_lock::side::node() const {
  return core_->node();
}

read_write_lock::read_write_lock(client& c, std::string path) {
  write_.reset(new side(std::make_unique<detail::lock_core>(c, path, "write-", both_kinds,
                                                            detail::lock_core::predecessor)));
  auto* writer = write_->core_.get();
  // A reader waits for the nearest lower writer, unless that is our own
  // held write side.
  auto reader_rule = [writer](const std::vector<std::string>& sorted, size_t mine) {
    for (size_t i = mine; i-- > 0;) {
      if (detail::kind_of(sorted[i]) != "write-")
        continue;
      if (writer->held() && node_name(writer->node()) == sorted[i])
        return -1;
      return static_cast<int>(i);
    }
    return -1;
  };
  read_.reset(new side(std::make_unique<detail::lock_core>(c, std::move(path), "read-", both_kinds, reader_rule)));
}

read_write_lock::~read_write_lock() = default;

} // namespace troupe::keeper::recipes
