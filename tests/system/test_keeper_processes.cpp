// Keeper as three `troupe keeper` processes on loopback, used through the
// client library: writers keep creating znodes while members are killed with
// kill -9 one after the other (the leader among them) and restarted, then
// all three are killed and restarted. Every acknowledged write must be there
// afterwards. Bad input gets ZooKeeper's error codes and the members keep
// serving.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <mutex>
#include <set>
#include <thread>

#include "keeper_ensemble.hpp"

using namespace std::chrono_literals;
namespace keeper = troupe::keeper;

namespace {

using ensemble = troupe::test::keeper_ensemble;

// Creates /data/w<id>-<n> in a loop; remembers what was acknowledged.
struct writer {
  std::set<std::string> acked;
  std::atomic<int> count{0};
  int failures = 0;
  std::thread thread;

  void run(ensemble& e, int id, std::atomic<bool>& stop) {
    thread = std::thread([this, &e, id, &stop] {
      auto c = e.client();
      for (int n = 0; !stop; ++n) {
        auto path = "/data/w" + std::to_string(id) + "-" + std::to_string(n);
        try {
          c->create(path, "x");
          acked.insert(path);
          ++count;
        } catch (const keeper::keeper_error& err) {
          ++failures; // ConnectionLoss/timeout during a kill: outcome unknown
          if (err.code() == keeper::error::session_expired)
            c = e.client();
        }
      }
    });
  }
};

// Reads are idempotent: a client retries them across a failover, as
// ZooKeeper applications do after ConnectionLoss.
template <class F>
auto retrying(F fn) {
  for (int i = 0;; ++i) {
    try {
      return fn();
    } catch (const keeper::keeper_error& err) {
      if (i > 50 || (err.code() != keeper::error::connection_loss && err.code() != keeper::error::operation_timeout))
        throw;
      std::this_thread::sleep_for(50ms);
    }
  }
}

bool wait_for_progress(writer* ws, size_t n, int more) {
  std::vector<int> start;
  for (size_t i = 0; i < n; ++i)
    start.push_back(ws[i].count.load());
  for (int tries = 0; tries < 1000; ++tries) {
    bool all = true;
    for (size_t i = 0; i < n; ++i)
      all = all && ws[i].count.load() >= start[i] + more;
    if (all)
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

} // namespace

TEST(KeeperProcesses, AcknowledgedWritesSurviveKillsAndAFullRestart) {
  ensemble e{{"--snapshot-every", "300"}};
  ASSERT_TRUE(e.started);
  {
    auto admin = e.client();
    admin->create("/data");
  }
  auto holder = e.client(20000ms);
  holder->create("/owner", "", keeper::create_mode::ephemeral);
  std::atomic<bool> stop{false};
  writer ws[3];
  for (int i = 0; i < 3; ++i)
    ws[i].run(e, i, stop);
  ASSERT_TRUE(wait_for_progress(ws, 3, 20));
  for (size_t victim = 0; victim < 3; ++victim) {
    e.kill9(victim);
    EXPECT_TRUE(wait_for_progress(ws, 3, 20)) << "no progress with member m" << victim + 1 << " down";
    ASSERT_TRUE(e.start(victim));
    EXPECT_TRUE(wait_for_progress(ws, 3, 10)) << "no progress after member m" << victim + 1 << " restarted";
    EXPECT_TRUE(e.wait_caught_up()) << "member m" << victim + 1 << " did not catch up in 30 s";
  }
  stop = true;
  for (auto& w : ws)
    w.thread.join();
  // The ephemeral's session survived every kill (its client moved).
  EXPECT_TRUE(retrying([&] { return holder->exists("/owner"); }).has_value());
  holder.reset();
  for (size_t i = 0; i < 3; ++i)
    e.kill9(i);
  for (size_t i = 0; i < 3; ++i)
    ASSERT_TRUE(e.start(i));
  auto check = e.client();
  auto kids = retrying([&] { return check->children("/data"); });
  std::set<std::string> present;
  for (auto& k : kids)
    present.insert("/data/" + k);
  size_t acked = 0;
  for (auto& w : ws)
    for (auto& p : w.acked) {
      ++acked;
      EXPECT_TRUE(present.count(p)) << "acknowledged " << p << " lost";
    }
  EXPECT_GT(acked, 100u);
  // The holder closed its session: its ephemeral went with it.
  EXPECT_FALSE(retrying([&] { return check->exists("/owner"); }).has_value());
  std::cout << acked << " acknowledged creates, all present; " << ws[0].failures + ws[1].failures + ws[2].failures
            << " answered ConnectionLoss during the kills\n";
}

TEST(KeeperProcesses, BadInputGetsZooKeepersErrorsAndTheMembersKeepServing) {
  ensemble e{{"--max-data-size", "4096"}};
  ASSERT_TRUE(e.started);
  auto c = e.client();
  auto code = [&](auto&& fn) {
    try {
      fn();
    } catch (const keeper::keeper_error& err) {
      return err.code();
    }
    return keeper::error::ok;
  };
  for (auto bad : {"noslash", "/trailing/", "/a//b", "/a/./b", "/a/../b", "/", ""})
    EXPECT_EQ(code([&] { c->create(bad, "x"); }),
              std::string{bad} == "/" ? keeper::error::node_exists : keeper::error::bad_arguments)
      << bad;
  EXPECT_EQ(code([&] { c->create("/big", std::string(5000, 'x')); }), keeper::error::bad_arguments);
  EXPECT_EQ(code([&] { c->create("/a/b/c", "x"); }), keeper::error::no_node);
  c->create("/v", "1");
  EXPECT_EQ(code([&] { c->set("/v", "2", 7); }), keeper::error::bad_version);
  EXPECT_EQ(code([&] { c->remove("/v", 3); }), keeper::error::bad_version);
  EXPECT_EQ(code([&] { c->create("/acl", "", keeper::create_mode::persistent, {{31, "digest", "nocolon"}}); }),
            keeper::error::invalid_acl);
  EXPECT_EQ(code([&] { c->create("/acl", "", keeper::create_mode::persistent, {{31, "nosuch", "x"}}); }),
            keeper::error::invalid_acl);
  c->create("/e", "", keeper::create_mode::ephemeral);
  EXPECT_EQ(code([&] { c->create("/e/child", ""); }), keeper::error::no_children_for_ephemerals);
  // A digest-protected node: others get NoAuth.
  c->add_auth("digest", "alice:secret");
  c->create("/private", "s", keeper::create_mode::persistent, {{31, "digest", keeper::digest_id("alice", "secret")}});
  auto other = e.client();
  EXPECT_EQ(code([&] { other->get("/private"); }), keeper::error::no_auth);
  EXPECT_EQ(c->get("/private"), "s");
  // Still serving, with nothing corrupted.
  EXPECT_EQ(c->get("/v"), "1");
  EXPECT_EQ(other->children("/").size(), c->children("/").size());
  for (size_t i = 0; i < e.members.size(); ++i)
    EXPECT_TRUE(e.members[i]->running()) << "member m" << i + 1 << " died";
}

// Connection-state listeners see the session move when its member dies: the
// session, its ephemeral and its watch survive on another member.
TEST(KeeperProcesses, StateListenersSeeTheSessionMoveToAnotherMember) {
  ensemble e;
  ASSERT_TRUE(e.started);
  auto c = e.client(4000ms);
  std::mutex mtx;
  std::vector<keeper::session_state> first, second;
  c->on_state([&](keeper::session_state s) {
    std::lock_guard<std::mutex> guard{mtx};
    first.push_back(s);
  });
  auto token = c->on_state([&](keeper::session_state s) {
    std::lock_guard<std::mutex> guard{mtx};
    second.push_back(s);
  });
  c->create("/mine", "", keeper::create_mode::ephemeral);
  std::atomic<int> fired{0};
  c->exists("/later", [&](const keeper::watch_event&) { ++fired; });
  auto id = c->session_id();
  auto before = c->member(); // "m<N>"
  ASSERT_EQ(before.size(), 2u);
  e.kill9(static_cast<size_t>(before[1] - '1'));
  auto moved = [&] {
    std::lock_guard<std::mutex> guard{mtx};
    auto seen = [](const std::vector<keeper::session_state>& v) {
      auto lost = std::find(v.begin(), v.end(), keeper::session_state::disconnected);
      return lost != v.end() && std::find(lost, v.end(), keeper::session_state::connected) != v.end();
    };
    return seen(first) && seen(second);
  };
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!moved() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(moved()) << "both listeners see disconnected, then connected";
  EXPECT_NE(c->member(), before);
  EXPECT_EQ(c->session_id(), id);
  EXPECT_EQ(c->state(), keeper::session_state::connected);
  auto other = e.client();
  EXPECT_TRUE(other->exists("/mine").has_value()) << "the ephemeral outlives the member";
  other->create("/later");
  deadline = std::chrono::steady_clock::now() + 5s;
  while (fired == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(fired.load(), 1) << "the watch moved with the session";
  // A removed listener hears no more; the other one hears the close.
  c->remove_state_listener(token);
  size_t second_before;
  {
    std::lock_guard<std::mutex> guard{mtx};
    second_before = second.size();
  }
  c.reset(); // closes the session
  std::lock_guard<std::mutex> guard{mtx};
  EXPECT_EQ(second.size(), second_before);
  EXPECT_FALSE(other->exists("/mine").has_value()) << "closing removed the ephemeral";
}
