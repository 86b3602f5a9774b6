#include "troupe/log/learner_core.hpp"
#include "troupe/log/log_entry.hpp"

namespace troupe::rlog {

learner_core::learner_core(std::string group, uint32_t fetch_after_ticks, size_t max_buffered)
  : group_(std::move(group)), fetch_after_ticks_(fetch_after_ticks), max_buffered_(max_buffered) {}

void learner_core::accept(const wire::LogEntry& e, learner_effects&) {
  if (e.index() <= applied_ || buffered_.size() >= max_buffered_)
    return; // applied already, or too far ahead: catch-up fetches it later
  buffered_.emplace(e.index(), e);
}

void learner_core::drain(learner_effects& fx) {
  for (auto i = buffered_.begin(); i != buffered_.end() && i->first <= applied_ + 1;) {
    if (i->first == applied_ + 1) {
      applied_ = i->first;
      applied_zxid_ = last_zxid(i->second);
      fx.apply.push_back(std::move(i->second));
      stalled_ticks_ = 0;
    }
    i = buffered_.erase(i);
  }
}

void learner_core::on_committed(const wire::Committed& msg, learner_effects& fx) {
  if (msg.group() != group_)
    return;
  if (msg.epoch() >= epoch_) {
    epoch_ = msg.epoch();
    leader_ = msg.leader();
  }
  known_commit_ = std::max(known_commit_, msg.commit_index());
  for (auto& e : msg.entries())
    if (e.index() <= msg.commit_index())
      accept(e, fx);
  drain(fx);
}

void learner_core::on_fetch_response(const wire::FetchResponse& msg, learner_effects& fx) {
  if (msg.group() != group_)
    return;
  fetching_ = false;
  known_commit_ = std::max(known_commit_, msg.commit_index());
  if (msg.compacted() && msg.snapshot().index() > applied_) {
    // What we miss is only in a snapshot now: start over from it.
    applied_ = msg.snapshot().index();
    applied_zxid_ = msg.snapshot().zxid();
    fx.restore = std::make_pair(msg.snapshot(), msg.snapshot_data());
    fx.apply.clear();
    buffered_.erase(buffered_.begin(), buffered_.upper_bound(applied_));
  }
  for (auto& e : msg.entries())
    accept(e, fx);
  drain(fx);
  if (applied_ < known_commit_ && !msg.entries().empty())
    request_fetch(fx); // more to come: keep pulling
}

void learner_core::request_fetch(learner_effects& fx) {
  wire::FetchRequest req;
  req.set_group(group_);
  req.set_from_index(applied_ + 1);
  req.set_max_entries(4096);
  fx.fetch = std::move(req);
  fetching_ = true;
  fetch_age_ = 0;
}

void learner_core::tick(learner_effects& fx) {
  if (fetching_ && ++fetch_age_ > 4 * fetch_after_ticks_)
    fetching_ = false; // the fetch (or its answer) was lost
  if (applied_ >= known_commit_ && buffered_.empty()) {
    stalled_ticks_ = 0;
    return;
  }
  if (++stalled_ticks_ >= fetch_after_ticks_ && !fetching_)
    request_fetch(fx);
}

} // namespace troupe::rlog
