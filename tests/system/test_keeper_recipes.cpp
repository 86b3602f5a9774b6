// Keeper's recipes (actors/keeper/include/troupe/keeper/recipes/) against
// three real `troupe keeper` processes, started once for the suite. Each test
// uses its own clients (sessions) and its own subtree /recipes/<test>.
// Sessions end by closing clients, and expire by stopping (SIGSTOP) a
// `troupe zk lock` process that holds or waits for a lock.
//
// No sleep stands in for synchronization: a waiter is known to wait when
// recipes::blocked_on_watches() says so, and "nothing more happened" is
// checked after a watch fence (watch_fence below), an event ordered after
// everything it is to rule out. The sleeps left are part of a scenario (a
// holder holding a while, staggered arrivals); no assertion depends on how
// long they last.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "keeper_ensemble.hpp"
#include "troupe/keeper/client.hpp"
#include "troupe/keeper/recipes/barrier.hpp"
#include "troupe/keeper/recipes/config.hpp"
#include "troupe/keeper/recipes/counter.hpp"
#include "troupe/keeper/recipes/diagnostics.hpp"
#include "troupe/keeper/recipes/election.hpp"
#include "troupe/keeper/recipes/lock.hpp"
#include "troupe/keeper/recipes/membership.hpp"
#include "troupe/keeper/recipes/queue.hpp"
#include "troupe/keeper/recipes/rwlock.hpp"
#include "troupe/runtime/process.hpp"

using namespace std::chrono_literals;
namespace keeper = troupe::keeper;
namespace recipes = troupe::keeper::recipes;
using troupe::runtime::child_process;

namespace {

// Members with short session timeouts and container scans; ready once a
// write goes through (the log has a leader).
struct ensemble : troupe::test::keeper_ensemble {
  bool ok = false;

  ensemble() : keeper_ensemble({"--min-session-timeout", "200", "--container-check", "200"}) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (started && !ok && std::chrono::steady_clock::now() < deadline) {
      try {
        keeper::client c{connect};
        try {
          c.create("/recipes");
        } catch (const keeper::keeper_error& e) {
          if (e.code() != keeper::error::node_exists)
            throw;
        }
        ok = true;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(100ms);
      }
    }
  }
};

ensemble* group = nullptr;

using troupe::test::eventually;

// Raises `most` to `now` if it is lower. A compare-exchange loop: a load
// and then a store would let a smaller value overwrite a larger one that
// another thread stored in between.
void atomic_max(std::atomic<int>& most, int now) {
  int seen = most.load();
  while (seen < now && !most.compare_exchange_weak(seen, now)) {
  }
}

// Failures inside worker threads, reported by the test thread.
struct failures {
  std::mutex mtx;
  std::vector<std::string> what;
  void add(const std::string& w) {
    std::lock_guard<std::mutex> guard{mtx};
    what.push_back(w);
  }
  template <class F>
  void run(F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      add(e.what());
    }
  }
};

} // namespace

class KeeperRecipes : public ::testing::Test {
public:
  static void SetUpTestSuite() { group = new ensemble(); }
  static void TearDownTestSuite() {
    delete group;
    group = nullptr;
  }

protected:
  void SetUp() override {
    ASSERT_TRUE(group && group->ok) << "the ensemble did not start";
    root = std::string{"/recipes/"} + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    admin = client();
    admin->create(root);
  }

  std::unique_ptr<keeper::client> client(std::chrono::milliseconds session = 4000ms) {
    keeper::client_options o;
    o.session_timeout = session;
    o.request_timeout = 5000ms;
    return std::make_unique<keeper::client>(group->connect, o);
  }

  // `troupe zk --server ... ARGS...` as a child (stdout captured).
  std::unique_ptr<child_process> zk(std::vector<std::string> args) {
    args.insert(args.begin(), {"zk", "--server", group->connect});
    return std::make_unique<child_process>(TROUPE_BINARY, args);
  }

