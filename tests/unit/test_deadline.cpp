// Requests with deadlines under CAF's test coordinator: replies settle their
// entries, silence expires them through the error handler, and however many
// requests are in flight at most one timer is armed.
#include <gtest/gtest.h>

#include "caf/all.hpp"

#include "troupe/runtime/actor_system_setup.hpp"
#include "troupe/runtime/deadline.hpp"

namespace {

using go_atom = caf::atom_constant<caf::atom("go")>;

struct counts {
  int replies = 0;
  int timeouts = 0;
  int other_errors = 0;
  size_t max_pending = 0;
  size_t max_armed = 0;
};

struct requester_state {
  troupe::deadline_table deadlines;
};

caf::behavior requester(caf::stateful_actor<requester_state>* self, caf::actor dest, counts* c) {
  return {
    [=](go_atom, int n, int timeout_ms) {
      for (int i = 0; i < n; ++i) {
        troupe::request(self, self->state.deadlines, dest, std::chrono::milliseconds(timeout_ms), i)
          .then([c](int) { ++c->replies; },
                [c](caf::error& err) {
                  if (err == caf::sec::request_timeout)
                    ++c->timeouts;
                  else
                    ++c->other_errors;
                });
        c->max_pending = std::max(c->max_pending, self->state.deadlines.pending());
        c->max_armed = std::max(c->max_armed, self->state.deadlines.armed_timers());
      }
    },
    [=](caf::get_atom) { return self->state.deadlines.pending(); },
  };
}

// Answers even numbers, ignores odd ones.
caf::behavior half_responder() {
  return {
    [](int x) -> caf::result<int> {
      if (x % 2 == 0)
        return x;
      return caf::delegated<int>{};
    },
  };
}

struct DeadlineRequests : ::testing::Test {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;

  void SetUp() override {
    troupe::runtime::register_runtime_types(cfg);
    cfg.set("scheduler.policy", caf::atom("testing"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
  }

  void TearDown() override {
    sched->run();
    while (sched->has_pending_timeout()) {
      sched->trigger_timeouts();
      sched->run();
    }
  }
};

} // namespace

TEST_F(DeadlineRequests, RepliesSettleAndSilenceExpiresWithOneTimer) {
  counts c;
  auto responder = sys->spawn(half_responder);
  auto req = sys->spawn(requester, responder, &c);
  // 20k: CAF keeps pending response handlers in a linear-scan flat map, so
  // far more outstanding requests per actor get quadratic (docs/caf-notes.md).
  const int n = 20000;
  caf::anon_send(req, go_atom::value, n, 1000);
  sched->run();
  EXPECT_EQ(c.replies, n / 2);
  EXPECT_EQ(c.timeouts, 0);
  EXPECT_EQ(c.max_pending, static_cast<size_t>(n));
  EXPECT_EQ(c.max_armed, 1u);
  // CAF itself holds no per-request timer: only our one tick is scheduled.
  EXPECT_EQ(sched->clock().schedule().size(), 1u);
  // Just before the deadline nothing has expired; just after, all unanswered have.
  sched->advance_time(std::chrono::milliseconds(999));
  sched->run();
  EXPECT_EQ(c.timeouts, 0);
  sched->advance_time(std::chrono::milliseconds(1));
  sched->run();
  EXPECT_EQ(c.timeouts, n / 2);
  EXPECT_EQ(c.other_errors, 0);
  EXPECT_FALSE(sched->has_pending_timeout());
  caf::anon_send_exit(req, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(responder, caf::exit_reason::user_shutdown);
}

TEST_F(DeadlineRequests, EarlierDeadlineArmsAnEarlierTimer) {
  counts c;
  auto silent = sys->spawn([]() -> caf::behavior { return {[](int) -> caf::result<int> { return caf::delegated<int>{}; }}; });
  auto req = sys->spawn(requester, silent, &c);
  caf::anon_send(req, go_atom::value, 1, 5000);
  sched->run();
  caf::anon_send(req, go_atom::value, 1, 100);
  sched->run();
  sched->advance_time(std::chrono::milliseconds(100));
  sched->run();
  EXPECT_EQ(c.timeouts, 1); // the short one, on time
  sched->advance_time(std::chrono::milliseconds(4900));
  sched->run();
  EXPECT_EQ(c.timeouts, 2);
  caf::anon_send_exit(req, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
}
