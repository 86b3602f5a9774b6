// The configuration publish/subscribe recipe (config.hpp).
#include "troupe/keeper/recipes/config.hpp"

#include <map>
#include <set>

#include "common.hpp"
#include "troupe/keeper/paths.hpp"

namespace troupe::keeper::recipes {

using namespace detail;

struct configuration::subscriptions {
  struct one {
    std::string key;
    subscriber f;
    bool delivered = false; // has seen a value (or its absence)
    bool present = false;   // ... which was: present, with
    int64_t mzxid = 0;      // ... this modification
  };
  std::mutex mtx;
  uint64_t next = 1;
  std::map<uint64_t, one> by_id;
  std::set<std::string> dirty; // keys to read again
  std::set<std::string> armed; // keys with a watch set
  std::shared_ptr<wake_flag> flag = std::make_shared<wake_flag>();
  std::unique_ptr<watch_worker> worker; // last: stops first

  // Reads the dirty keys (re-arming their watches) and tells subscribers.
  bool step(client& c, const std::string& dir, const std::weak_ptr<subscriptions>& self) {
    std::set<std::string> keys;
    {
      std::lock_guard<std::mutex> guard{mtx};
      keys.swap(dirty);
    }
    for (auto k = keys.begin(); k != keys.end(); k = keys.erase(k)) {
      try {
        read(c, dir, *k, self);
      } catch (...) {
        std::lock_guard<std::mutex> guard{mtx};
        dirty.insert(keys.begin(), keys.end()); // again next time
        throw;
      }
    }
    return true;
  }

  void read(client& c, const std::string& dir, const std::string& key, const std::weak_ptr<subscriptions>& self) {
    auto node = join(dir, key);
    bool arm = false;
    {
      std::lock_guard<std::mutex> guard{mtx};
      arm = armed.insert(key).second; // before the request: it may fire at once
    }
    auto fired = [self, key] {
      if (auto s = self.lock()) {
        std::lock_guard<std::mutex> guard{s->mtx};
        s->armed.erase(key);
        s->dirty.insert(key);
      }
    };
    watcher w;
    if (arm)
      w = flag->as_watcher(fired);
    std::optional<std::string> value;
    stat st;
    try {
      try {
        value = c.get(node, &st, w);
      } catch (const keeper_error& e) {
        if (e.code() != error::no_node)
          throw;
        if (arm ? exists_watched(c, node, flag, fired) : c.exists(node)) { // created meanwhile: read again
          std::lock_guard<std::mutex> guard{mtx};
          dirty.insert(key);
          flag->raise();
          return;
        }
      }
    } catch (...) {
      if (arm) {
        std::lock_guard<std::mutex> guard{mtx};
        armed.erase(key); // no watch was set
      }
      throw;
    }
    std::vector<subscriber> tell;
    {
      std::lock_guard<std::mutex> guard{mtx};
      for (auto& [id, s] : by_id) {
        if (s.key != key)
          continue;
        if (s.delivered && s.present == value.has_value() && (!value || s.mzxid == st.mzxid))
          continue; // nothing new for this subscriber
        s.delivered = true;
        s.present = value.has_value();
        s.mzxid = value ? st.mzxid : 0;
        tell.push_back(s.f);
      }
    }
    for (auto& f : tell) {
      try {
        f(key, value);
      } catch (...) {
      }
    }
  }
};

configuration::configuration(client& c, std::string path)
  : c_(c), path_(std::move(path)), subs_(std::make_shared<subscriptions>()) {
  if (!validate_path(path_) || path_ == "/")
    throw keeper_error(error::bad_arguments, path_);
}

configuration::~configuration() {
  if (subs_->worker)
    subs_->worker->stop();
}

std::string configuration::node(const std::string& key) const {
  auto n = join(path_, key);
  if (key.empty() || !validate_path(n))
    throw keeper_error(error::bad_arguments, n);
  return n;
}

void configuration::publish(const std::string& key, const std::string& value) {
  auto n = node(key);
  check_session(c_, n);
  guarded(c_, n, [&] {
    for (;;) {
      try {
        retrying(c_, n, [&] { return c_.set(n, value); });
        return;
      } catch (const keeper_error& e) {
        if (e.code() != error::no_node)
          throw;
      }
      ensure_path(c_, std::string{parent_path(n)});
      try {
        // A lost answer is retried as a set, which overwrites the same value.
        retrying(c_, n, [&] { return c_.create(n, value, create_mode::persistent); });
        return;
      } catch (const keeper_error& e) {
        if (e.code() != error::node_exists && e.code() != error::no_node)
          throw; // exists: created concurrently, set it (again)
      }
    }
  });
}

std::optional<std::string> configuration::get(const std::string& key) {
  return get_if_exists(c_, node(key));
}

void configuration::remove(const std::string& key) {
  auto n = node(key);
  check_session(c_, n);
  guarded(c_, n, [&] { remove_quietly(c_, n); });
}

uint64_t configuration::subscribe(const std::string& key, subscriber f) {
  node(key); // validates
  check_session(c_, path_);
  uint64_t id = 0;
  {
    std::lock_guard<std::mutex> guard{subs_->mtx};
    id = subs_->next++;
    subs_->by_id[id] = subscriptions::one{key, std::move(f)};
    subs_->dirty.insert(key);
  }
  if (!subs_->worker) {
    auto* s = subs_.get();
    std::weak_ptr<subscriptions> self = subs_;
    auto& c = c_;
    auto dir = path_;
    subs_->worker = std::make_unique<watch_worker>(
      c_, subs_->flag, [s, self, &c, dir] { return s->step(c, dir, self); }, [](std::exception_ptr) {});
  }
  subs_->flag->raise();
  return id;
}

void configuration::unsubscribe(uint64_t id) {
  std::lock_guard<std::mutex> guard{subs_->mtx};
  subs_->by_id.erase(id);
}

} // namespace troupe::keeper::recipes
