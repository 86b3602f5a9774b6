// Shared pieces of the recipes (common.hpp).
#include "common.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <random>

#include "troupe/keeper/paths.hpp"
#include "troupe/keeper/recipes/diagnostics.hpp"

namespace troupe::keeper::recipes {

namespace {
std::atomic<int64_t> blocked{0}; // calls inside wake_flag::wait
}

int64_t blocked_on_watches() {
  return blocked.load();
}

} // namespace troupe::keeper::recipes

namespace troupe::keeper::recipes::detail {

bool session_over(client& c) {
  auto s = c.state();
  return s == session_state::expired || s == session_state::closed || s == session_state::auth_failed;
}

void check_session(client& c, const std::string& path) {
  if (session_over(c))
    throw keeper_error(error::session_expired, path);
}

bool transient(error e) {
  return e == error::connection_loss || e == error::operation_timeout;
}

std::string join(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

void ensure_path(client& c, const std::string& path, create_mode mode) {
  if (path.empty() || path == "/")
    return;
  if (retrying(c, path, [&] { return c.exists(path); }))
    return;
  // Top-down, each level created if missing (a concurrent creator is fine).
  for (size_t end = path.find('/', 1);; end = path.find('/', end + 1)) {
    auto prefix = path.substr(0, end);
    retrying(c, prefix, [&] {
      try {
        c.create(prefix, "", end == std::string::npos ? mode : create_mode::container);
      } catch (const keeper_error& e) {
        if (e.code() != error::node_exists)
          throw;
      }
      return 0;
    });
    if (end == std::string::npos)
      break;
  }
}

std::string new_guid() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^
                                   static_cast<uint64_t>(steady::now().time_since_epoch().count())};
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (int half = 0; half < 2; ++half) {
    auto x = rng();
    for (int i = 0; i < 16; ++i, x >>= 4)
      out.push_back(digits[x & 15]);
  }
  return out;
}

int64_t sequence_of(const std::string& name) {
  if (name.size() < 10)
    return -1;
  int64_t v = 0;
  for (size_t i = name.size() - 10; i < name.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(name[i])))
      return -1;
    v = v * 10 + (name[i] - '0');
  }
  return v;
}

std::string kind_of(const std::string& name) {
  if (sequence_of(name) < 0)
    return {};
  auto body = name.substr(0, name.size() - 10);
  // Protected names: "_c_" + 32 hex digits + "-" + kind.
  if (body.rfind("_c_", 0) == 0 && body.size() >= 36 && body[35] == '-')
    return body.substr(36);
  return body;
}

std::vector<std::string> sequential(const std::vector<std::string>& children, const std::vector<std::string>& kinds) {
  std::vector<std::string> out;
  for (auto& name : children)
    if (std::find(kinds.begin(), kinds.end(), kind_of(name)) != kinds.end())
      out.push_back(name);
  std::sort(out.begin(), out.end(),
            [](const std::string& a, const std::string& b) { return sequence_of(a) < sequence_of(b); });
  return out;
}

namespace {

// Our node(s) in dir, lowest sequence first: for ephemerals this session's
// own (getEphemerals), otherwise dir's children; either way with our GUID.
std::vector<std::string> find_ours(client& c, const std::string& dir, const std::string& marker, bool ephemeral) {
  sync_quietly(c, dir); // a create still queued in this client lands (or fails) first
  std::vector<std::string> names;
  if (ephemeral) {
    for (auto& p : retrying(c, dir, [&] { return c.ephemerals(join(dir, marker)); }))
      if (parent_path(p) == dir)
        names.emplace_back(node_name(p));
  } else {
    try {
      names = retrying(c, dir, [&] { return c.children(dir); });
    } catch (const keeper_error& e) {
      if (e.code() != error::no_node)
        throw;
    }
  }
  std::vector<std::string> ours;
  for (auto& k : names)
    if (k.rfind(marker, 0) == 0)
      ours.push_back(k);
  std::sort(ours.begin(), ours.end(),
            [](const std::string& a, const std::string& b) { return sequence_of(a) < sequence_of(b); });
  return ours;
}

} // namespace

