// The znode linearizability checker and the plain-read consistency check
// (troupe/sim/linearizability.hpp): hand-written histories for the classic
// anomalies, unknown outcomes, and large randomized histories generated from a
// real register (each op taking effect at a random point of its interval), so
// they are linearizable by construction until one result is corrupted; and
// tiny corrupted histories against a brute-force oracle.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <numeric>
#include <tuple>

#include "troupe/sim/linearizability.hpp"
#include "troupe/sim/rng.hpp"

namespace {

using namespace troupe::sim;
using result = znode_result;

znode_op op_of(znode_op::kind_t kind, int client, int64_t invoke, int64_t response, result r) {
  znode_op op;
  op.kind = kind;
  op.path = "/a";
  op.client = client;
  op.invoke = invoke;
  op.response = response;
  op.result = r;
  return op;
}

znode_op op_create(int c, int64_t inv, int64_t resp, std::string value, result r = result::ok) {
  auto op = op_of(znode_op::create, c, inv, resp, r);
  op.value = std::move(value);
  return op;
}

// set(value, expected) -> ok with new_version, or the error r.
znode_op op_set(int c, int64_t inv, int64_t resp, std::string value, int32_t expected, int32_t new_version,
                result r = result::ok) {
  auto op = op_of(znode_op::set, c, inv, resp, r);
  op.value = std::move(value);
  op.expected_version = expected;
  op.result_version = new_version;
  return op;
}

znode_op op_remove(int c, int64_t inv, int64_t resp, int32_t expected, result r = result::ok) {
  auto op = op_of(znode_op::remove, c, inv, resp, r);
  op.expected_version = expected;
  return op;
}

znode_op op_read(int c, int64_t inv, int64_t resp, std::string value, int32_t version) {
  auto op = op_of(znode_op::read, c, inv, resp, result::ok);
  op.result_value = std::move(value);
  op.result_version = version;
  return op;
}

znode_op op_read_absent(int c, int64_t inv, int64_t resp) {
  return op_of(znode_op::read, c, inv, resp, result::no_node);
}

znode_op unknown(znode_op op) {
  op.unknown = true;
  op.response = 0; // ignored
  return op;
}

check_result check(const std::vector<znode_op>& h) { return check_history(h); }

bool mentions(const check_result& r, const std::string& s) {
  return r.explanation.find(s) != std::string::npos;
}

// ---- Randomized histories ---------------------------------------------------

struct gen_params {
  int clients = 64;
  int ops = 2000;
  int64_t gap = 400;      // idle time between a client's ops, at most
  int64_t duration = 100; // an op's latency, at most
  double unknown = 0.0;   // chance a write's outcome is lost (and 50% it never applies)
  uint64_t seed = 1;
};

// Each client issues ops back to back; each op takes effect at a random point
// of its interval on a real register, in effect-time order, and its arguments
// are chosen at that point so that most conditional writes succeed.
std::vector<znode_op> random_history(const gen_params& p) {
  rng r(p.seed);
  std::vector<znode_op> ops;
  std::vector<int64_t> effect;
  for (int c = 0; c < p.clients; ++c) {
    int64_t t = r.between(0, p.gap);
    for (int k = 0; k < p.ops / p.clients + (c < p.ops % p.clients); ++k) {
      znode_op op;
      op.path = "/r";
      op.client = c;
      op.invoke = t;
      op.response = t + r.between(1, p.duration);
      effect.push_back(r.between(op.invoke, op.response));
      t = op.response + 1 + r.between(0, p.gap);
      ops.push_back(op);
    }
  }
  std::vector<size_t> order(ops.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return std::tie(effect[x], x) < std::tie(effect[y], y);
  });
  znode_state s;
  for (size_t i : order) {
    znode_op& op = ops[i];
    auto dice = r.below(100);
    op.kind = dice < 40 ? znode_op::read : dice < 75 ? znode_op::set : dice < 90 ? znode_op::create : znode_op::remove;
    op.value = "v" + std::to_string(i);
    if (op.kind == znode_op::set || op.kind == znode_op::remove)
      op.expected_version = r.chance(0.4) ? -1 : s.version - (r.chance(0.8) ? 0 : 1);
    bool lost = op.kind != znode_op::read && r.chance(p.unknown);
    bool applies = !lost || r.chance(0.5);
    bool version_ok = op.expected_version == -1 || op.expected_version == s.version;
    znode_state next = s;
    switch (op.kind) {
      case znode_op::create:
        op.result = s.exists ? result::node_exists : result::ok;
        next = s.exists ? s : znode_state::present(op.value);
        break;
      case znode_op::set:
        op.result = !s.exists ? result::no_node : !version_ok ? result::bad_version : result::ok;
        if (op.result == result::ok)
          next = znode_state::present(op.value, s.version + 1);
        op.result_version = next.version;
        break;
      case znode_op::remove:
        op.result = !s.exists ? result::no_node : !version_ok ? result::bad_version : result::ok;
        if (op.result == result::ok)
          next = znode_state::absent();
        break;
      case znode_op::read:
        op.result = s.exists ? result::ok : result::no_node;
        op.result_value = s.value;
        op.result_version = s.version;
        break;
    }
    if (applies)
      s = next;
    op.unknown = lost;
  }
  return ops;
}

