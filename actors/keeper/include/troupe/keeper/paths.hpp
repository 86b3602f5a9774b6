// Znode path rules, as ZooKeeper's PathUtils.validatePath enforces them:
//   - non-empty, starts with '/'; "/" alone is the root;
//   - no trailing '/' (except the root), no empty segment ("//");
//   - no "." or ".." segment (names merely containing dots are fine);
//   - no U+0000, no control characters U+0001-U+001F and U+007F-U+009F,
//     nothing in U+D800-U+F8FF or U+FFF0-U+FFFF.
// Paths are UTF-8 here; ZooKeeper checks Java's UTF-16 code units, so every
// code point above U+FFFF (a surrogate pair in Java) is rejected too, and so
// is malformed UTF-8 (Java would decode it to U+FFFD, which is banned).
#pragma once

#include <string>
#include <string_view>

#include "troupe/keeper/errors.hpp"

namespace troupe::keeper {

struct path_check {
  error err = error::ok; // ok or bad_arguments
  std::string reason;    // empty when ok
  explicit operator bool() const { return err == error::ok; }
};

// For a sequential create the client path is validated with a digit appended
// (as the ZooKeeper client does), so "/queue/" is a valid sequential prefix:
// the server appends the 10-digit counter.
path_check validate_path(std::string_view path, bool sequential = false);

// "/a/b" -> "/a", "/a" -> "/", "/" -> "" (the root has no parent).
// The path must be valid.
std::string_view parent_path(std::string_view path);

// "/a/b" -> "b", "/" -> "".
std::string_view node_name(std::string_view path);

} // namespace troupe::keeper