  // How many children `path` has; 0 once it is gone (an empty container is reaped).
  size_t children(const std::string& path) {
    try {
      return admin->children(path).size();
    } catch (const keeper::keeper_error& e) {
      if (e.code() != keeper::error::no_node)
        throw;
      return 0;
    }
  }

  // Returns once each of `cs` has run the callbacks of every watch event
  // caused by writes acknowledged before the call: each sets a watch on a
  // fresh node, one create fires them all, and a client runs its watch
  // callbacks one at a time in zxid order (docs/keeper.md, Guarantees).
  // So a watch those writes did not fire by then (a herd, a wrong wake-up)
  // they never will.
  bool watch_fence(const std::vector<keeper::client*>& cs) {
    auto path = root + "/fence-" + std::to_string(++fences);
    auto fired = std::make_shared<std::atomic<size_t>>(0);
    for (auto* c : cs)
      if (c->exists(path, [fired](const keeper::watch_event&) { ++*fired; }))
        return false;
    admin->create(path);
    return eventually([&] { return *fired == cs.size(); });
  }

  std::string root;
  std::unique_ptr<keeper::client> admin;
  int fences = 0;
};

TEST_F(KeeperRecipes, LockMutualExclusion) {
  auto value = root + "/value";
  admin->create(value, "0");
  std::atomic<int> inside{0}, most_inside{0};
  failures bad;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      bad.run([&] {
        auto c = client();
        recipes::lock lk{*c, root + "/lock"};
        for (int i = 0; i < 25; ++i) {
          lk.acquire();
          EXPECT_TRUE(lk.held());
          int now = ++inside;
          atomic_max(most_inside, now);
          // Read-modify-write without versions: only the lock keeps it right.
          auto v = std::stoi(c->get(value));
          std::this_thread::sleep_for(1ms); // scenario: a wider window for a second holder
          c->set(value, std::to_string(v + 1));
          --inside;
          lk.release();
          EXPECT_FALSE(lk.held());
        }
      });
    });
  for (auto& t : threads)
    t.join();
  EXPECT_TRUE(bad.what.empty()) << bad.what.front();
  EXPECT_EQ(admin->get(value), "100");
  EXPECT_EQ(most_inside.load(), 1);
  EXPECT_EQ(children(root + "/lock"), 0u);
}

TEST_F(KeeperRecipes, LockTryAcquireTimesOutAndLeavesNoNode) {
  auto c1 = client(), c2 = client();
  recipes::lock a{*c1, root + "/lock"}, b{*c2, root + "/lock"};
  a.acquire();
  EXPECT_NE(a.node().find("-lock-"), std::string::npos) << a.node();
  EXPECT_EQ(a.node().rfind(root + "/lock/_c_", 0), 0u) << a.node();
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(b.try_acquire(300ms));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
  EXPECT_FALSE(b.held());
  EXPECT_EQ(children(root + "/lock"), 1u);
  EXPECT_THROW(a.acquire(), std::logic_error); // not re-entrant
  a.release();
  EXPECT_TRUE(b.try_acquire(5s));
}

TEST_F(KeeperRecipes, LockWakesOnlyTheNextWaiter) {
  auto path = root + "/lock";
  auto hc = client();
  recipes::lock holder{*hc, path};
  holder.acquire();
  std::vector<std::unique_ptr<keeper::client>> clients;
  std::vector<keeper::client*> waiting_clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(client());
    waiting_clients.push_back(clients.back().get());
  }
  std::atomic<int> acquired{0};
  std::promise<void> go_on;
  std::shared_future<void> may_release = go_on.get_future().share();
  failures bad;
  std::vector<std::thread> waiters;
  for (auto* c : waiting_clients)
    waiters.emplace_back([&, c] {
      bad.run([&] {
        recipes::lock lk{*c, path};
        lk.acquire();
        ++acquired;
        may_release.wait();
        lk.release();
      });
    });
  // Each waiter blocks only once its predecessor watch is set.
  EXPECT_TRUE(eventually([&] { return recipes::blocked_on_watches() == 5; }));
  EXPECT_EQ(children(path), 6u);
  auto before = recipes::predecessor_watch_firings();
  holder.release();
  EXPECT_TRUE(eventually([&] { return acquired == 1; }));
  // Every waiter's client has seen all the release caused: one watch fired.
  EXPECT_TRUE(watch_fence(waiting_clients));
  EXPECT_EQ(recipes::predecessor_watch_firings() - before, 1u);
  EXPECT_EQ(acquired.load(), 1);
  EXPECT_EQ(recipes::blocked_on_watches(), 4);
  go_on.set_value();
  for (auto& t : waiters)
    t.join();
  EXPECT_TRUE(bad.what.empty()) << bad.what.front();
  EXPECT_EQ(acquired.load(), 5);
  EXPECT_EQ(recipes::predecessor_watch_firings() - before, 5u); // one per handover
}

