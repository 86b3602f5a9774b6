// Failure detection for one peer link, as a pure state machine: the link
// actor feeds it timer ticks and heartbeat acknowledgements; it says when to
// send a heartbeat and when the peer became unresponsive or responsive again.
// A peer is unresponsive when no acknowledgement arrived for `timeout`
// (a hung process: its socket stays open, so only silence reveals it).
#pragma once

#include <chrono>
#include <cstdint>

namespace troupe::runtime {

class heartbeat_monitor {
public:
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::nanoseconds; // since an arbitrary epoch

  heartbeat_monitor(duration interval, duration timeout)
    : interval_(interval), timeout_(timeout) {}

  /// A connection was (re)established at `now`: the peer counts as
  /// responsive and silence is measured from here.
  void reset(time_point now) {
    last_ack_ = now;
    last_sent_ = now - interval_;
    responsive_ = true;
  }

  struct tick_result {
    bool send = false;              // send a heartbeat with `seq` now
    uint64_t seq = 0;
    bool became_unresponsive = false;
  };

  tick_result on_tick(time_point now) {
    tick_result r;
    if (responsive_ && now - last_ack_ >= timeout_) {
      responsive_ = false;
      r.became_unresponsive = true;
    }
    if (now - last_sent_ >= interval_) {
      last_sent_ = now;
      r.send = true;
      r.seq = ++seq_;
    }
    return r;
  }

  /// An acknowledgement of heartbeat `seq` arrived. Returns true if the peer
  /// thereby became responsive again. Stale sequence numbers still prove
  /// liveness: only the order of our own sends matters for rtt.
  bool on_ack(uint64_t seq, time_point now, duration rtt) {
    last_ack_ = now;
    if (seq == seq_)
      last_rtt_ = rtt;
    if (!responsive_) {
      responsive_ = true;
      return true;
    }
    return false;
  }

  bool responsive() const { return responsive_; }
  duration last_rtt() const { return last_rtt_; }
  duration interval() const { return interval_; }
  duration silence(time_point now) const { return now - last_ack_; }

private:
  duration interval_;
  duration timeout_;
  time_point last_ack_{0};
  time_point last_sent_{0};
  uint64_t seq_ = 0;
  bool responsive_ = false;
  duration last_rtt_{0};
};

} // namespace troupe::runtime