// The register spelled out once more, for a brute-force oracle over tiny
// histories: every order that respects real time, unknown ops optional.
bool naive_step(const znode_op& op, const znode_state& s, znode_state& next) {
  bool match = op.expected_version == -1 || (s.exists && s.version == op.expected_version);
  bool ok = op.unknown || op.result == result::ok;
  next = s;
  if (op.kind == znode_op::create && ok && !s.exists)
    next = znode_state::present(op.value);
  else if (op.kind == znode_op::set && ok && s.exists && match && (op.unknown || op.result_version == s.version + 1))
    next = znode_state::present(op.value, s.version + 1);
  else if (op.kind == znode_op::remove && ok && s.exists && match)
    next = znode_state::absent();
  else if (op.unknown)
    return true;
  else if (op.kind == znode_op::read && ok)
    return s.exists && s.value == op.result_value && s.version == op.result_version;
  else if (ok)
    return false;
  else if (op.result == result::node_exists)
    return op.kind == znode_op::create && s.exists;
  else if (op.result == result::bad_version)
    return op.kind != znode_op::create && op.kind != znode_op::read && s.exists && !match;
  else if (op.result == result::not_empty)
    return op.kind == znode_op::remove && s.exists && match;
  else
    return op.kind == znode_op::create || !s.exists; // no_node
  return true;
}

bool brute_force(const std::vector<znode_op>& h, const znode_state& s, std::vector<bool>& done, size_t known_left) {
  if (known_left == 0)
    return true;
  for (size_t i = 0; i < h.size(); ++i) {
    bool minimal = !done[i];
    for (size_t j = 0; j < h.size() && minimal; ++j)
      minimal = done[j] || h[j].unknown || h[j].response >= h[i].invoke;
    znode_state next;
    if (!minimal || !naive_step(h[i], s, next))
      continue;
    done[i] = true;
    bool found = brute_force(h, next, done, known_left - (h[i].unknown ? 0 : 1));
    done[i] = false;
    if (found)
      return true;
  }
  return false;
}

check_result timed_check(const std::vector<znode_op>& h) {
  auto start = std::chrono::steady_clock::now();
  auto r = check_history(h);
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::cout << "  [" << h.size() << " ops: " << r.steps << " steps, " << ms << " ms]\n";
  return r;
}

} // namespace

TEST(Linearizability, SequentialHistoryPasses) {
  std::vector<znode_op> h = {
    op_read_absent(1, 0, 1),
    op_create(1, 2, 3, "a"),
    op_create(2, 4, 5, "x", result::node_exists),
    op_read(2, 6, 7, "a", 0),
    op_set(1, 8, 9, "b", -1, 1),
    op_set(2, 10, 11, "c", 0, 0, result::bad_version),
    op_set(2, 12, 13, "c", 1, 2),
    op_remove(1, 14, 15, 1, result::bad_version),
    op_read(1, 16, 17, "c", 2),
    op_remove(1, 18, 19, 2),
    op_set(2, 20, 21, "d", -1, 0, result::no_node),
    op_remove(2, 22, 23, -1, result::no_node),
    op_create(2, 24, 25, "e"),
    op_read(1, 26, 27, "e", 0),
  };
  auto r = check(h);
  EXPECT_EQ(r.verdict, check_result::linearizable) << r.explanation;
  EXPECT_TRUE(r.explanation.empty());
}

TEST(Linearizability, StaleReadAfterCompletedWriteFails) {
  std::vector<znode_op> h = {
    op_create(1, 0, 10, "a"),
    op_set(1, 20, 30, "b", -1, 1),
    op_read(2, 40, 50, "a", 0),
  };
  auto r = check(h);
  ASSERT_EQ(r.verdict, check_result::not_linearizable);
  EXPECT_EQ(r.path, "/a");
  EXPECT_TRUE(mentions(r, "ending with the response of #2")) << r.explanation;
  EXPECT_TRUE(mentions(r, "<== fails here")) << r.explanation;
  // Overlapping the write, the same read is fine.
  h[2].invoke = 25;
  EXPECT_TRUE(check(h).ok());
}