TEST_F(KeeperRecipes, LockReleasedWhenHolderClientCloses) {
  auto path = root + "/lock";
  // A session that would take a minute to expire: b gets the lock within
  // 20 s only because closing the client ended the session.
  auto c1 = client(60000ms), c2 = client();
  auto a = std::make_unique<recipes::lock>(*c1, path);
  recipes::lock b{*c2, path};
  a->acquire();
  EXPECT_FALSE(b.try_acquire(200ms));
  c1->close(); // the session ends: its ephemeral lock node goes
  EXPECT_TRUE(b.try_acquire(20s));
  EXPECT_FALSE(a->held());
  auto t1 = std::chrono::steady_clock::now();
  a.reset(); // releasing on a closed client neither blocks nor throws
  c1.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t1, 1s);
}

TEST_F(KeeperRecipes, LockReleasedWhenHolderSessionExpires) {
  auto path = root + "/lock";
  auto holder = zk({"--timeout", "1000", "lock", path});
  ASSERT_TRUE(holder->wait_for_line("locked ", 10s));
  auto c = client();
  recipes::lock lk{*c, path};
  EXPECT_FALSE(lk.try_acquire(300ms));
  holder->signal(SIGSTOP); // no more pings: the session expires on the server
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(lk.try_acquire(10s));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
  holder->signal(SIGCONT);
  holder->signal(SIGTERM);
  // Its release finds the session expired, whether it has heard so by then
  // or learns it from the release's answer: `troupe zk` exits 1 (SessionExpired).
  EXPECT_EQ(holder->wait(10s), std::optional<int>{1});
  EXPECT_TRUE(lk.held());
}

TEST_F(KeeperRecipes, LockWaiterSeesItsSessionExpire) {
  auto path = root + "/lock";
  auto c = client();
  recipes::lock lk{*c, path};
  lk.acquire();
  auto waiter = zk({"--timeout", "1000", "lock", path, "/bin/echo", "ran"});
  ASSERT_TRUE(eventually([&] { return children(path) == 2; }));
  // The stop lands anywhere after its node exists (before, while or after
  // it sets its watch): the outcome below must be the same for each.
  waiter->signal(SIGSTOP);
  EXPECT_TRUE(eventually([&] { return children(path) == 1; }, 10s)); // its node went with its session
  waiter->signal(SIGCONT);
  // acquire() throws SessionExpired instead of waiting on: exit 1, command not run.
  EXPECT_EQ(waiter->wait(10s), std::optional<int>{1});
  std::string out;
  while (auto line = waiter->read_line(100ms))
    out += *line + "\n";
  EXPECT_EQ(out.find("ran"), std::string::npos) << out;
  EXPECT_TRUE(lk.held());
}

