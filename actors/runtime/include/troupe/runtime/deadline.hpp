// Requests with deadlines that neither leak memory nor pile up timers.
//
// CAF 0.17.6 schedules one timer per request(…, timeout, …) and never cancels
// it: each holds a strong reference to the requester until it fires (+126 MiB
// per million requests with a 1 s timeout). Here a request is sent with an
// infinite CAF timeout, so CAF schedules nothing, and the actor's
// deadline_table keeps (deadline, request id) pairs with at most one armed
// timer — for the earliest deadline. A reply erases its entry; an expired
// entry is answered with sec::request_timeout through the normal error
// handler, exactly like a CAF timeout.
//
//   troupe::request(self, state.deadlines, peer, 200ms, msg).then(
//     [=](const Reply& r) { ... },
//     [=](caf::error& err) { ... });   // sec::request_timeout on expiry
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

#include "caf/actor_clock.hpp"
#include "caf/behavior.hpp"
#include "caf/duration.hpp"
#include "caf/error.hpp"
#include "caf/message_id.hpp"
#include "caf/scheduled_actor.hpp"

namespace troupe {

class deadline_table {
public:
  using time_point = caf::actor_clock::time_point;

  deadline_table() = default;
  deadline_table(const deadline_table&) = delete;
  deadline_table& operator=(const deadline_table&) = delete;

  /// Starts tracking response `rid` of a request sent by `self`.
  void track(caf::scheduled_actor* self, caf::message_id rid, caf::timespan timeout);

  /// The response `rid` arrived (or failed): forget it.
  void settle(caf::message_id rid);

  /// Requests still waiting.
  size_t pending() const { return by_id_.size(); }
  /// Timers currently armed (at most a few, whatever the request rate).
  size_t armed_timers() const { return armed_.size(); }

private:
  void arm(caf::scheduled_actor* self);
  void expire(caf::scheduled_actor* self, time_point fired_at);

  std::multimap<time_point, uint64_t> by_deadline_;
  std::unordered_map<uint64_t, std::multimap<time_point, uint64_t>::iterator> by_id_;
  std::multimap<time_point, bool> armed_; // scheduled timer ticks
};

namespace detail {

template <class F, class... Args>
auto settle_then(F f, deadline_table* table, caf::message_id rid,
                 caf::detail::type_list<Args...>) {
  return [f = std::move(f), table, rid](Args... xs) mutable {
    table->settle(rid);
    f(std::forward<Args>(xs)...);
  };
}

} // namespace detail

/// The handle returned by troupe::request: attach handlers with then().
template <class Handle>
class deadline_response {
public:
  deadline_response(Handle h, deadline_table* table) : h_(std::move(h)), table_(table) {}

  template <class F, class OnError>
  void then(F f, OnError on_error) {
    using args = typename caf::detail::get_callable_trait<F>::arg_types;
    auto rid = h_.id();
    auto table = table_;
    h_.then(detail::settle_then(std::move(f), table, rid, args{}),
            [on_error = std::move(on_error), table, rid](caf::error& err) mutable {
              table->settle(rid);
              on_error(err);
            });
  }

private:
  Handle h_;
  deadline_table* table_;
};

/// Sends xs... to dest as a request that fails with sec::request_timeout
/// after `timeout` unless answered.
template <class Self, class Dest, class... Ts>
auto request(Self* self, deadline_table& table, const Dest& dest,
             caf::timespan timeout, Ts&&... xs) {
  auto h = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
  table.track(self, h.id(), timeout);
  return deadline_response<decltype(h)>{std::move(h), &table};
}

} // namespace troupe
