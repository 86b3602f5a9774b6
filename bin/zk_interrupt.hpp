// Ctrl-C for `troupe zk`: a thread that waits for SIGINT/SIGTERM (blocked in
// every thread, main.cpp). Commands that run until interrupted (watch, lock,
// ls -w) wait on it and finish gracefully; if the main thread is still busy
// `grace` after the signal (stuck connecting to members that do not answer,
// or in a request), the process ends by that signal, as an unhandled Ctrl-C
// would end it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace troupe::cli {

class zk_interrupt {
public:
  explicit zk_interrupt(std::chrono::milliseconds grace);
  /// Tells the thread the command finished (no more forced exit), joins it.
  ~zk_interrupt();
  zk_interrupt(const zk_interrupt&) = delete;
  zk_interrupt& operator=(const zk_interrupt&) = delete;

  /// Blocks until a signal arrived (true) or `limit` passed (false).
  bool wait(std::optional<std::chrono::milliseconds> limit = std::nullopt);

private:
  void watch();

  std::chrono::milliseconds grace_;
  std::mutex mtx_;
  std::condition_variable cv_;
  int signal_ = 0;
  bool done_ = false;
  std::thread thread_;
};

} // namespace troupe::cli