TEST_F(KeeperRecipes, ReadWriteLock) {
  auto path = root + "/rw";
  auto c1 = client(), c2 = client(), c3 = client(), c4 = client();
  recipes::read_write_lock a{*c1, path}, b{*c2, path}, w{*c3, path}, late{*c4, path};
  a.read_lock().acquire();
  EXPECT_TRUE(b.read_lock().try_acquire(2s)); // two readers at once
  EXPECT_FALSE(w.write_lock().try_acquire(300ms));
  std::atomic<bool> writing{false};
  std::thread writer([&] {
    w.write_lock().acquire();
    writing = true;
  });
  // The writer blocks once its watch on its predecessor (b's node) is set.
  EXPECT_TRUE(eventually([&] { return recipes::blocked_on_watches() == 1; }));
  EXPECT_EQ(children(path), 3u);
  EXPECT_FALSE(late.read_lock().try_acquire(300ms)); // queued behind the writer
  auto before = recipes::predecessor_watch_firings();
  a.read_lock().release();
  // b still reads: once the writer's client has seen all a's release
  // caused, the writer was not woken, so it does not write.
  EXPECT_TRUE(watch_fence({c3.get()}));
  EXPECT_EQ(recipes::predecessor_watch_firings() - before, 0u);
  EXPECT_EQ(recipes::blocked_on_watches(), 1);
  EXPECT_FALSE(writing.load());
  b.read_lock().release();
  ASSERT_TRUE(eventually([&] { return writing.load(); }));
  writer.join();
  EXPECT_FALSE(a.read_lock().try_acquire(300ms)); // no reader while writing
  EXPECT_TRUE(w.read_lock().try_acquire(2s));      // but the writer may downgrade
  w.write_lock().release();
  EXPECT_TRUE(a.read_lock().try_acquire(5s));
  w.read_lock().release();
  a.read_lock().release();
  EXPECT_TRUE(b.write_lock().try_acquire(5s));
}

TEST_F(KeeperRecipes, ElectionHasOneLeaderAndHandsOver) {
  auto path = root + "/election";
  std::vector<std::unique_ptr<keeper::client>> clients;
  std::vector<std::unique_ptr<recipes::leader_election>> es;
  std::mutex mtx;
  std::vector<std::string> changes;
  for (int i = 1; i <= 3; ++i) {
    clients.push_back(client());
    es.push_back(std::make_unique<recipes::leader_election>(*clients.back(), path, "p" + std::to_string(i)));
    es.back()->on_change([&, i](bool leader) {
      std::lock_guard<std::mutex> guard{mtx};
      changes.push_back((leader ? "+p" : "-p") + std::to_string(i));
    });
  }
  auto leaders = [&] {
    int n = 0;
    for (auto& e : es)
      n += e && e->is_leader();
    return n;
  };
  ASSERT_TRUE(es[0]->wait_for_leadership(5s));
  // Settled, not a moment to wait out: each constructor returned after its
  // first look, and a participant's view changes only when a node before
  // its own goes (none has yet).
  EXPECT_EQ(leaders(), 1);
  EXPECT_FALSE(es[1]->wait_for_leadership(100ms));
  for (auto& e : es)
    EXPECT_EQ(e->leader_id(), "p1");
  clients[0]->close(); // the leader's session ends
  EXPECT_TRUE(es[1]->wait_for_leadership(5s));
  EXPECT_EQ(es[2]->leader_id(), "p2");
  EXPECT_TRUE(eventually([&] { return !es[0]->is_leader(); }, 2s));
  es[0].reset();
  // p3 waits behind p2, which leads and whose node stays: p3 cannot lead.
  EXPECT_EQ(leaders(), 1);
  es[1]->resign(); // and the last one takes over
  EXPECT_TRUE(es[2]->wait_for_leadership(5s));
  EXPECT_EQ(es[2]->leader_id(), "p3");
  EXPECT_THROW(es[1]->wait_for_leadership(10ms), std::logic_error);
  // Each participant's own story (p1 may hear of its end after p2 took over:
  // a closed or expired leader learns it last).
  std::lock_guard<std::mutex> guard{mtx};
  std::map<char, std::string> story;
  for (auto& c : changes)
    story[c.back()] += c[0];
  EXPECT_EQ(story, (std::map<char, std::string>{{'1', "+-"}, {'2', "+-"}, {'3', "+"}}));
}