TEST(Linearizability, TwoConcurrentCreatesBothOkFail) {
  std::vector<znode_op> h = {op_create(1, 0, 10, "a"), op_create(2, 5, 15, "b")};
  EXPECT_EQ(check(h).verdict, check_result::not_linearizable);
  h[1].result = result::node_exists;
  EXPECT_TRUE(check(h).ok());
}

TEST(Linearizability, SetSkippingAVersionFails) {
  std::vector<znode_op> h = {op_create(1, 0, 10, "a"), op_set(1, 20, 30, "b", -1, 2)};
  EXPECT_EQ(check(h).verdict, check_result::not_linearizable);
  h[1].result_version = 1;
  EXPECT_TRUE(check(h).ok());
}

TEST(Linearizability, NotEmptyAndMissingParentResults) {
  // remove -> not_empty: the node exists and the version matched (checked first).
  std::vector<znode_op> h = {
    op_create(1, 0, 10, "a"),
    op_remove(1, 20, 30, 0, result::not_empty),
    op_create(2, 40, 50, "x", result::no_node), // a missing parent says nothing about /a
    op_read(1, 60, 70, "a", 0),
  };
  EXPECT_TRUE(check(h).ok());
  h[1].expected_version = 3;
  EXPECT_EQ(check(h).verdict, check_result::not_linearizable);
}

TEST(Linearizability, ReadOfAValueNeverWrittenFails) {
  std::vector<znode_op> h = {
    op_create(1, 0, 10, "a"),
    op_set(1, 20, 30, "b", -1, 1),
    op_read(2, 5, 40, "z", 1),
  };
  EXPECT_EQ(check(h).verdict, check_result::not_linearizable);
  h[2].result_value = "b";
  EXPECT_TRUE(check(h).ok());
  h[2].result_version = 0; // "b" never had version 0
  EXPECT_EQ(check(h).verdict, check_result::not_linearizable);
}

TEST(Linearizability, LostUpdateThroughCompareAndSetFails) {
  // Two concurrent set(expected=0) cannot both succeed, whatever versions they report.
  std::vector<znode_op> h = {
    op_create(1, 0, 10, "a"),
    op_set(1, 20, 40, "b", 0, 1),
    op_set(2, 25, 45, "c", 0, 1),
  };
  EXPECT_EQ(check(h).verdict, check_result::not_linearizable);
  h[2].result_version = 2;
  EXPECT_EQ(check(h).verdict, check_result::not_linearizable);
  h[2].result = result::bad_version;
  EXPECT_TRUE(check(h).ok());
}

TEST(Linearizability, ConcurrentOpsLinearizableInOnlyOneOrderPass) {
  // c1's set ends up at version 2, so c2's set went first; the reads agree.
  std::vector<znode_op> h = {
    op_create(0, 0, 5, "a"),
    op_set(1, 10, 100, "b", -1, 2),
    op_set(2, 10, 100, "c", -1, 1),
    op_read(3, 20, 30, "a", 0),
    op_read(3, 40, 50, "c", 1),
    op_remove(4, 60, 200, 2),
    op_read(3, 110, 120, "b", 2),
    op_read_absent(3, 210, 220),
  };
  auto r = check(h);
  EXPECT_TRUE(r.ok()) << r.explanation;
  h[4] = op_read(3, 40, 50, "b", 1); // only consistent with the other order
  EXPECT_EQ(check(h).verdict, check_result::not_linearizable);
}

TEST(Linearizability, UnknownWritesMayOrMayNotHaveApplied) {
  std::vector<znode_op> applied = {
    op_create(1, 0, 10, "a"),
    unknown(op_set(1, 20, 0, "b", 0, 1)),
    op_read(2, 30, 40, "a", 0),
    op_read(2, 1000, 1010, "b", 1), // took effect long after the client gave up
    op_set(2, 1020, 1030, "c", 1, 2),
  };
  EXPECT_TRUE(check(applied).ok());
  std::vector<znode_op> not_applied = {
    op_create(1, 0, 10, "a"),
    unknown(op_set(1, 20, 0, "b", 0, 1)),
    op_read(2, 1000, 1010, "a", 0),
    op_set(2, 1020, 1030, "c", 0, 1),
    unknown(op_remove(3, 1040, 0, -1)),
    unknown(op_create(4, 1050, 0, "d")),
    op_read(2, 2000, 2010, "c", 1),
  };
  EXPECT_TRUE(check(not_applied).ok());
  // A create whose outcome was lost after a remove whose outcome was lost:
  not_applied.push_back(op_read(2, 3000, 3010, "d", 0));
  EXPECT_TRUE(check(not_applied).ok());
}

