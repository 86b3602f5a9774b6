// Znode path validation (see paths.hpp for the rules and why).
#include "troupe/keeper/paths.hpp"

#include <cstdint>

namespace troupe::keeper {

namespace {

path_check bad(std::string reason) { return {error::bad_arguments, std::move(reason)}; }

// Decodes one UTF-8 code point at s[i]; returns its length, 0 if malformed
// (truncated, bad continuation, overlong, surrogate or > U+10FFFF).
std::size_t decode_utf8(std::string_view s, std::size_t i, uint32_t& cp) {
  auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  std::size_t len;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size())
    return 0;
  for (std::size_t k = 1; k < len; ++k) {
    auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

bool banned(uint32_t cp) {
  return (cp >= 0x01 && cp <= 0x1F) || (cp >= 0x7F && cp <= 0x9F)
         || (cp >= 0xD800 && cp <= 0xF8FF) || (cp >= 0xFFF0 && cp <= 0xFFFF)
         || cp > 0xFFFF; // a surrogate pair in Java's UTF-16
}

path_check check(std::string_view path) {
  if (path.empty())
    return bad("path must not be empty");
  if (path[0] != '/')
    return bad("path must start with '/'");
  if (path.size() == 1)
    return {};
  if (path.back() == '/')
    return bad("path must not end with '/'");
  // Scan segment by segment, left to right, so the first problem is reported.
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos)
      end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment.empty())
      return bad("empty node name at offset " + std::to_string(start));
    for (std::size_t i = start; i < end;) {
      uint32_t cp = 0;
      std::size_t len = decode_utf8(path, i, cp);
      if (len == 0)
        return bad("malformed UTF-8 at offset " + std::to_string(i));
      if (cp == 0)
        return bad("null character at offset " + std::to_string(i));
      if (banned(cp))
        return bad("disallowed character at offset " + std::to_string(i));
      i += len;
    }
    if (segment == "." || segment == "..")
      return bad("relative path segment at offset " + std::to_string(start));
    start = end + 1;
  }
  return {};
}

} // namespace

path_check validate_path(std::string_view path, bool sequential) {
  if (!sequential)
    return check(path);
  std::string with_digit(path);
  with_digit += '1';
  return check(with_digit);
}

std::string_view parent_path(std::string_view path) {
  if (path.size() <= 1)
    return {};
  auto slash = path.rfind('/');
  return slash == 0 ? path.substr(0, 1) : path.substr(0, slash);
}

std::string_view node_name(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

} // namespace troupe::keeper