TEST_F(KeeperRecipes, BarrierBlocksUntilRemoved) {
  auto c1 = client(), c2 = client();
  recipes::barrier a{*c1, root + "/b"}, b{*c2, root + "/b"};
  a.set();
  EXPECT_FALSE(b.wait(300ms));
  std::atomic<bool> passed{false};
  std::thread t([&] {
    b.wait();
    passed = true;
  });
  // Blocked, its watch on the barrier set, and the barrier still there.
  EXPECT_TRUE(eventually([&] { return recipes::blocked_on_watches() == 1; }));
  EXPECT_FALSE(passed.load());
  a.remove();
  EXPECT_TRUE(eventually([&] { return passed.load(); }));
  t.join();
  EXPECT_TRUE(b.wait(10ms));
}

TEST_F(KeeperRecipes, DoubleBarrierEntersAndLeavesTogether) {
  const int n = 4;
  std::atomic<int> entering{0}, leaving{0};
  failures bad;
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      bad.run([&] {
        auto c = client();
        recipes::double_barrier db{*c, root + "/db", "p" + std::to_string(i), n};
        // Scenario: staggered arrivals and departures; the checks count who
        // is there, however long anyone takes.
        std::this_thread::sleep_for(std::chrono::milliseconds(120 * i)); // staggered arrivals
        ++entering;
        db.enter();
        if (entering != n)
          bad.add("left enter() with " + std::to_string(entering.load()) + " of " + std::to_string(n) + " there");
        std::this_thread::sleep_for(std::chrono::milliseconds(120 * (n - i))); // staggered departures
        ++leaving;
        db.leave();
        if (leaving != n)
          bad.add("left leave() with " + std::to_string(leaving.load()) + " of " + std::to_string(n) + " leaving");
      });
    });
  for (auto& t : threads)
    t.join();
  EXPECT_TRUE(bad.what.empty()) << bad.what.front();
}

TEST_F(KeeperRecipes, QueueTakesEveryItemExactlyOnce) {
  auto path = root + "/q";
  const int producers = 3, consumers = 3, per_producer = 50, total = producers * per_producer;
  std::mutex mtx;
  std::multiset<std::string> taken;
  std::atomic<int> count{0};
  failures bad;
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([&, p] {
      bad.run([&] {
        auto c = client();
        recipes::distributed_queue q{*c, path};
        for (int i = 0; i < per_producer; ++i)
          q.offer("p" + std::to_string(p) + "-" + std::to_string(i));
      });
    });
  for (int k = 0; k < consumers; ++k)
    threads.emplace_back([&] {
      bad.run([&] {
        auto c = client();
        recipes::distributed_queue q{*c, path};
        while (count < total) {
          auto item = q.take(300ms);
          if (!item)
            continue;
          ++count;
          std::lock_guard<std::mutex> guard{mtx};
          taken.insert(*item);
        }
      });
    });
  for (auto& t : threads)
    t.join();
  EXPECT_TRUE(bad.what.empty()) << bad.what.front();
  ASSERT_EQ(taken.size(), static_cast<size_t>(total));
  for (int p = 0; p < producers; ++p)
    for (int i = 0; i < per_producer; ++i)
      EXPECT_EQ(taken.count("p" + std::to_string(p) + "-" + std::to_string(i)), 1u);
  auto c = client();
  recipes::distributed_queue q{*c, path};
  EXPECT_EQ(q.size(), 0u);
  EXPECT_FALSE(q.poll());
  q.offer("a");
  q.offer("b");
  EXPECT_EQ(q.peek(), std::optional<std::string>{"a"});
  EXPECT_EQ(q.poll(), std::optional<std::string>{"a"});
  EXPECT_EQ(q.take(), "b");
}

