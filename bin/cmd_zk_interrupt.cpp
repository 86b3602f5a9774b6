#include "zk_interrupt.hpp"

#include <unistd.h>

#include <csignal>

#include "troupe/runtime/signals.hpp"

namespace troupe::cli {

zk_interrupt::zk_interrupt(std::chrono::milliseconds grace) : grace_(grace) {
  thread_ = std::thread{[this] { watch(); }};
}

zk_interrupt::~zk_interrupt() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool zk_interrupt::wait(std::optional<std::chrono::milliseconds> limit) {
  std::unique_lock<std::mutex> lock{mtx_};
  auto interrupted = [this] { return signal_ != 0; };
  if (!limit) {
    cv_.wait(lock, interrupted);
    return true;
  }
  return cv_.wait_for(lock, *limit, interrupted);
}

void zk_interrupt::watch() {
  int sig = 0;
  for (;;) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (done_)
        return;
    }
    sig = runtime::wait_for_termination_signal(std::chrono::milliseconds(50));
    if (sig != 0)
      break;
  }
  std::unique_lock<std::mutex> lock{mtx_};
  signal_ = sig;
  cv_.notify_all();
  if (cv_.wait_for(lock, grace_, [this] { return done_; }))
    return;
  // Still busy: end the way an unhandled signal ends a process (the shell
  // sees WIFSIGNALED), without running destructors that would block too.
  static const char msg[] = "troupe zk: interrupted\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
  std::signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(sig);
  ::_exit(128 + sig); // not reached unless the signal is ignored
}

} // namespace troupe::cli
