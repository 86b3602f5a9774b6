// The barrier and double barrier recipes (barrier.hpp).
#include "troupe/keeper/recipes/barrier.hpp"

#include <algorithm>

#include "common.hpp"
#include "troupe/keeper/paths.hpp"

namespace troupe::keeper::recipes {

using namespace detail;

namespace {

void need_valid(const std::string& path) {
  if (!validate_path(path) || path == "/")
    throw keeper_error(error::bad_arguments, path);
}

steady::time_point deadline_after(std::chrono::milliseconds timeout) {
  return steady::now() + timeout;
}

} // namespace

barrier::barrier(client& c, std::string path) : c_(c), path_(std::move(path)) {
  need_valid(path_);
}

void barrier::set() {
  check_session(c_, path_);
  guarded(c_, path_, [&] { ensure_path(c_, path_, create_mode::persistent); });
}

void barrier::remove() {
  check_session(c_, path_);
  guarded(c_, path_, [&] { remove_quietly(c_, path_); });
}

void barrier::wait() {
  wait(std::chrono::hours(24 * 365 * 100));
}

bool barrier::wait(std::chrono::milliseconds timeout) {
  auto deadline = deadline_after(timeout);
  auto flag = std::make_shared<wake_flag>();
  for (;;) {
    flag->lower();
    if (!retrying(c_, path_, [&] { return c_.exists(path_, flag->as_watcher()); }))
      return true;
    if (!flag->wait(c_, deadline, path_))
      return false;
  }
}

double_barrier::double_barrier(client& c, std::string path, std::string name, size_t size)
  : c_(c), path_(std::move(path)), name_(std::move(name)), size_(size) {
  need_valid(path_);
  ready_ = join(path_, "ready");
  mine_ = join(path_, name_);
  if (name_ == "ready" || name_.empty() || name_.find('/') != std::string::npos || !validate_path(mine_))
    throw keeper_error(error::bad_arguments, mine_);
}

void double_barrier::enter() {
  do_enter(steady::time_point::max());
}

bool double_barrier::enter(std::chrono::milliseconds timeout) {
  return do_enter(deadline_after(timeout));
}

void double_barrier::leave() {
  do_leave(steady::time_point::max());
}

bool double_barrier::leave(std::chrono::milliseconds timeout) {
  return do_leave(deadline_after(timeout));
}

namespace {

// The participants' names under `dir` (without "ready"), sorted.
std::vector<std::string> participants(client& c, const std::string& dir) {
  std::vector<std::string> kids;
  try {
    kids = retrying(c, dir, [&] { return c.children(dir); });
  } catch (const keeper_error& e) {
    if (e.code() != error::no_node)
      throw;
  }
  kids.erase(std::remove(kids.begin(), kids.end(), "ready"), kids.end());
  std::sort(kids.begin(), kids.end());
  return kids;
}

} // namespace

bool double_barrier::do_enter(steady::time_point deadline) {
  check_session(c_, path_);
  auto flag = std::make_shared<wake_flag>();
  // The watch goes first (ZooKeeper's order): whoever creates "ready" has
  // counted our node, so it can only do so after this watch exists.
  auto ready_now = retrying(c_, ready_, [&] { return exists_watched(c_, ready_, flag); });
  auto session = c_.session_id();
  for (int attempt = 1;; ++attempt) {
    try {
      c_.create(mine_, "", create_mode::ephemeral);
      break;
    } catch (const keeper_error& e) {
      check_session(c_, mine_);
      if (e.code() == error::no_node) {
        ensure_path(c_, path_);
      } else if (e.code() == error::node_exists) {
        auto st = retrying(c_, mine_, [&] { return c_.exists(mine_); });
        if (st && st->ephemeral_owner == session)
          break; // ours: an earlier attempt's answer was lost
        if (st)
          throw;
      } else if (transient(e.code())) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(20 * attempt, 200)));
      } else {
        throw;
      }
    }
  }
  if (ready_now)
    return true;
  try {
    for (;;) {
      if (participants(c_, path_).size() >= size_) {
        retrying(c_, ready_, [&] {
          try {
            c_.create(ready_, "", create_mode::persistent);
          } catch (const keeper_error& e) {
            if (e.code() != error::node_exists)
              throw;
          }
          return 0;
        });
        return true;
      }
      if (!flag->wait(c_, deadline, ready_))
        break;
      // "ready" stays until the last participant is out, so a look suffices.
      if (retrying(c_, ready_, [&] { return exists_watched(c_, ready_, flag); }))
        return true;
    }
  } catch (...) {
    try {
      if (!session_over(c_))
        remove_quietly(c_, mine_);
    } catch (...) {
    }
    throw;
  }
  remove_quietly(c_, mine_);
  return false;
}

bool double_barrier::do_leave(steady::time_point deadline) {
  check_session(c_, path_);
  auto flag = std::make_shared<wake_flag>();
  for (;;) {
    flag->lower();
    auto names = participants(c_, path_);
    bool present = std::find(names.begin(), names.end(), name_) != names.end();
    if (!present && names.empty())
      return true;
    if (present && names.size() == 1) {
      // The last one out takes "ready" along, readying the path for reuse.
      try {
        guarded(c_, mine_, [&] { c_.multi({op::remove(mine_), op::remove(ready_)}); });
      } catch (const keeper_error& e) {
        if (e.code() != error::no_node)
          throw;
        remove_quietly(c_, mine_);
      }
      return true;
    }
    // The lowest waits for the highest; everybody else leaves and waits for
    // the lowest (which goes last).
    std::string target;
    if (present && names.front() == name_) {
      target = names.back();
    } else {
      if (present)
        remove_quietly(c_, mine_);
      target = names.front();
    }
    auto node = join(path_, target);
    if (!retrying(c_, node, [&] { return c_.exists(node, flag->as_watcher()); }))
      continue;
    if (!flag->wait(c_, deadline, node))
      return false;
  }
}

} // namespace troupe::keeper::recipes
