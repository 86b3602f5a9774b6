// The leader election recipe (election.hpp).
#include "troupe/keeper/recipes/election.hpp"

#include <algorithm>
#include <stdexcept>

#include "common.hpp"
#include "troupe/keeper/paths.hpp"

namespace troupe::keeper::recipes {

using namespace detail;

namespace {
const std::vector<std::string> candidates{"n_"};
}

struct leader_election::state {
  client& c;
  std::string dir;
  std::string id;
  std::mutex mtx;
  std::condition_variable cv;
  std::string node; // our candidate's path
  bool leader = false;
  bool resigned = false;
  bool looked = false; // the thread's first look is done
  bool ended = false;  // the thread stopped (see error)
  std::exception_ptr error;
  std::vector<std::function<void(bool)>> callbacks;
  std::recursive_mutex calling; // callbacks one at a time, in order
  std::shared_ptr<wake_flag> flag = std::make_shared<wake_flag>();
  std::unique_ptr<watch_worker> worker; // last: stops first

  state(client& cl, std::string d, std::string i) : c(cl), dir(std::move(d)), id(std::move(i)) {}

  void set_leader(bool now) {
    std::lock_guard<std::recursive_mutex> in_order{calling};
    std::vector<std::function<void(bool)>> fns;
    {
      std::lock_guard<std::mutex> guard{mtx};
      if (leader == now)
        return;
      leader = now;
      fns = callbacks;
    }
    cv.notify_all();
    for (auto& f : fns) {
      try {
        f(now);
      } catch (...) {
      }
    }
  }

  // One look at the candidates (on the election's thread).
  bool step() {
    auto go = look();
    {
      std::lock_guard<std::mutex> guard{mtx};
      looked = true;
    }
    cv.notify_all();
    return go;
  }

  bool look() {
    std::string mine;
    {
      std::lock_guard<std::mutex> guard{mtx};
      if (resigned)
        return false;
      mine = node;
    }
    std::vector<std::string> kids;
    try {
      kids = c.children(dir);
    } catch (const keeper_error& e) {
      if (e.code() != error::no_node)
        throw;
    }
    auto sorted = sequential(kids, candidates);
    auto name = std::string{node_name(mine)};
    auto pos = std::find(sorted.begin(), sorted.end(), name);
    if (pos == sorted.end()) {
      // Our candidate was deleted (not by us; the session is alive): stand
      // again at the end of the queue, as Curator's LeaderLatch does.
      check_session(c, dir);
      set_leader(false);
      auto fresh = create_protected(c, dir, "n_", id, create_mode::ephemeral_sequential);
      bool drop = false;
      {
        std::lock_guard<std::mutex> guard{mtx};
        drop = resigned;
        if (!drop)
          node = fresh;
      }
      if (drop) {
        remove_quietly(c, fresh);
        return false;
      }
      flag->raise();
      return true;
    }
    if (pos == sorted.begin()) {
      set_leader(true);
      if (!c.exists(mine, flag->as_watcher())) // to hear if our node is deleted
        flag->raise();
      return true;
    }
    set_leader(false);
    auto pred = join(dir, *(pos - 1));
    if (!c.exists(pred, flag->as_watcher()))
      flag->raise(); // gone meanwhile: look again
    return true;
  }

  void end(std::exception_ptr why) {
    {
      std::lock_guard<std::mutex> guard{mtx};
      ended = looked = true;
      error = why;
    }
    set_leader(false);
    cv.notify_all();
  }
};

leader_election::leader_election(client& c, std::string path, std::string participant_id)
  : st_(std::make_shared<state>(c, std::move(path), std::move(participant_id))) {
  if (!validate_path(st_->dir) || st_->dir == "/")
    throw keeper_error(error::bad_arguments, st_->dir);
  st_->node = create_protected(c, st_->dir, "n_", st_->id, create_mode::ephemeral_sequential);
  auto* s = st_.get();
  st_->worker = std::make_unique<watch_worker>(
    c, st_->flag, [s] { return s->step(); }, [s](std::exception_ptr why) { s->end(why); });
  // Return once the first look is done, so is_leader() is meaningful.
  std::unique_lock<std::mutex> guard{st_->mtx};
  st_->cv.wait(guard, [s] { return s->looked; });
}

leader_election::~leader_election() {
  try {
    resign();
  } catch (...) {
  }
}

bool leader_election::is_leader() const {
  std::lock_guard<std::mutex> guard{st_->mtx};
  return st_->leader && !session_over(st_->c);
}

void leader_election::wait_for_leadership() {
  wait_for_leadership(std::chrono::milliseconds::max());
}

bool leader_election::wait_for_leadership(std::chrono::milliseconds timeout) {
  auto now = steady::now();
  auto deadline = timeout >= std::chrono::hours(24 * 365) ? steady::time_point::max() : now + timeout;
  std::unique_lock<std::mutex> guard{st_->mtx};
  for (;;) {
    if (st_->resigned)
      throw std::logic_error("resigned from the election " + st_->dir);
    check_session(st_->c, st_->dir);
    if (st_->leader)
      return true;
    if (st_->ended) {
      if (st_->error)
        std::rethrow_exception(st_->error);
      throw keeper_error(error::session_expired, st_->dir);
    }
    if (steady::now() >= deadline)
      return false;
    st_->cv.wait_until(guard, std::min(deadline, steady::now() + std::chrono::milliseconds(50)));
  }
}

std::string leader_election::leader_id() {
  auto& c = st_->c;
  for (;;) {
    std::vector<std::string> kids;
    try {
      kids = retrying(c, st_->dir, [&] { return c.children(st_->dir); });
    } catch (const keeper_error& e) {
      if (e.code() != error::no_node)
        throw;
    }
    auto sorted = sequential(kids, candidates);
    if (sorted.empty())
      return {};
    try {
      return retrying(c, st_->dir, [&] { return c.get(join(st_->dir, sorted.front())); });
    } catch (const keeper_error& e) {
      if (e.code() != error::no_node) // the leader left meanwhile: again
        throw;
    }
  }
}

std::string leader_election::node() const {
  std::lock_guard<std::mutex> guard{st_->mtx};
  return st_->resigned ? std::string{} : st_->node;
}

void leader_election::on_change(std::function<void(bool)> f) {
  std::lock_guard<std::recursive_mutex> in_order{st_->calling}; // no change slips in between
  bool leading = false;
  {
    std::lock_guard<std::mutex> guard{st_->mtx};
    st_->callbacks.push_back(f);
    leading = st_->leader;
  }
  if (leading)
    f(true);
}

void leader_election::resign() {
  std::string mine;
  {
    std::lock_guard<std::mutex> guard{st_->mtx};
    if (st_->resigned)
      return;
    st_->resigned = true;
    mine = std::move(st_->node);
    st_->node.clear();
  }
  st_->worker->stop();
  st_->set_leader(false); // before the node goes: never two leaders in our view
  st_->cv.notify_all();
  if (!session_over(st_->c))
    guarded(st_->c, mine, [&] { remove_quietly(st_->c, mine); });
}

} // namespace troupe::keeper::recipes
