#include "troupe/log/leader_status.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace troupe::rlog {

using json = nlohmann::ordered_json;

std::string to_json(const leader_status& s) {
  json out = {{"group", s.group}, {"self", s.self}, {"role", s.role}, {"epoch", s.epoch}, {"leader", s.leader}};
  if (s.role == "leader") {
    out["commit"] = s.commit;
    out["last"] = s.last;
    out["acceptors"] = json::array();
    for (auto& a : s.acceptors)
      out["acceptors"].push_back(
        {{"id", a.id}, {"match", a.match}, {"next", a.next}, {"inflight", a.inflight}, {"reachable", a.reachable}});
    out["followers"] = s.followers;
  }
  return out.dump();
}

std::optional<leader_status> parse_leader_status(const std::string& text) {
  auto doc = json::parse(text, nullptr, false);
  if (doc.is_object() && doc.contains("log"))
    doc = doc["log"];
  if (!doc.is_object())
    return std::nullopt;
  // Missing or mistyped fields make it no status (get<> throws).
  try {
    leader_status s;
    s.group = doc.at("group").get<std::string>();
    s.self = doc.at("self").get<member_id>();
    s.role = doc.at("role").get<std::string>();
    s.epoch = doc.at("epoch").get<uint64_t>();
    s.leader = doc.at("leader").get<member_id>();
    if (s.role == "leader") {
      s.commit = doc.at("commit").get<uint64_t>();
      s.last = doc.at("last").get<uint64_t>();
      for (auto& a : doc.at("acceptors"))
        s.acceptors.push_back({a.at("id").get<member_id>(), a.at("match").get<uint64_t>(),
                               a.at("next").get<uint64_t>(), a.at("inflight").get<uint64_t>(),
                               a.at("reachable").get<bool>()});
      s.followers = doc.at("followers").get<uint64_t>();
    }
    return s;
  } catch (const json::exception&) {
    return std::nullopt;
  }
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
