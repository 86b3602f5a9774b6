// The member hub: session actors by id, and the tracker, for the replica to
// reach from inside the log follower (see member_internal.hpp).
#include "member_internal.hpp"

#include <chrono>

namespace troupe::keeper {

caf::actor member_hub::attach(int64_t session, const caf::actor& handle) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& slot = sessions_[session];
  auto old = slot;
  slot = handle;
  return old != handle ? old : caf::actor{};
}

void member_hub::detach(int64_t session, const caf::actor& handle) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = sessions_.find(session);
  if (i != sessions_.end() && i->second == handle)
    sessions_.erase(i);
}

size_t member_hub::sessions() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return sessions_.size();
}

void member_hub::set_tracker(const caf::actor& tracker) {
  std::lock_guard<std::mutex> guard{mtx_};
  tracker_ = tracker;
}

void member_hub::watch_event(int64_t session, const wire::WatchEvent& e) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = sessions_.find(session);
  if (i == sessions_.end())
    return;
  wire::Response r;
  r.set_xid(-1);
  r.set_zxid(e.zxid());
  *r.mutable_event() = e;
  caf::anon_send(i->second, std::move(r));
}

void member_hub::session_opened(int64_t session, int32_t timeout_ms) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (tracker_)
    caf::anon_send(tracker_, atoms::opened::value, session, timeout_ms);
}

void member_hub::session_closed(int64_t session) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (tracker_)
    caf::anon_send(tracker_, atoms::closed::value, session);
  auto i = sessions_.find(session);
  if (i != sessions_.end()) {
    caf::anon_send(i->second, atoms::expired::value);
    sessions_.erase(i);
  }
}

void member_hub::sessions_restored(wire::QueryAnswer all) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (tracker_)
    caf::anon_send(tracker_, atoms::reset::value, std::move(all));
}

int64_t wall_ms(const member_config& cfg) {
  if (cfg.wall_clock_ms)
    return cfg.wall_clock_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

} // namespace troupe::keeper
