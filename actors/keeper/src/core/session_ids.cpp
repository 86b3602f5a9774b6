// Session ids and passwords from an injected random source (session_ids.hpp).
#include "troupe/keeper/session_ids.hpp"

namespace troupe::keeper {

int64_t compose_session_id(uint32_t member, uint64_t random) {
  constexpr uint64_t low_bits = (uint64_t{1} << 56) - 1;
  uint64_t top = member & 0xFF;
  if (top == 0xFF)
    top = 0;
  uint64_t low = random & low_bits;
  if (low == 0)
    low = 1;
  return static_cast<int64_t>(top << 56 | low);
}

session_credentials draw_session_credentials(const random_source& random, uint32_t member) {
  unsigned char bytes[8 + session_password_bytes];
  random(bytes, sizeof bytes);
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i)
    r = r << 8 | bytes[i];
  session_credentials out;
  out.id = compose_session_id(member, r);
  out.password.assign(reinterpret_cast<const char*>(bytes + 8), session_password_bytes);
  return out;
}

} // namespace troupe::keeper
