#include "troupe/runtime/deadline.hpp"

#include "caf/all.hpp"

namespace troupe {

namespace {
using deadline_tick = caf::atom_constant<caf::atom("tr_dltick")>;
} // namespace

void deadline_table::track(caf::scheduled_actor* self, caf::message_id rid,
                           caf::timespan timeout) {
  auto due = self->clock().now() + timeout;
  auto i = by_deadline_.emplace(due, rid.integer_value());
  by_id_.emplace(rid.integer_value(), i);
  arm(self);
}

void deadline_table::settle(caf::message_id rid) {
  auto i = by_id_.find(rid.integer_value());
  if (i == by_id_.end())
    return;
  by_deadline_.erase(i->second);
  by_id_.erase(i);
}

void deadline_table::arm(caf::scheduled_actor* self) {
  if (by_deadline_.empty())
    return;
  auto due = by_deadline_.begin()->first;
  if (!armed_.empty() && armed_.begin()->first <= due)
    return; // an earlier tick will re-arm for this one
  armed_.emplace(due, true);
  // The tick arrives as a response to a request id nobody else uses, so it
  // reaches this handler without the actor's behavior knowing about it.
  auto tick_id = self->new_request_id(caf::message_priority::normal).response_id();
  self->add_multiplexed_response_handler(
    tick_id, caf::behavior{[this, self, due](deadline_tick) { expire(self, due); }});
  self->clock().schedule_message(
    due, caf::actor_cast<caf::strong_actor_ptr>(self),
    caf::make_mailbox_element(nullptr, tick_id, {}, deadline_tick::value));
}

void deadline_table::expire(caf::scheduled_actor* self, time_point fired_at) {
  if (auto i = armed_.find(fired_at); i != armed_.end())
    armed_.erase(i);
  auto now = self->clock().now();
  while (!by_deadline_.empty() && by_deadline_.begin()->first <= now) {
    auto id = by_deadline_.begin()->second;
    by_id_.erase(id);
    by_deadline_.erase(by_deadline_.begin());
    // Delivered like CAF's own timeout: the request's error handler runs.
    self->eq_impl(caf::message_id{id}, nullptr, self->context(),
                  caf::make_error(caf::sec::request_timeout));
  }
  arm(self);
}

} // namespace troupe
