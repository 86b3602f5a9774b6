#include "troupe/log/leader_status.hpp"

#include <algorithm>
#include <sstream>

namespace troupe::rlog {

std::string to_text(const leader_status& s) {
  std::string out = "group " + s.group + " member " + std::to_string(s.self) + " role " + s.role + " epoch " +
                    std::to_string(s.epoch) + " leader " + std::to_string(s.leader);
  if (s.role != "leader")
    return out + "\n";
  out += " commit " + std::to_string(s.commit) + " last " + std::to_string(s.last) + "\n";
  for (auto& a : s.acceptors)
    out += "acceptor " + std::to_string(a.id) + " match " + std::to_string(a.match) + " next " +
           std::to_string(a.next) + " inflight " + std::to_string(a.inflight) +
           (a.reachable ? " reachable" : " unreachable") + "\n";
  return out + "followers " + std::to_string(s.followers) + "\n";
}

std::optional<leader_status> parse_leader_status(const std::string& text) {
  std::istringstream lines{text};
  std::string line;
  std::optional<leader_status> out;
  while (std::getline(lines, line)) {
    std::istringstream in{line};
    std::string word;
    in >> word;
    if (!out) {
      if (word != "group")
        continue;
      leader_status s;
      std::string k1, k2, k3, k4;
      if (!(in >> s.group >> k1 >> s.self >> k2 >> s.role >> k3 >> s.epoch >> k4 >> s.leader) ||
          k1 != "member" || k2 != "role" || k3 != "epoch" || k4 != "leader")
        continue;
      if (s.role == "leader") {
        std::string k5, k6;
        if (!(in >> k5 >> s.commit >> k6 >> s.last) || k5 != "commit" || k6 != "last")
          continue;
      }
      out = s;
      if (s.role != "leader")
        return out;
    } else if (word == "acceptor") {
      leader_status::acceptor a;
      std::string k1, k2, k3, reach;
      if (in >> a.id >> k1 >> a.match >> k2 >> a.next >> k3 >> a.inflight >> reach) {
        a.reachable = reach == "reachable";
        out->acceptors.push_back(a);
      }
    } else if (word == "followers") {
      in >> out->followers;
      return out;
    } else {
      return out;
    }
  }
  return out;
}

std::optional<uint64_t> max_acceptor_lag(const leader_status& s) {
  if (s.role != "leader")
    return std::nullopt;
  uint64_t lag = 0;
  for (auto& a : s.acceptors)
    lag = std::max(lag, s.last - std::min(s.last, a.match));
  return lag;
}

} // namespace troupe::rlog