TEST_F(KeeperRecipes, CounterCountsEveryIncrement) {
  auto path = root + "/counter";
  std::mutex mtx;
  std::set<int64_t> results;
  failures bad;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      bad.run([&] {
        auto c = client();
        recipes::shared_counter counter{*c, path};
        for (int i = 0; i < 50; ++i) {
          auto v = counter.increment();
          std::lock_guard<std::mutex> guard{mtx};
          if (!results.insert(v).second)
            bad.add("value " + std::to_string(v) + " returned twice");
        }
      });
    });
  for (auto& t : threads)
    t.join();
  EXPECT_TRUE(bad.what.empty()) << bad.what.front();
  recipes::shared_counter counter{*admin, path, 12345};
  EXPECT_EQ(counter.get(), 200);
  EXPECT_EQ(results.size(), 200u);
  EXPECT_EQ(*results.begin(), 1);
  EXPECT_EQ(counter.add(-50), 150);
  EXPECT_FALSE(counter.compare_and_set(7, 8));
  EXPECT_TRUE(counter.compare_and_set(150, 7));
  EXPECT_EQ(counter.get(), 7);
}

TEST_F(KeeperRecipes, MembershipSeesJoinAndLeave) {
  auto path = root + "/group";
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<std::string> seen;
  recipes::group_membership watcher{*admin, path};
  watcher.watch([&](const std::vector<std::string>& members) {
    std::lock_guard<std::mutex> guard{mtx};
    seen = members;
    cv.notify_all();
  });
  auto sees = [&](std::vector<std::string> want) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, 5s, [&] { return seen == want; });
  };
  EXPECT_TRUE(sees({}));
  auto ca = client();
  auto cb = client();
  recipes::group_membership ga{*ca, path}, gb{*cb, path};
  ga.join("a", "host-a:1");
  EXPECT_TRUE(sees({"a"}));
  gb.join("b", "host-b:2");
  EXPECT_TRUE(sees({"a", "b"}));
  EXPECT_EQ(watcher.members(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(watcher.data("b"), std::optional<std::string>{"host-b:2"});
  try {
    gb.join("a");
    ADD_FAILURE() << "joined as a member another session is";
  } catch (const keeper::keeper_error& e) {
    EXPECT_EQ(e.code(), keeper::error::node_exists);
  }
  ga.join("a", "host-a:3"); // again: same session, new data
  EXPECT_EQ(watcher.data("a"), std::optional<std::string>{"host-a:3"});
  ga.leave("a");
  EXPECT_TRUE(sees({"b"}));
  cb->close(); // b's session ends: it leaves by itself
  EXPECT_TRUE(sees({}));
}

TEST_F(KeeperRecipes, ConfigSubscriberSeesValuesInOrder) {
  auto path = root + "/config";
  auto cs = client();
  recipes::configuration sub{*cs, path};
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<std::optional<std::string>> seen;
  sub.subscribe("db/url", [&](const std::string& key, const std::optional<std::string>& v) {
    EXPECT_EQ(key, "db/url");
    std::lock_guard<std::mutex> guard{mtx};
    seen.push_back(v);
    cv.notify_all();
  });
  auto last_is = [&](std::optional<std::string> want) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, 5s, [&] { return !seen.empty() && seen.back() == want; });
  };
  EXPECT_TRUE(last_is(std::nullopt)); // not published yet
  recipes::configuration pub{*admin, path};
  for (int i = 1; i <= 30; ++i)
    pub.publish("db/url", std::to_string(i));
  EXPECT_TRUE(last_is("30"));
  {
    std::lock_guard<std::mutex> guard{mtx};
    int prev = 0;
    for (size_t i = 1; i < seen.size(); ++i) { // in order, none twice
      ASSERT_TRUE(seen[i]);
      EXPECT_GT(std::stoi(*seen[i]), prev);
      prev = std::stoi(*seen[i]);
    }
  }
  pub.remove("db/url");
  EXPECT_TRUE(last_is(std::nullopt));
  pub.publish("db/url", "again"); // re-created: still watched
  EXPECT_TRUE(last_is("again"));
  EXPECT_EQ(sub.get("db/url"), std::optional<std::string>{"again"});
}

