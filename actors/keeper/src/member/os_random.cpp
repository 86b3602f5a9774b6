// The production random source for session ids and passwords: the kernel's
// CSPRNG through getrandom(2), which blocks only until the pool is first
// initialised at boot.
#include <sys/random.h>

#include <cerrno>
#include <system_error>

#include "troupe/keeper/member.hpp"

namespace troupe::keeper {

random_source os_random_source() {
  return [](unsigned char* out, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      auto got = getrandom(out + done, n - done, 0);
      if (got < 0) {
        if (errno == EINTR)
          continue;
        throw std::system_error(errno, std::generic_category(), "getrandom");
      }
      done += static_cast<std::size_t>(got);
    }
  };
}

} // namespace troupe::keeper