TEST(Linearizability, ReadSeeingAnUnknownWriteBeforeItsInvokeFails) {
  std::vector<znode_op> h = {
    op_create(1, 0, 10, "a"),
    op_read(2, 20, 30, "b", 1),
    unknown(op_set(1, 100, 0, "b", -1, 1)),
  };
  auto r = check(h);
  ASSERT_EQ(r.verdict, check_result::not_linearizable);
  EXPECT_TRUE(mentions(r, "#1")) << r.explanation;
  h[2].invoke = 25;
  EXPECT_TRUE(check(h).ok());
}

TEST(Linearizability, ZnodesAreCheckedIndependentlyFromTheirInitialState) {
  std::vector<znode_op> h = {op_read(1, 0, 10, "x", 3), op_create(1, 20, 30, "y")};
  h[1].path = "/b";
  h.push_back(op_create(2, 0, 5, "q"));
  h.back().path = "/c";
  h.push_back(op_read_absent(2, 10, 15));
  h.back().path = "/c";
  std::map<std::string, znode_state> initial = {{"/a", znode_state::present("x", 3)}};
  auto r = check_history(h, initial);
  ASSERT_EQ(r.verdict, check_result::not_linearizable);
  EXPECT_EQ(r.path, "/c");
  h.pop_back();
  EXPECT_TRUE(check_history(h, initial).ok());
  EXPECT_EQ(check_history(h).verdict, check_result::not_linearizable); // /a absent by default
}

TEST(Linearizability, MalformedOpThrows) {
  std::vector<znode_op> h = {op_create(1, 10, 5, "a")};
  EXPECT_THROW(check(h), std::invalid_argument);
}

TEST(Linearizability, StepBudgetGivesUp) {
  gen_params p;
  p.ops = 200;
  p.clients = 8;
  auto h = random_history(p);
  check_options tiny;
  tiny.max_steps = 50;
  auto r = check_history(h, {}, tiny);
  EXPECT_EQ(r.verdict, check_result::gave_up);
  EXPECT_EQ(r.path, "/r");
  EXPECT_TRUE(check_history(h).ok());
}

TEST(Linearizability, RecorderBuildsHistories) {
  history_recorder rec;
  int c = rec.invoke(1, znode_op::create, "/a", 0, "a");
  int s = rec.invoke(2, znode_op::set, "/a", 5, "b", 0);
  rec.complete(c, result::ok, 10);
  int r1 = rec.invoke(3, znode_op::read, "/a", 20);
  rec.unknown(s);
  rec.complete(r1, result::ok, 30, 1, "b");
  int r2 = rec.invoke(3, znode_op::read, "/a", 40); // never answered
  ASSERT_EQ(rec.ops().size(), 4u);
  EXPECT_TRUE(rec.ops()[s].unknown);
  EXPECT_TRUE(rec.ops()[r2].unknown);
  EXPECT_FALSE(rec.ops()[r1].unknown);
  EXPECT_TRUE(check_history(rec.ops()).ok());
  EXPECT_THROW(rec.complete(c, result::ok, 50), std::logic_error);
  EXPECT_THROW(rec.unknown(99), std::out_of_range);
}

TEST(Linearizability, RandomizedHistoryPassesQuickly) {
  gen_params p; // 64 clients, 2,000 ops, a handful concurrent at a time
  auto h = random_history(p);
  auto r = timed_check(h);
  EXPECT_TRUE(r.ok()) << r.explanation;
  EXPECT_LT(r.steps, 100'000u);
}

TEST(Linearizability, RandomizedDenseHistoryWithUnknownsPasses) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    gen_params p;
    p.clients = 16;
    p.gap = 20; // most of the time ~15 ops in flight
    p.unknown = 0.02;
    p.seed = seed;
    auto h = random_history(p);
    auto r = timed_check(h);
    EXPECT_TRUE(r.ok()) << "seed " << seed << ": " << r.explanation;
    EXPECT_LT(r.steps, 2'000'000u) << "seed " << seed;
  }
}

