// "Role R on node N": how roles name each other. Resolved to an actor
// handle by the directory (troupe/runtime/directory.hpp).
#pragma once

#include <string>
#include <tuple>

namespace troupe {

struct address {
  std::string node;
  std::string role;

  friend bool operator==(const address& a, const address& b) {
    return a.node == b.node && a.role == b.role;
  }
  friend bool operator!=(const address& a, const address& b) { return !(a == b); }
  friend bool operator<(const address& a, const address& b) {
    return std::tie(a.node, a.role) < std::tie(b.node, b.role);
  }
};

inline std::string to_string(const address& a) {
  return a.role + "@" + a.node;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, address& x) {
  return f(x.node, x.role);
}

} // namespace troupe