TEST_F(KeeperRecipes, CliLockRunsCommandsOneAtATime) {
  troupe::test::temp_dir dir;
  auto file = dir.sub("log");
  std::vector<std::unique_ptr<child_process>> runs;
  for (int i = 0; i < 3; ++i) {
    auto id = std::to_string(i);
    runs.push_back(zk({"lock", root + "/cli", "--", "/bin/sh", "-c",
                       // Scenario: each holds the lock a while; the check is on the order only.
                       "echo start " + id + " >> " + file + "; sleep 0.2; echo end " + id + " >> " + file}));
  }
  for (auto& r : runs)
    EXPECT_EQ(r->wait(20s), std::optional<int>{0});
  std::ifstream in{file};
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  ASSERT_EQ(lines.size(), 6u);
  std::set<std::string> ids;
  for (size_t i = 0; i < lines.size(); i += 2) { // start X, end X, start Y, end Y, ...
    ASSERT_EQ(lines[i].rfind("start ", 0), 0u) << lines[i];
    EXPECT_EQ(lines[i + 1], "end " + lines[i].substr(6));
    ids.insert(lines[i]);
  }
  EXPECT_EQ(ids.size(), 3u);
}

// The blocking client's exists() on a missing node: ZooKeeper fires its
// watch when the node is created (the recipes rely on it).
TEST_F(KeeperRecipes, ExistsWatchOnMissingNodeFiresOnCreate) {
  auto a = client();
  std::atomic<int> fired{0};
  EXPECT_FALSE(a->exists(root + "/later", [&](const keeper::watch_event& e) {
    EXPECT_EQ(e.type, keeper::event_type::node_created);
    ++fired;
  }));
  admin->create(root + "/later");
  EXPECT_TRUE(eventually([&] { return fired == 1; }, 2s));
}

// Last: it restarts members. Clients lose their member (ConnectionLoss in
// the middle of creates, deletes and reads) and move on; the lock must stay
// exclusive and every waiter must get its turn. (It found a restarted log
// follower reusing its proposal ids: sessions hung or got an old session's
// id. Followers now propose under a per-incarnation name.)
TEST_F(KeeperRecipes, LockStaysExclusiveAcrossMemberRestarts) {
  std::atomic<int> inside{0}, most_inside{0}, rounds{0};
  std::atomic<bool> stop{false};
  failures bad;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      bad.run([&] {
        auto c = client();
        recipes::lock lk{*c, root + "/lock"};
        while (!stop) {
          lk.acquire();
          int now = ++inside;
          atomic_max(most_inside, now);
          std::this_thread::sleep_for(2ms); // scenario: a holder holds a while
          --inside;
          lk.release();
          ++rounds;
        }
      });
    });
  // The lock changes hands 20 times before each kill, while the member is
  // down, and after it is back; and the member has caught up before the next
  // kill (else a lagging member and a dead one leave no quorum).
  auto progresses = [&] {
    auto before = rounds.load();
    return eventually([&] { return rounds > before + 20; }, 20s);
  };
  EXPECT_TRUE(progresses()) << "no progress before the first restart";
  for (size_t m = 0; m < 2; ++m) {
    group->kill9(m);
    EXPECT_TRUE(progresses()) << "stalled while m" << m + 1 << " was down";
    if (!group->start(m)) {
      ADD_FAILURE() << "m" << m + 1 << " did not restart";
      break;
    }
    EXPECT_TRUE(progresses()) << "stalled after restarting m" << m + 1;
    EXPECT_TRUE(group->wait_caught_up()) << "m" << m + 1 << " did not catch up";
  }
  stop = true;
  for (auto& t : threads)
    t.join();
  EXPECT_TRUE(bad.what.empty()) << bad.what.front();
  EXPECT_EQ(most_inside.load(), 1);
  EXPECT_EQ(children(root + "/lock"), 0u);
}