TEST(Linearizability, CorruptedReadInRandomizedHistoryFails) {
  gen_params p;
  auto h = random_history(p);
  size_t victim = h.size() / 2;
  while (!(h[victim].kind == znode_op::read && h[victim].result == result::ok))
    ++victim;
  h[victim].result_value = "never written";
  auto r = timed_check(h);
  ASSERT_EQ(r.verdict, check_result::not_linearizable);
  EXPECT_EQ(r.path, "/r");
  EXPECT_TRUE(mentions(r, "#" + std::to_string(victim) + " ")) << r.explanation;
  EXPECT_TRUE(mentions(r, "\"never written\"")) << r.explanation;
}

TEST(Linearizability, TinyHistoriesAgreeWithBruteForce) {
  rng r(7);
  int verdicts[2] = {0, 0};
  for (uint64_t seed = 1; seed <= 20000; ++seed) {
    gen_params p;
    p.clients = 3;
    p.ops = 3 * static_cast<int>(r.between(1, 3));
    p.gap = 5;
    p.duration = 10;
    p.unknown = 0.3;
    p.seed = seed;
    auto h = random_history(p);
    for (auto k = r.below(3); k > 0; --k) { // corrupt 0 to 2 results
      znode_op& op = h[r.below(h.size())];
      switch (r.below(4)) {
        case 0: op.result = static_cast<result>(r.below(5)); break;
        case 1: op.result_version = static_cast<int32_t>(r.below(3)); break;
        case 2: op.result_value = h[r.below(h.size())].value; break;
        default: op.unknown = !op.unknown;
      }
    }
    std::vector<bool> done(h.size());
    size_t known = static_cast<size_t>(std::count_if(h.begin(), h.end(), [](const znode_op& op) { return !op.unknown; }));
    bool expected = brute_force(h, {}, done, known);
    auto got = check(h);
    ASSERT_EQ(got.ok(), expected) << "seed " << seed << "\n" << got.explanation;
    ++verdicts[expected];
  }
  EXPECT_GT(verdicts[0], 2000);
  EXPECT_GT(verdicts[1], 2000);
}

// ---- Plain reads -------------------------------------------------------------

namespace {

session_event read_at(int64_t zxid, znode_state seen, std::string path = "/a") {
  return {session_event::read, std::move(path), zxid, std::move(seen)};
}

session_event wrote(int64_t zxid, std::string path = "/a") {
  return {session_event::own_write, std::move(path), zxid, {}};
}

const std::map<std::string, std::vector<committed_write>> committed = {
  {"/a", {{10, znode_state::present("a")}, {20, znode_state::present("b", 1)}, {30, {}}}},
  {"/b", {{25, znode_state::present("x")}}},
};

} // namespace

TEST(Linearizability, SequentialReadsPass) {
  std::map<int64_t, std::vector<session_event>> sessions = {
    {1, {read_at(5, {}), read_at(10, znode_state::present("a")), read_at(19, znode_state::present("a")),
         wrote(20), read_at(20, znode_state::present("b", 1)), read_at(40, {})}},
    {2, {read_at(24, {}, "/b"), read_at(26, znode_state::present("x"), "/b"),
         read_at(26, znode_state::present("b", 1))}},
  };
  EXPECT_TRUE(check_sequential_reads(committed, sessions).empty());
  std::map<std::string, znode_state> initial = {{"/c", znode_state::present("c", 7)}};
  EXPECT_TRUE(check_sequential_reads(committed, {{3, {read_at(1, znode_state::present("c", 7), "/c")}}}, initial)
                .empty());
}

TEST(Linearizability, SequentialReadsSessionGoingBackwards) {
  auto v = check_sequential_reads(
    committed, {{0x42, {read_at(20, znode_state::present("b", 1)), read_at(15, znode_state::present("a"))}}});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].find("session 0x42 event #1"), std::string::npos) << v[0];
  EXPECT_NE(v[0].find("went backwards from zxid 20"), std::string::npos) << v[0];
}

TEST(Linearizability, SequentialReadsStateMismatchAtZxid) {
  auto v = check_sequential_reads(committed, {{1, {read_at(20, znode_state::present("a"))}}});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].find("saw \"a\" v0 but the committed state is \"b\" v1"), std::string::npos) << v[0];
  EXPECT_EQ(check_sequential_reads(committed, {{1, {read_at(35, znode_state::present("b", 1))}}}).size(), 1u);
}

TEST(Linearizability, SequentialReadsMissingReadYourWrites) {
  // The session's write to /a committed at zxid 20; its next read (of another
  // znode, consistent in itself) is served by a server still at zxid 12.
  auto v = check_sequential_reads(committed, {{7, {read_at(11, znode_state::present("a")), wrote(20),
                                                   read_at(12, {}, "/b")}}});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].find("misses the session's own write at zxid 20"), std::string::npos) << v[0];
}