std::string create_protected(client& c, const std::string& dir, const std::string& kind, const std::string& data,
                             create_mode mode) {
  auto marker = "_c_" + new_guid() + "-";
  auto prefix = join(dir, marker + kind);
  auto give_up = steady::now() + std::chrono::seconds(30);
  bool unsure = false; // a create may have been applied without our knowing
  for (int attempt = 1;; ++attempt) {
    check_session(c, dir);
    if (unsure) {
      auto ours = find_ours(c, dir, marker, is_ephemeral(mode));
      if (!ours.empty()) {
        for (size_t i = 1; i < ours.size(); ++i)
          remove_quietly(c, join(dir, ours[i]));
        return join(dir, ours.front());
      }
    }
    try {
      return c.create(prefix, data, mode);
    } catch (const keeper_error& e) {
      check_session(c, dir);
      if (e.code() == error::no_node) {
        ensure_path(c, dir); // also when a container was reaped meanwhile
      } else if (transient(e.code()) && steady::now() < give_up) {
        unsure = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(20 * attempt, 200)));
      } else {
        throw;
      }
    }
  }
}

void sync_quietly(client& c, const std::string& path) {
  retrying(c, path, [&] {
    try {
      c.sync(path);
    } catch (const keeper_error& e) {
      if (e.code() != error::no_node)
        throw;
    }
    return 0;
  });
}

void remove_quietly(client& c, const std::string& path) {
  retrying(c, path, [&] {
    try {
      c.remove(path);
    } catch (const keeper_error& e) {
      if (e.code() != error::no_node)
        throw;
    }
    return 0;
  });
}

std::optional<std::string> get_if_exists(client& c, const std::string& path) {
  check_session(c, path);
  try {
    return retrying(c, path, [&] { return c.get(path); });
  } catch (const keeper_error& e) {
    if (e.code() != error::no_node)
      throw;
    return std::nullopt;
  }
}

std::optional<stat> exists_watched(client& c, const std::string& path, const std::shared_ptr<wake_flag>& flag,
                                   std::function<void()> also) {
  return c.exists(path, flag->as_watcher(std::move(also)));
}

void wake_flag::raise() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    raised_ = true;
  }
  cv_.notify_all();
}

void wake_flag::lower() {
  std::lock_guard<std::mutex> guard{mtx_};
  raised_ = false;
}

bool wake_flag::wait(client& c, steady::time_point deadline, const std::string& path) {
  constexpr auto slice = std::chrono::milliseconds(50);
  ++blocked;
  struct unblock {
    ~unblock() { --blocked; }
  } on_return;
  for (;;) {
    check_session(c, path);
    std::unique_lock<std::mutex> guard{mtx_};
    auto until = std::min(deadline, steady::now() + slice);
    cv_.wait_until(guard, until, [this] { return raised_; });
    if (raised_) {
      raised_ = false;
      return true;
    }
    if (steady::now() >= deadline)
      return false;
  }
}

watcher wake_flag::as_watcher(std::function<void()> also) {
  std::weak_ptr<wake_flag> self = shared_from_this();
  return [self, also = std::move(also)](const watch_event&) {
    if (also)
      also();
    if (auto f = self.lock())
      f->raise();
  };
}

watch_worker::watch_worker(client& c, std::shared_ptr<wake_flag> flag, std::function<bool()> step,
                           std::function<void(std::exception_ptr)> on_end)
  : c_(c), step_(std::move(step)), on_end_(std::move(on_end)), flag_(std::move(flag)) {
  thread_ = std::thread([this] { run(); });
}

watch_worker::~watch_worker() {
  stop();
  if (thread_.joinable())
    thread_.detach(); // destroyed from its own thread (inside a step)
}

void watch_worker::stop() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  flag_->raise();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id())
    thread_.join();
}

void watch_worker::run() {
  auto stopping = [this] {
    std::lock_guard<std::mutex> guard{mtx_};
    return stopping_;
  };
  std::exception_ptr why;
  try {
    for (bool go = true; go && !stopping();) {
      try {
        go = step_();
      } catch (const keeper_error& e) {
        check_session(c_, "");
        if (!transient(e.code()))
          throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        flag_->raise(); // try again
      }
      while (go && !stopping() && !flag_->wait(c_, steady::now() + std::chrono::milliseconds(200), "")) {
      }
    }
  } catch (...) {
    why = std::current_exception();
  }
  if (!stopping() && on_end_)
    on_end_(why);
}

} // namespace troupe::keeper::recipes::detail
