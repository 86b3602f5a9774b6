// A healthy leader keeps leading while followers come and go: three `troupe
// keeper` processes, a writer on the leader's member creating znodes one
// after the other, a follower killed with kill -9 and restarted (three
// times), and a follower stopped (SIGSTOP: a hung process, or a partition on
// loopback) while the others commit, then continued. The leader's epoch,
// read from its /keeper page, never changes and no write fails: a returning
// member asks for pre-votes, which the members hearing the leader refuse,
// and learns the leader from its appends instead of deposing it.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <mutex>
#include <thread>

#include "keeper_ensemble.hpp"

using namespace std::chrono_literals;
namespace keeper = troupe::keeper;

namespace {

using ensemble = troupe::test::keeper_ensemble;

struct stable_leader {
  size_t index = 0; // member index (id - 1)
  uint64_t epoch = 0;
};

using troupe::test::eventually;

// Member i follows leader `l` in its epoch (its proposer heard the leader).
bool follows(const ensemble& e, size_t i, const stable_leader& l) {
  auto s = e.status(i);
  return s && s->role == "follower" && s->leader == l.index + 1 && s->epoch == l.epoch;
}

} // namespace

TEST(LeaderStability, FollowerKillsAndPausesNeitherDeposeTheLeaderNorFailWrites) {
  ensemble e;
  ASSERT_TRUE(e.started);
  // Every member agrees on one leader.
  stable_leader l;
  ASSERT_TRUE(eventually(
    [&] {
      for (size_t i = 0; i < 3; ++i)
        if (auto s = e.status(i); s && s->role == "leader") {
          l = {i, s->epoch};
          return follows(e, (i + 1) % 3, l) && follows(e, (i + 2) % 3, l);
        }
      return false;
    },
    30s));
  std::vector<size_t> followers{(l.index + 1) % 3, (l.index + 2) % 3};
  auto leads = [&] {
    auto s = e.status(l.index);
    return s && s->role == "leader" && s->epoch == l.epoch;
  };

  auto c = e.client_of(l.index);
  c->create("/data");
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::mutex mtx;
  std::vector<std::string> failures;
  std::thread writer{[&] {
    for (int n = 0; !stop; ++n) {
      try {
        c->create("/data/n" + std::to_string(n), "x");
        ++writes;
      } catch (const keeper::keeper_error& err) {
        std::lock_guard<std::mutex> guard{mtx};
        failures.push_back("/data/n" + std::to_string(n) + ": " + err.what());
      }
    }
  }};
  // `n` more writes, the leader still leading its epoch at every look.
  bool deposed = false;
  auto progress = [&](int n) {
    auto target = writes.load() + n;
    return eventually(
      [&] {
        deposed = deposed || !leads();
        return deposed || writes.load() >= target;
      },
      60s) && !deposed;
  };
  ASSERT_TRUE(progress(100));
  for (int round = 0; round < 3 && !deposed; ++round) {
    auto victim = followers[round % 2];
    e.kill9(victim);
    EXPECT_TRUE(progress(100)) << "round " << round << ": m" << victim + 1 << " down";
    ASSERT_TRUE(e.start(victim));
    // Back: it learnt the leader from its appends, and caught up.
    EXPECT_TRUE(eventually([&] { return follows(e, victim, l) && e.caught_up(); }, 30s))
      << "round " << round << ": m" << victim + 1 << " did not rejoin";
    EXPECT_TRUE(progress(100)) << "round " << round << ": m" << victim + 1 << " back";
  }
  // A hung follower: stopped while the others commit plenty (long past
  // every election timeout), then continued with its stale view.
  auto paused = followers[0];
  e.members[paused]->signal(SIGSTOP);
  EXPECT_TRUE(progress(1500)) << "m" << paused + 1 << " stopped";
  e.members[paused]->signal(SIGCONT);
  EXPECT_TRUE(eventually([&] { return follows(e, paused, l) && e.caught_up(); }, 30s))
    << "m" << paused + 1 << " did not rejoin after SIGCONT";
  EXPECT_TRUE(progress(300)) << "after SIGCONT";
  stop = true;
  writer.join();

  EXPECT_FALSE(deposed) << "the leader m" << l.index + 1 << " of epoch " << l.epoch << " lost its leadership";
  EXPECT_TRUE(leads());
  std::lock_guard<std::mutex> guard{mtx};
  EXPECT_TRUE(failures.empty()) << failures.size() << " writes failed, first: " << failures.front();
  std::cout << writes.load() << " writes, none failed; leader m" << l.index + 1 << " kept epoch " << l.epoch
            << "\n";
}
