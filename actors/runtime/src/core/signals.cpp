#include "troupe/runtime/signals.hpp"

#include <cerrno>
#include <csignal>
#include <ctime>

namespace troupe::runtime {

namespace {
sigset_t termination_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
} // namespace

void block_termination_signals() {
  auto set = termination_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_termination_signal(std::optional<std::chrono::milliseconds> limit) {
  auto set = termination_set();
  for (;;) {
    int sig;
    if (!limit) {
      if (sigwait(&set, &sig) == 0)
        return sig;
      continue;
    }
    timespec ts;
    ts.tv_sec = limit->count() / 1000;
    ts.tv_nsec = (limit->count() % 1000) * 1'000'000;
    sig = sigtimedwait(&set, nullptr, &ts);
    if (sig > 0)
      return sig;
    if (errno == EAGAIN)
      return 0;
    // EINTR: some other signal; keep waiting (the limit restarts, which only
    // lengthens a wait that was interrupted by an unrelated signal).
  }
}

} // namespace troupe::runtime
