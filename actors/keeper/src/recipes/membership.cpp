// The group membership recipe (membership.hpp).
#include "troupe/keeper/recipes/membership.hpp"

#include <algorithm>

#include "common.hpp"
#include "troupe/keeper/paths.hpp"

namespace troupe::keeper::recipes {

using namespace detail;

struct group_membership::watching {
  std::shared_ptr<wake_flag> flag = std::make_shared<wake_flag>();
  std::optional<std::vector<std::string>> last; // what the listener saw
  listener f;
  std::unique_ptr<watch_worker> worker; // last: stops first
};

group_membership::group_membership(client& c, std::string path) : c_(c), path_(std::move(path)) {
  if (!validate_path(path_) || path_ == "/")
    throw keeper_error(error::bad_arguments, path_);
}

group_membership::~group_membership() {
  unwatch();
}

std::string group_membership::node(const std::string& member) const {
  auto n = detail::join(path_, member);
  if (member.empty() || member.find('/') != std::string::npos || !validate_path(n))
    throw keeper_error(error::bad_arguments, n);
  return n;
}

void group_membership::join(const std::string& member, const std::string& data) {
  auto n = node(member);
  check_session(c_, n);
  auto session = c_.session_id();
  auto give_up = steady::now() + std::chrono::seconds(30);
  for (;;) {
    try {
      c_.create(n, data, create_mode::ephemeral);
      return;
    } catch (const keeper_error& e) {
      check_session(c_, n);
      if (e.code() == error::no_node) {
        ensure_path(c_, path_);
      } else if (e.code() == error::node_exists) {
        stat st;
        try {
          retrying(c_, n, [&] { return c_.get(n, &st); });
        } catch (const keeper_error& e2) {
          if (e2.code() == error::no_node)
            continue; // left meanwhile: try again
          throw;
        }
        if (st.ephemeral_owner != session)
          throw;
        retrying(c_, n, [&] { return c_.set(n, data); });
        return;
      } else if (!transient(e.code()) || steady::now() > give_up) {
        throw;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }
}

void group_membership::leave(const std::string& member) {
  auto n = node(member);
  check_session(c_, n);
  auto st = retrying(c_, n, [&] { return c_.exists(n); });
  if (st && st->ephemeral_owner == c_.session_id())
    guarded(c_, n, [&] { remove_quietly(c_, n); });
}

std::vector<std::string> group_membership::members() {
  check_session(c_, path_);
  std::vector<std::string> kids;
  try {
    kids = retrying(c_, path_, [&] { return c_.children(path_); });
  } catch (const keeper_error& e) {
    if (e.code() != error::no_node)
      throw;
  }
  std::sort(kids.begin(), kids.end());
  return kids;
}

std::optional<std::string> group_membership::data(const std::string& member) {
  return get_if_exists(c_, node(member));
}

void group_membership::watch(listener f) {
  unwatch();
  check_session(c_, path_);
  watching_ = std::make_unique<watching>();
  auto* w = watching_.get();
  w->f = std::move(f);
  auto step = [this, w] {
    std::vector<std::string> kids;
    try {
      kids = c_.children(path_, w->flag->as_watcher());
    } catch (const keeper_error& e) {
      if (e.code() != error::no_node)
        throw;
      // No group yet: wait for it to appear.
      if (exists_watched(c_, path_, w->flag))
        w->flag->raise();
    }
    std::sort(kids.begin(), kids.end());
    if (!w->last || *w->last != kids) {
      w->last = kids;
      w->f(kids);
    }
    return true;
  };
  w->worker = std::make_unique<watch_worker>(c_, w->flag, step, [](std::exception_ptr) {});
}

void group_membership::unwatch() {
  if (watching_)
    watching_->worker->stop();
  watching_.reset();
}

} // namespace troupe::keeper::recipes
